"""One FieldDesk per data directory: a second launch hands over to the first and leaves.

Two windows on one database would mean two writers, which the sync design forbids
(one writer, one transaction per page). So the first FieldDesk listens on a local socket
(a Unix domain socket, a named pipe on Windows) whose name is derived from its data
directory; a second launch on the same directory connects, sends

    {"command": "activate", "args": [...its command-line arguments...]}\\n

waits for "ok", and exits 0, while the first raises its window (`activation_requested`).
Launches on different data directories (the demo and a real account) do not meet.

A FieldDesk that crashed leaves its Unix socket file behind. With the user-only socket
option (the default) Qt binds in a private folder and renames the socket over that path,
which replaces a stale file; without it, and on platforms that work otherwise, listening
fails with "address in use" although nobody answers: we make sure nobody does, remove
the stale name (`QLocalServer.removeServer`) and listen again.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QByteArray, QObject, Qt, Signal, Slot
from PySide6.QtNetwork import QAbstractSocket, QLocalServer, QLocalSocket
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

ACTIVATE = "activate"
TIMEOUT_MS = 2000
MAX_MESSAGE = 64 * 1024


def server_name(data_dir: Path) -> str:
    """A socket name unique to this user and data directory, safe on every platform."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name in this environment: the path alone still separates
        user = ""
    path = os.path.normcase(str(data_dir.expanduser().resolve()))
    digest = hashlib.sha256(f"{user}\0{path}".encode()).hexdigest()[:24]
    return f"fielddesk-{digest}"


class SingleInstance(QObject):
    """`claim()` once at start-up, after the QApplication exists and before the store."""

    activation_requested = Signal(list)  # list[str]: the second launch's arguments

    def __init__(
        self,
        data_dir: Path,
        *,
        timeout_ms: int = TIMEOUT_MS,
        user_only: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.name = server_name(data_dir)
        self._timeout_ms = timeout_ms
        self._user_only = user_only
        self._server: QLocalServer | None = None
        self._buffers: dict[QLocalSocket, bytes] = {}

    @property
    def listening(self) -> bool:
        return self._server is not None and self._server.isListening()

    def claim(self, argv: Sequence[str] = ()) -> bool:
        """True: this is the first FieldDesk on the directory (now listening).
        False: a running one was told to come forward; this process should exit 0."""
        if self._hand_over(argv):
            return False
        return self._listen(argv)

    def close(self) -> None:
        if self._server is not None:
            self._server.close()  # removes the Unix socket file
            self._server = None

    # -- second launch ----------------------------------------------------------------
    def _hand_over(self, argv: Sequence[str]) -> bool:
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(self._timeout_ms):
            return False
        message = json.dumps({"command": ACTIVATE, "args": list(argv)}).encode() + b"\n"
        socket.write(QByteArray(message))
        socket.waitForBytesWritten(self._timeout_ms)
        acknowledged = socket.waitForReadyRead(self._timeout_ms) and (
            bytes(socket.readAll().data()).strip() == b"ok"
        )
        socket.disconnectFromServer()
        if acknowledged:
            log.info("FieldDesk is already running on this data directory; handed over")
        else:
            # It accepted the connection, so it is alive: still never open a second writer.
            log.warning("the running FieldDesk did not acknowledge the activation request")
        return True

    # -- first launch -----------------------------------------------------------------
    def _listen(self, argv: Sequence[str]) -> bool:
        server = QLocalServer(self)
        if self._user_only:  # nobody else on the machine may connect
            server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        in_use = QAbstractSocket.SocketError.AddressInUseError
        if not server.listen(self.name) and server.serverError() == in_use:
            if self._hand_over(argv):  # another launch won the race meanwhile
                server.deleteLater()
                return False
            log.info("removing a stale single-instance socket %s", self.name)
            QLocalServer.removeServer(self.name)
            server.listen(self.name)
        if not server.isListening():
            # Not fatal: FieldDesk works without the guard, it only cannot redirect.
            log.warning("single-instance guard unavailable: %s", server.errorString())
            server.deleteLater()
            return True
        server.newConnection.connect(self._on_new_connection)
        self._server = server
        log.debug("single-instance guard listening on %s", server.fullServerName())
        return True

    @Slot()
    def _on_new_connection(self) -> None:
        assert self._server is not None
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            self._buffers[socket] = b""
            # Bound slots, not lambdas: a lambda holding `self` would keep this object
            # alive until the socket dies, and then destroy it from inside the socket's
            # own destructor (its parent, the server, is our child).
            socket.readyRead.connect(self._on_ready_read)
            socket.disconnected.connect(self._on_disconnected)
            if socket.bytesAvailable():
                self._read(socket)

    @Slot()
    def _on_ready_read(self) -> None:
        socket = self.sender()
        if isinstance(socket, QLocalSocket):
            self._read(socket)

    @Slot()
    def _on_disconnected(self) -> None:
        socket = self.sender()
        if isinstance(socket, QLocalSocket):
            self._buffers.pop(socket, None)
            socket.deleteLater()

    def _read(self, socket: QLocalSocket) -> None:
        buffer = self._buffers.get(socket, b"") + bytes(socket.readAll().data())
        if b"\n" not in buffer:
            if len(buffer) > MAX_MESSAGE:
                socket.abort()
            else:
                self._buffers[socket] = buffer
            return
        line = buffer.split(b"\n", 1)[0]
        self._buffers[socket] = b""
        try:
            message = json.loads(line)
            command, args = message["command"], [str(a) for a in message.get("args", [])]
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed single-instance message")
            socket.abort()
            return
        socket.write(QByteArray(b"ok\n"))
        socket.flush()
        socket.disconnectFromServer()
        if command == ACTIVATE:
            log.info("another launch asked this FieldDesk to come forward")
            self.activation_requested.emit(args)


def bring_to_front(window: QWidget) -> None:
    """Show, un-minimize, raise and activate `window` (the window manager has the last
    word: some refuse focus stealing and flash the task-bar entry instead)."""
    state = window.windowState() & ~Qt.WindowState.WindowMinimized
    window.setWindowState(state | Qt.WindowState.WindowActive)
    window.show()
    window.raise_()
    window.activateWindow()

"""The browser half of the OAuth authorization-code grant, for a desktop app.

FieldAgent sends the browser back to a redirect URI with ``code`` and ``state``.
A desktop app has no web server, so it opens a one-shot listener on the loopback
interface (``http://127.0.0.1:<free port>/callback``), waits for that one request,
answers with a "you can close this tab" page and stops listening.

Why the pieces are split: the GUI must open the browser from its main thread and wait
in a background thread, so :class:`BrowserSignIn` binds the listener and builds the
authorize URL up front (cheap, any thread) and :meth:`BrowserSignIn.finish` does the
blocking part (wait, then exchange the code). :func:`run_browser_sign_in` strings them
together for the command line.

The ``state`` is random per attempt and compared in constant time; a request that
does not carry it is answered with an error page and does not end the wait, so a
stray page cannot feed a code of its own to FieldDesk. Codes, states and query
strings never reach the log.
"""

from __future__ import annotations

import html
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

from app.account.browser import open_in_browser
from app.account.errors import SignInCancelled, SignInRefused, SignInTimedOut
from app.api.auth import OAuthTokens, authorization_url, exchange_code
from app.api.oauth import OAUTH_DEADLINE

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_SCOPE",
    "DEFAULT_TIMEOUT",
    "BrowserSignIn",
    "CallbackResult",
    "LoopbackReceiver",
    "run_browser_sign_in",
]

DEFAULT_TIMEOUT = 300.0
DEFAULT_SCOPE = "read_fields"  # the only scope Sentera documents
CALLBACK_PATH = "/callback"

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>FieldDesk</title>
<style>body{{font-family:sans-serif;margin:4em auto;max-width:32em;color:#222}}</style>
</head><body><h1>{title}</h1><p>{body}</p></body></html>
"""


@dataclass(frozen=True, slots=True)
class CallbackResult:
    """What the browser brought back: a code, or the error FieldAgent reported."""

    code: str | None = None
    error: str | None = None
    error_description: str | None = None


class _Handler(BaseHTTPRequestHandler):
    server: _CallbackServer
    # A browser may open a speculative connection and send nothing on it.
    timeout = 10
    error_message_format = _PAGE.format(title="FieldDesk", body="%(message)s")
    _status_texts: ClassVar[dict[bool, tuple[str, str]]] = {
        True: (
            "You are signed in",
            "You can close this tab and return to FieldDesk.",
        ),
        False: (
            "Sign-in did not complete",
            "FieldAgent did not allow the sign-in. You can close this tab and "
            "return to FieldDesk to try again.",
        ),
    }

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != CALLBACK_PATH:
            self._reply(404, "Not found", "This address is not used by FieldDesk.")
            return
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        state = query.get("state", "")
        if not secrets.compare_digest(state.encode(), self.server.expected_state.encode()):
            log.warning("Ignored a sign-in callback with a missing or wrong state")
            self._reply(
                400,
                "Unknown sign-in",
                "This sign-in page is not the one FieldDesk is waiting for. "
                "Start the sign-in again from FieldDesk.",
            )
            return
        if "code" in query:
            result = CallbackResult(code=query["code"])
        else:
            result = CallbackResult(
                error=query.get("error", "no_code"),
                error_description=query.get("error_description"),
            )
        title, body = self._status_texts[result.code is not None]
        self._reply(200, title, body)
        self.server.deliver(result)

    def _reply(self, status: int, title: str, body: str) -> None:
        page = _PAGE.format(title=html.escape(title), body=html.escape(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, format: str, *args: object) -> None:
        # The default writes the request line (with the code) to stderr.
        pass


class _CallbackServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False

    def __init__(self, expected_state: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.expected_state = expected_state
        self.result: CallbackResult | None = None
        self.done = threading.Event()

    def deliver(self, result: CallbackResult) -> None:
        if not self.done.is_set():
            self.result = result
            self.done.set()


class LoopbackReceiver:
    """A one-shot listener on 127.0.0.1 that waits for the OAuth redirect."""

    def __init__(self, state: str) -> None:
        self._server = _CallbackServer(state)
        self._cancelled = threading.Event()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="fielddesk-oauth-callback",
            daemon=True,
        )
        self._thread.start()
        self._closed = False
        log.debug("Listening for the sign-in callback on port %d", self.port)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}{CALLBACK_PATH}"

    def cancel(self) -> None:
        """Make a pending :meth:`wait` give up (thread-safe)."""
        self._cancelled.set()
        self._server.done.set()

    def wait(self, timeout: float) -> CallbackResult:
        """Block until the browser comes back, the timeout passes or cancel() is called."""
        arrived = self._server.done.wait(timeout)
        if self._cancelled.is_set():
            raise SignInCancelled()
        if not arrived or self._server.result is None:
            log.info("No sign-in callback within %.0f s", timeout)
            raise SignInTimedOut()
        return self._server.result

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> LoopbackReceiver:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class BrowserSignIn:
    """One browser sign-in attempt: listener bound, URL ready, waiting not yet begun."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str = DEFAULT_SCOPE,
        deadline: float = OAUTH_DEADLINE,
    ) -> None:
        """`deadline`: seconds the code exchange may take in all (not the browser wait)."""
        self._base_url = base_url
        self._deadline = deadline
        self._client_id = client_id
        self._client_secret = client_secret
        self._state = secrets.token_urlsafe(32)
        self._receiver = LoopbackReceiver(self._state)
        self.authorize_url = authorization_url(
            base_url,
            client_id=client_id,
            redirect_uri=self._receiver.redirect_uri,
            state=self._state,
            scope=scope,
        )

    @property
    def redirect_uri(self) -> str:
        return self._receiver.redirect_uri

    def cancel(self) -> None:
        """Thread-safe: the pending finish() raises SignInCancelled."""
        self._receiver.cancel()

    def finish(self, timeout: float = DEFAULT_TIMEOUT) -> OAuthTokens:
        """Wait for the browser, then trade the code for tokens. Closes the listener."""
        try:
            result = self._receiver.wait(timeout)
        finally:
            self._receiver.close()
        if result.code is None:
            raise SignInRefused(result.error or "no_code", result.error_description)
        log.debug("Sign-in callback received; exchanging the code")
        return exchange_code(
            self._base_url,
            client_id=self._client_id,
            client_secret=self._client_secret,
            code=result.code,
            redirect_uri=self._receiver.redirect_uri,
            deadline=self._deadline,
        )

    def close(self) -> None:
        self._receiver.close()


def run_browser_sign_in(
    base_url: str,
    client_id: str,
    client_secret: str,
    *,
    open_browser: Callable[[str], object] = open_in_browser,
    timeout: float = DEFAULT_TIMEOUT,
    scope: str = DEFAULT_SCOPE,
) -> OAuthTokens:
    """The whole browser flow, blocking: open the authorize page, wait, exchange."""
    flow = BrowserSignIn(base_url, client_id, client_secret, scope=scope)
    try:
        open_browser(flow.authorize_url)
        return flow.finish(timeout)
    finally:
        flow.close()

"""The account and connection half of the main window: what sign-in and the connection
monitor tell it, shown in the toolbar, the banner and the status bar.

A mixin of `MainWindow`. The window never signs in or probes by itself: `AppSession`
calls these hooks and listens to the window's `sign_in_requested`,
`sign_out_requested` and `settings_requested` signals.
"""

from __future__ import annotations

import logging
from datetime import datetime

from app.ui.banner import Severity
from app.ui.connection_state import Connection
from app.ui.window_parts import ClientFactory, WindowParts

log = logging.getLogger(__name__)

SIGN_IN_ACTION = "sign-in"


class AccountMixin(WindowParts):
    def set_client_factory(self, factory: ClientFactory | None) -> None:
        """Sign-in hands in a way to make API clients (None: signed out)."""
        self._client_factory = factory
        if factory is not None and self.banner.action == SIGN_IN_ACTION:
            self.banner.hide()  # signed in again: the "sign in to continue" is done
        self._update_sync_actions()

    def set_account(self, text: str | None) -> None:
        """`text` names the signed-in account (None: not signed in)."""
        self.toolbar.show_account(text)

    def set_account_label(
        self,
        label: str | None,
        *,
        can_sign_out: bool = True,
        notice: str | None = None,
    ) -> None:
        """The whole wording of the account button ("Signed in as …"; None: signed out)."""
        self.toolbar.show_account(None, label=label, can_sign_out=can_sign_out, notice=notice)

    def set_connection_state(
        self, state: Connection, since: datetime | None = None, reason: str | None = None
    ) -> None:
        previous = self._connection
        self._connection, self._connection_since, self._connection_reason = state, since, reason
        self.toolbar.show_connection(state, since, reason)
        self._update_sync_actions()
        if state is Connection.OFFLINE:
            age = self.status.age_phrase()
            data = f"showing data synced {age}" if age else "showing the data on this computer"
            self.banner.show_message(f"Offline — {data}.", Severity.INFO, details=False)
        elif previous is Connection.OFFLINE and self.banner.severity is Severity.INFO:
            self.banner.hide()

    def set_next_sync(self, when: datetime | None) -> None:
        """When periodic sync will run next (None: not armed)."""
        self.status.show_next_sync(when)

    def show_sign_in_banner(self, text: str) -> None:
        self.banner.show_message(
            text, Severity.ERROR, details=False, action=(SIGN_IN_ACTION, "Sign in")
        )

"""The sync presenter: the toolbar's actions, the banner and the status bar, and the
`SyncController` they drive.

Sync is offered only when it can work: signed in and no known outage; otherwise the
button is disabled and its tooltip says why. Outcomes that need attention go to the
banner; the status bar always says what happened. The presenter knows the rest of the
window only through `Selection` (what is selected in the catalogue) and its signals;
the session tells it about the account and the connection.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QStatusBar, QWidget

from app.domain import ChangeSet, Outcome, Scope, ScopeKind
from app.ui.common.connection_state import Connection
from app.ui.common.formatting import format_clock_time, format_count
from app.ui.common.live import ChangeCoalescer
from app.ui.common.plain import plain_tooltip
from app.ui.sync.banner import Banner, Severity
from app.ui.sync.status import SyncStatus
from app.ui.sync.toolbar import MainToolbar

if TYPE_CHECKING:
    from app.store import Store
    from app.sync.events import RunSummary
    from app.sync.worker import SyncController

log = logging.getLogger(__name__)

SIGNED_OUT_TIP = "Signed out: sign in to sync"
SIGN_IN_ACTION = "sign-in"


class Selection(Protocol):
    """What the presenter needs from the catalogue pane."""

    def selected_chain(self) -> dict[ScopeKind, tuple[str, str]]: ...

    def name_of(self, sentera_id: str, default: str) -> str: ...


class SyncPresenter(QObject):
    # What the user asked for through the account menu or the banner; `AppSession`
    # answers them (a window without a session ignores them).
    sign_in_requested = Signal()
    sign_out_requested = Signal()
    settings_requested = Signal()
    problems_requested = Signal()
    batch = Signal(object)  # list[ChangeSet], coalesced, for the panes to apply
    run_finished = Signal(object)  # RunSummary, after the last batch, before the report

    def __init__(
        self,
        controller: SyncController,
        store: Store,
        selection: Selection,
        *,
        status_bar: QStatusBar,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self._store = store
        self._selection = selection
        self._status_bar = status_bar
        self._signed_in = False
        self._connection = Connection.UNKNOWN
        self._connection_since: datetime | None = None
        self._connection_reason: str | None = None
        self.coalescer = ChangeCoalescer(parent=self)
        self.toolbar = MainToolbar(parent)
        self.banner = Banner()  # placed by the window, above the mosaics
        self.status = SyncStatus(status_bar, store.last_successful_sync_at)

        bar = self.toolbar
        bar.sync_all.triggered.connect(lambda: self.start_sync(Scope.everything()))
        bar.sync_everything.triggered.connect(lambda: self.start_sync(Scope.everything()))
        bar.sync_organization.triggered.connect(lambda: self._sync_selected(ScopeKind.ORGANIZATION))
        bar.sync_field.triggered.connect(lambda: self._sync_selected(ScopeKind.FIELD))
        bar.sync_survey.triggered.connect(lambda: self._sync_selected(ScopeKind.SURVEY))
        bar.cancel.triggered.connect(self.cancel_sync)
        bar.sign_in_action.triggered.connect(self.sign_in_requested)
        bar.sign_out_action.triggered.connect(self.sign_out_requested)
        bar.settings_action.triggered.connect(self.settings_requested)
        self.banner.action_requested.connect(self._on_banner_action)
        self.banner.details_requested.connect(self.problems_requested)
        controller.started.connect(self._on_started)
        controller.progress.connect(self.status.update)
        controller.limit_changed.connect(self.status.show_limit)
        controller.changes.connect(self._on_change)
        controller.finished.connect(self._on_finished)
        self.coalescer.batch.connect(self._on_batch)

    @property
    def connection(self) -> Connection:
        return self._connection

    # -- what the session tells it ------------------------------------------------------
    def set_signed_in(self, signed_in: bool) -> None:
        self._signed_in = signed_in
        if signed_in and self.banner.action == SIGN_IN_ACTION:
            self.banner.hide()  # signed in again: the "sign in to continue" is done
        self.update_actions()

    def show_account(self, text: str | None) -> None:
        """`text` names the signed-in account (None: not signed in)."""
        self.toolbar.show_account(text)

    def set_account_label(
        self, label: str | None, *, can_sign_out: bool = True, notice: str | None = None
    ) -> None:
        """The whole wording of the account button ("Signed in as …"; None: signed out)."""
        self.toolbar.show_account(None, label=label, can_sign_out=can_sign_out, notice=notice)

    def set_connection_state(
        self, state: Connection, since: datetime | None = None, reason: str | None = None
    ) -> None:
        previous = self._connection
        self._connection, self._connection_since, self._connection_reason = state, since, reason
        self.toolbar.show_connection(state, since, reason)
        self.update_actions()
        if state is Connection.OFFLINE:
            age = self.status.age_phrase()
            data = f"showing data synced {age}" if age else "showing the data on this computer"
            self.banner.show_message(f"Offline — {data}.", Severity.INFO, details=False)
        elif previous is Connection.OFFLINE and self.banner.severity is Severity.INFO:
            self.banner.hide()

    def set_next_sync(self, when: datetime | None) -> None:
        """When periodic sync will run next (None: not armed)."""
        self.status.show_next_sync(when)

    def show_message(self, text: str, timeout_ms: int = 0) -> None:
        self._status_bar.showMessage(text, timeout_ms)

    def show_sign_in_banner(self, text: str) -> None:
        self.banner.show_message(
            text, Severity.ERROR, details=False, action=(SIGN_IN_ACTION, "Sign in")
        )

    def _on_banner_action(self, name: str) -> None:
        if name == SIGN_IN_ACTION:
            self.sign_in_requested.emit()

    # -- offering sync ----------------------------------------------------------------
    def can_sync(self) -> tuple[bool, str]:
        """Whether Sync is available, and the tooltip explaining it."""
        if not self._signed_in:
            return False, SIGNED_OUT_TIP
        state = self._connection
        if state is Connection.OFFLINE:
            reason = self._connection_reason or "this computer has no network connection"
            return False, f"Offline — {reason}"
        if state is Connection.UNREACHABLE:
            since = self._connection_since
            when = f" since {format_clock_time(since)}" if since is not None else ""
            return False, (
                f"FieldAgent does not answer{when}. "
                "FieldDesk keeps checking and syncs when it is back."
            )
        if state is Connection.SIGNED_OUT:
            return False, SIGNED_OUT_TIP
        if self.controller.is_running:
            return False, "A sync is running"
        return True, "Sync everything with FieldAgent (Ctrl+R)"

    def update_actions(self) -> None:
        bar = self.toolbar
        enabled, tip = self.can_sync()
        bar.sync_all.setEnabled(enabled)
        bar.sync_all.setToolTip(plain_tooltip(tip))
        bar.sync_button.setToolTip(plain_tooltip(tip))
        bar.sync_everything.setEnabled(enabled)
        chain = self._selection.selected_chain()
        for kind, action in (
            (ScopeKind.ORGANIZATION, bar.sync_organization),
            (ScopeKind.FIELD, bar.sync_field),
            (ScopeKind.SURVEY, bar.sync_survey),
        ):
            name = chain.get(kind)
            action.setEnabled(enabled and name is not None)
            noun = kind.noun
            action.setText(f"Sync {noun} “{name[1]}”" if name else f"Sync this {noun}")
        bar.cancel.setEnabled(self.controller.is_running and not self.controller.cancel_requested)

    def _sync_selected(self, kind: ScopeKind) -> None:
        target = self._selection.selected_chain().get(kind)
        if target is not None:
            self.start_sync(Scope(kind, target[0]))

    def start_sync(self, scope: Scope) -> bool:
        """Start a run unless one is going or sync is unavailable; True if started."""
        enabled, why = self.can_sync()
        if not enabled:
            self.show_message(why, 5000)
            return False
        return self.controller.start(scope)

    def cancel_sync(self) -> None:
        if self.controller.is_running:
            self.controller.cancel()
            self.status.cancelling()
            self.update_actions()

    # -- controller events --------------------------------------------------------------
    def _on_started(self, scope: Scope) -> None:
        if scope.kind is ScopeKind.ALL:
            what = "everything"
        else:
            what = f"“{self._selection.name_of(scope.sentera_id or '', scope.kind.value)}”"
        self.status.started(what)
        if self.banner.severity is not Severity.INFO:
            self.banner.hide()  # last run's problem; this run will report its own
        self.update_actions()

    def _on_change(self, change: ChangeSet) -> None:
        self.status.add_changes(change)
        self.coalescer.add(change)

    def _on_batch(self, changes: list[ChangeSet]) -> None:
        self.status.show_counts()
        self.batch.emit(changes)

    def _on_finished(self, summary: RunSummary) -> None:
        self.coalescer.flush()  # the last pages' changes before the verdict
        self.status.finished(summary)
        self.update_actions()
        self.run_finished.emit(summary)
        self._report(summary)

    def _report(self, summary: RunSummary) -> None:
        outcome = summary.outcome
        if outcome is Outcome.SIGNED_OUT:
            self.show_sign_in_banner(
                "Signed out — sign in to continue. Everything synced so far is still here."
            )
        elif outcome is Outcome.INTERRUPTED:
            self.banner.show_message(
                "Interrupted — will continue when back online. "
                "Everything synced so far is still here.",
                Severity.WARNING,
            )
        elif outcome in (Outcome.FAILED, Outcome.PARTIAL):
            self.banner.show_message(
                f"{summary.message} Everything synced so far is still here.",
                Severity.ERROR if outcome is Outcome.FAILED else Severity.WARNING,
            )
        elif not self.show_stored_problems() and self.banner.severity is not Severity.INFO:
            self.banner.hide()

    def show_stored_problems(self) -> bool:
        """Put the stored `failed` entries in the banner ("3 mosaics could not be synced")."""
        errors = self._store.sync_errors()
        if not errors:
            return False
        levels = {e.level for e in errors}
        noun = levels.pop().value if len(levels) == 1 else "items"
        if len(errors) == 1:
            noun = noun.removesuffix("s")
        self.banner.show_message(
            f"{format_count(len(errors))} {noun} could not be synced — "
            "FieldAgent reported problems with them.",
            Severity.WARNING,
        )
        return True

    def report_task_failure(self, _pool: str, error: Exception) -> None:
        """A background task failed with nobody to handle it (a bug): say so; the log
        has the traceback."""
        self.show_message(
            f"Something went wrong in the background ({type(error).__name__}); "
            "see the log for details.",
            10_000,
        )

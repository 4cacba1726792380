"""The sync half of the main window: starting, cancelling and reporting runs.

A mixin of `MainWindow`. Sync is offered only when it can work: an account (a client
factory) and no known outage; otherwise the button is disabled and its tooltip says why.
Outcomes that need attention go to the banner; the status bar always says what happened.
"""

from __future__ import annotations

import logging

from app.domain import Outcome, Scope, ScopeKind
from app.sync.events import RunSummary
from app.sync.worker import SyncRunner
from app.ui.banner import Severity
from app.ui.connection_state import Connection
from app.ui.formatting import format_clock_time, format_count
from app.ui.window_parts import WindowParts

log = logging.getLogger(__name__)

SIGNED_OUT_TIP = "Signed out: sign in to sync"


class SyncMixin(WindowParts):
    def _make_runner(self) -> SyncRunner:
        """Called on the worker thread at the start of each run."""
        if self._runner_override is not None:
            return self._runner_override()
        from app.sync.engine import SyncEngine  # the engine pulls in httpx; load on first use

        factory = self._client_factory
        if factory is None:
            raise RuntimeError("sync started without an account")
        return SyncEngine(
            store=self.store,
            client_factory=factory,  # type: ignore[arg-type]
            concurrency=self.sync_concurrency,
            retry=self.sync_retry,
        )

    def can_sync(self) -> tuple[bool, str]:
        """Whether Sync is available, and the tooltip explaining it."""
        if self._client_factory is None and self._runner_override is None:
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

    def _update_sync_actions(self) -> None:
        bar = self.toolbar
        enabled, tip = self.can_sync()
        bar.sync_all.setEnabled(enabled)
        bar.sync_all.setToolTip(tip)
        bar.sync_button.setToolTip(tip)
        bar.sync_everything.setEnabled(enabled)
        chain = self._selected_chain()
        for kind, action in (
            (ScopeKind.ORGANIZATION, bar.sync_organization),
            (ScopeKind.FIELD, bar.sync_field),
            (ScopeKind.SURVEY, bar.sync_survey),
        ):
            name = chain.get(kind)
            action.setEnabled(enabled and name is not None)
            noun = kind.value
            action.setText(f"Sync {noun} “{name[1]}”" if name else f"Sync this {noun}")
        bar.cancel.setEnabled(self.controller.is_running and not self.controller.cancel_requested)

    def _selected_chain(self) -> dict[ScopeKind, tuple[str, str]]:
        """The survey, field and organization around the tree selection: kind → (id, name)."""
        scope = self._scope
        if scope is None or scope.sentera_id is None or self._scope_deleted:
            return {}
        snapshot = self.tree_model.snapshot
        chain: dict[ScopeKind, tuple[str, str]] = {}
        field_id: str | None = None
        if scope.kind is ScopeKind.SURVEY:
            chain[ScopeKind.SURVEY] = (scope.sentera_id, scope.name)
            field_id = snapshot.field_of_survey.get(scope.sentera_id)
        elif scope.kind is ScopeKind.FIELD:
            field_id = scope.sentera_id
        elif scope.kind is ScopeKind.ORGANIZATION:
            chain[ScopeKind.ORGANIZATION] = (scope.sentera_id, scope.name)
        if field_id is not None:
            chain[ScopeKind.FIELD] = (field_id, snapshot.names.get(field_id, field_id))
            org_id = snapshot.organization_of_field.get(field_id)
            if org_id is not None:
                chain[ScopeKind.ORGANIZATION] = (org_id, snapshot.names.get(org_id, org_id))
        return chain

    def _sync_selected(self, kind: ScopeKind) -> None:
        target = self._selected_chain().get(kind)
        if target is not None:
            self.start_sync(Scope(kind, target[0]))

    # -- public -----------------------------------------------------------------------
    def start_sync(self, scope: Scope) -> bool:
        """Start a run unless one is going or sync is unavailable; True if started."""
        enabled, why = self.can_sync()
        if not enabled:
            self.statusBar().showMessage(why, 5000)
            return False
        return self.controller.start(scope)

    def cancel_sync(self) -> None:
        if self.controller.is_running:
            self.controller.cancel()
            self.status.cancelling()
            self._update_sync_actions()

    # -- controller events --------------------------------------------------------------
    def _on_sync_started(self, scope: Scope) -> None:
        if scope.kind is ScopeKind.ALL:
            what = "everything"
        else:
            what = (
                f"“{self.tree_model.snapshot.names.get(scope.sentera_id or '', scope.kind.value)}”"
            )
        self.status.started(what)
        if self.banner.severity is not Severity.INFO:
            self.banner.hide()  # last run's problem; this run will report its own
        self._update_sync_actions()
        self.update_centre_page()

    def _on_sync_finished(self, summary: RunSummary) -> None:
        self.coalescer.flush()  # the last pages' changes before the verdict
        self.status.finished(summary)
        self._update_sync_actions()
        self.refresh_tree(now=True)
        self.refresh_filter_values()  # new mosaic types or qualities may have arrived
        self._report(summary)
        self.update_centre_page()

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
        errors = self.store.sync_errors()
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

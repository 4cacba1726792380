"""Sign-in meets sync: a token refreshed mid-run, a refresh that fails, and no token ever
written to a log record, a file in the data directory or a database row."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.account.session import AccountManager
from app.account.token_store import RunOnlyKeyring, TokenStore
from app.domain import Level, Outcome
from app.simulator import Simulator
from app.store import Store

from ..account.helpers import oauth_for, play_browser
from .helpers import assert_matches_server, sync


@pytest.fixture(autouse=True)
def _private_run_only_keyring() -> Iterator[None]:
    RunOnlyKeyring.shared().clear()
    yield
    RunOnlyKeyring.shared().clear()


def signed_in(sim: Simulator) -> tuple[AccountManager, TokenStore]:
    tokens = TokenStore(sim.base_url, backend=RunOnlyKeyring())
    manager = AccountManager(sim.base_url, tokens, oauth_for(sim), environ={})
    manager.sign_in_with_browser(open_browser=play_browser, timeout=10)
    return manager, tokens


def _token_calls(sim: Simulator) -> int:
    return len(sim.request_log.for_query("oauth_token"))


def test_a_token_that_expires_mid_sync_is_refreshed_once_and_the_run_completes(
    store: Store, simulator_factory
):
    sim = simulator_factory(mosaics_cap=20)
    manager, tokens = signed_in(sim)
    before = tokens.load()
    exchanges = _token_calls(sim)
    # After a few pages the server stops accepting the access token for good.
    sim.faults.add(kind="expire_token", query="sync_mosaics", after=3, invalidate=True)

    summary = sync(store, sim, tokens=manager.token_provider(), concurrency=1)

    assert summary.outcome is Outcome.COMPLETE, summary.message
    assert _token_calls(sim) == exchanges + 1, "exactly one refresh"
    assert_matches_server(store, sim)
    after = tokens.load()
    assert after is not None and before is not None
    assert after.tokens.refresh_token != before.tokens.refresh_token, "rotation was stored"


def test_a_failed_refresh_stops_as_signed_out_keeps_the_data_and_resumes_after_sign_in(
    store: Store, simulator_factory
):
    sim = simulator_factory(mosaics_cap=20)
    survey = sim.dataset.survey_ids()[0]
    manager, tokens = signed_in(sim)
    sim.faults.add(kind="expire_token", query="sync_mosaics", after=4, invalidate=True)
    sim.faults.add(kind="http_status", status=400, query="oauth_token", times=None)

    stopped = sync(store, sim, tokens=manager.token_provider(), concurrency=1)

    assert stopped.outcome is Outcome.SIGNED_OUT
    assert stopped.message == "Signed out — sign in to continue"
    kept = store.counts().mosaics
    assert kept > 0, "pages applied before the token died are kept"
    manager.persist_worker_state()
    assert tokens.load() is None, "the dead sign-in is forgotten"

    sim.faults.clear()
    manager.sign_in_with_browser(open_browser=play_browser, timeout=10)
    held = {s: len(store.local_hashes(Level.MOSAICS, s)) for s in sim.dataset.survey_ids()}
    sim.request_log.clear()
    resumed = sync(store, sim, tokens=manager.token_provider(), concurrency=1)

    assert resumed.outcome is Outcome.COMPLETE, resumed.message
    assert_matches_server(store, sim)
    first_call = {}
    for record in sim.request_log.for_query("sync_mosaics"):
        first_call.setdefault(record.scope_id, record.hashes_sent)
    assert first_call == {s: held[s] for s in first_call}, "each survey resumed from its hashes"
    assert first_call[survey] == held[survey]


def test_tokens_never_reach_logs_files_or_the_database(
    tmp_path: Path, simulator_factory, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    sim = simulator_factory(mosaics_cap=20)
    data_dir = tmp_path / "data"
    manager, tokens = signed_in(sim)
    first = tokens.load()
    assert first is not None
    sim.faults.add(kind="expire_token", query="sync_mosaics", after=2, invalidate=True)
    with Store.open(data_dir / "fielddesk.sqlite3") as store:
        summary = sync(store, sim, tokens=manager.token_provider())
        assert summary.outcome is Outcome.COMPLETE
        rows = store.engine.raw_connection()
        try:
            dump = "\n".join(rows.driver_connection.iterdump())  # type: ignore[union-attr]
        finally:
            rows.close()
    last = tokens.load()
    assert last is not None and last.tokens.access_token != first.tokens.access_token
    secrets = {
        first.tokens.access_token,
        first.tokens.refresh_token,
        last.tokens.access_token,
        last.tokens.refresh_token,
        sim.oauth_client_secret,
    } - {None, ""}

    logged = "\n".join(record.getMessage() for record in caplog.records)
    files = b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())
    for secret in secrets:
        assert secret not in logged
        assert secret.encode() not in files
        assert secret not in dump
    assert len(caplog.records) > 10, "debug logging really was on"

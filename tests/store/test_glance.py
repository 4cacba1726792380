"""The first frame's sqlite3 reader (`Glance`) and the store that stands in until the real
one opens (`OpeningStore`): same answers as `StoreReader`, and no SQLAlchemy on the way."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from app.domain import Level, Outcome, Scope, ScopeKind, SyncError
from app.store import MosaicQuery, MosaicSort, Store
from app.store.errors import DatabaseOpenError
from app.store.glance import GLANCE_READS, Glance, OpeningStore
from app.store.paths import damage_marker
from tests.torture.conftest import read_only_folder

from .conftest import field, mosaic, org, page, survey

REPO = Path(__file__).resolve().parents[2]


def fill(store: Store) -> None:
    """A catalogue with every state the first frame shows: synced, partial and failed
    scopes, problems the server reported, a finished run, viewed and new mosaics, ties
    in every sort column and nulls among them."""
    store.apply_organizations([org("O1", name="Beta"), org("O2", name="Alpha")], complete=True)
    run = store.begin_run(ScopeKind.ALL, None)
    for org_id, fields in (("O1", ["F1", "F2"]), ("O2", ["F3", "F4", "F5"])):
        records = [field(f, org_id, name=f"Field {9 - int(f[-1])}", farm=None) for f in fields]
        store.apply_page(Level.FIELDS, org_id, page(records), scope_complete=True, run_id=run)
    problem = SyncError(key="S9", message="<b>not</b> allowed", code="FORBIDDEN", reason="r")
    store.apply_page(
        Level.SURVEYS,
        "F1",
        page([survey("S1", "F1"), survey("S2", "F1", start_time="2024-01-01")], failed=[problem]),
        scope_complete=True,
        run_id=run,
    )
    store.apply_page(
        Level.SURVEYS, "F2", page([survey("S3", "F2")]), scope_complete=False, run_id=run
    )
    store.apply_page(
        Level.SURVEYS, "F3", page([survey("S4", "F3")]), scope_complete=True, run_id=run
    )
    store.mark_scope_failed(Level.SURVEYS, "F4", run, "the server did not answer")
    for number, survey_id in enumerate(("S1", "S1", "S1", "S2", "S3") * 6):
        record = mosaic(
            f"M{number:02}",
            survey_id,
            name=f"Mosaic {number % 4}",
            captured_at=f"2024-06-{1 + number % 3:02}T00:00:00Z",
            message=None if number % 7 == 0 else f"note {number % 3}",
            image_count=number % 5,
            quality=("FULL", "PREVIEW")[number % 2],
            mosaic_type=("RGB", "NDVI", "THERMAL")[number % 3],
        )
        store.apply_page(Level.MOSAICS, survey_id, page([record]), scope_complete=True, run_id=run)
    store.finish_run(
        run, outcome=Outcome.COMPLETE, upserted=40, deleted=0, failed=1, requests=9, bytes=1
    )
    # What a sync after a complete one brings is "new" until viewed.
    later = [mosaic(f"N{n}", "S1", name="Mosaic 1") for n in range(4)]
    store.apply_page(Level.MOSAICS, "S1", page(later), scope_complete=True, run_id=None)
    store.mark_viewed(["N1", "N3"])


@pytest.fixture
def filled(store: Store) -> Store:
    fill(store)
    return store


QUERIES = [
    MosaicQuery(scope=scope, sort=sort, descending=descending)
    for scope in (
        None,
        Scope(ScopeKind.ALL),
        Scope(ScopeKind.ORGANIZATION, "O1"),
        Scope(ScopeKind.FIELD, "F1"),
        Scope(ScopeKind.SURVEY, "S2"),
        Scope(ScopeKind.SURVEY, "unknown"),
    )
    for sort in MosaicSort
    if sort is not MosaicSort.AREA
    for descending in (True, False)
]


def test_the_glance_answers_as_the_store_does(filled: Store) -> None:
    glance = Glance.take(filled.path)
    assert glance is not None
    assert glance.organizations() == filled.organizations()
    assert glance.field_rows() == filled.field_rows()
    assert glance.field_rows("O2") == filled.field_rows("O2")
    for counts in (True, False):
        assert glance.survey_rows(counts=counts) == filled.survey_rows(counts=counts)
    assert glance.survey_rows("F1") == filled.survey_rows("F1")
    assert glance.scope_states() == filled.scope_states()
    assert glance.sync_errors() == filled.sync_errors()
    assert glance.sync_errors(Level.SURVEYS, "F1") == filled.sync_errors(Level.SURVEYS, "F1")
    assert glance.sync_errors(Level.MOSAICS) == filled.sync_errors(Level.MOSAICS) == []
    assert glance.last_successful_sync_at() == filled.last_successful_sync_at()
    assert glance.last_successful_sync_at() is not None
    assert glance.has_mosaics() is filled.has_mosaics() is True
    ids = filled.mosaic_ids(MosaicQuery())
    assert glance.mosaics_by_id([*reversed(ids), "missing"]) == filled.mosaics_by_id(
        list(reversed(ids))
    )
    # What the states must cover, or the comparison above proves little.
    states = {row.sync_state for row in filled.field_rows()}
    assert len(states) == 4, states  # F5's survey list was never synced
    assert any(row.is_new for row in filled.mosaics_by_id(ids))
    assert not all(row.is_new for row in filled.mosaics_by_id(ids))


@pytest.mark.parametrize("query", QUERIES, ids=repr)
def test_the_glance_lists_mosaics_in_the_stores_order(filled: Store, query: MosaicQuery) -> None:
    glance = Glance.take(filled.path)
    assert glance is not None
    assert glance.mosaic_ids(query) == filled.mosaic_ids(query)
    assert glance.mosaic_ids(query, limit=7) == filled.mosaic_ids(query, limit=7)


@pytest.mark.parametrize(
    "query",
    [
        MosaicQuery(text="Mosaic"),
        MosaicQuery(mosaic_types=frozenset({"RGB"})),
        MosaicQuery(qualities=frozenset({"FULL"})),
        MosaicQuery(captured_from="2024-06-02"),
        MosaicQuery(captured_to="2024-06-02"),
        MosaicQuery(only_new=True),
        MosaicQuery(sort=MosaicSort.AREA),
    ],
    ids=repr,
)
def test_filtered_lists_are_left_to_the_store(filled: Store, query: MosaicQuery) -> None:
    glance = Glance.take(filled.path)
    assert glance is not None
    assert glance.mosaic_ids(query) is None
    opening = OpeningStore(glance)
    try:
        assert opening.mosaic_ids(query) == filled.mosaic_ids(query)  # opened to answer
        assert opening.is_open
    finally:
        opening.close()


def test_an_empty_catalogue(store: Store) -> None:
    store.close()  # its -wal and -shm go with it: the glance's reads make them again
    previous = os.umask(0o022)
    try:
        glance = Glance.take(store.path)
        assert glance is not None
        assert glance.has_mosaics() is False
        assert glance.organizations() == [] and glance.field_rows() == []
        assert glance.last_successful_sync_at() is None
        assert glance.mosaic_ids(MosaicQuery(), limit=10) == []
    finally:
        os.umask(previous)
    side_files = list(store.path.parent.glob(store.path.name + "-*"))
    assert side_files  # SQLite made them for the glance's reads, private as the file
    assert {oct(p.stat().st_mode & 0o777) for p in side_files} == {"0o600"}


def test_no_glance_unless_the_file_is_sound_current_and_writable(
    tmp_path: Path, filled: Store
) -> None:
    path = filled.path
    assert Glance.take(tmp_path / "missing.sqlite3") is None
    (tmp_path / "empty.sqlite3").write_bytes(b"")
    assert Glance.take(tmp_path / "empty.sqlite3") is None
    (tmp_path / "text.sqlite3").write_text("not a database")
    assert Glance.take(tmp_path / "text.sqlite3") is None
    (tmp_path / "folder.sqlite3").mkdir()
    assert Glance.take(tmp_path / "folder.sqlite3") is None

    damage_marker(path).touch()  # an earlier session met damage: the usual path checks
    assert Glance.take(path) is None
    damage_marker(path).unlink()
    assert Glance.take(path) is not None

    filled.close()
    with sqlite3.connect(path) as connection:  # a newer FieldDesk's revision
        connection.execute("UPDATE alembic_version SET version_num = 'from-the-future'")
    assert Glance.take(path) is None


def test_no_glance_in_a_read_only_folder(filled: Store) -> None:
    """The usual path opens it read-only and says so; the glance stays out of its way."""
    filled.close()
    with read_only_folder(filled.path.parent):
        assert Glance.take(filled.path) is None
    assert Glance.take(filled.path) is not None


def test_the_opening_store_hands_over_to_the_store(filled: Store) -> None:
    glance = Glance.take(filled.path)
    assert glance is not None
    opening = OpeningStore(glance)
    try:
        assert opening.organizations() == filled.organizations()  # from the glance
        assert not opening.is_open
        assert opening.read_only is False and opening.path == filled.path
        assert opening.pins() == filled.pins()  # not a glance read: opens the store
        assert opening.is_open
        assert opening.field_rows() == filled.field_rows()  # now from the store
        assert opening.finish() is opening.finish()
    finally:
        opening.close()
    assert opening.organizations() == filled.organizations()  # as a closed Store reads


def test_a_store_closed_before_it_opened_still_answers_the_glance_reads(filled: Store) -> None:
    glance = Glance.take(filled.path)
    assert glance is not None
    opening = OpeningStore(glance)
    opening.close()  # a window closed before its first paint
    assert opening.field_rows() == filled.field_rows()  # its last repaint still reads
    with pytest.raises(DatabaseOpenError, match="closed before it was opened"):
        opening.pins()
    assert not opening.is_open


class _SaysWhenWaited(threading.Event):
    def __init__(self) -> None:
        super().__init__()
        self.waiting = threading.Event()

    def wait(self, timeout: float | None = None) -> bool:
        self.waiting.set()
        return super().wait(timeout)


def test_other_threads_wait_for_the_opener(filled: Store) -> None:
    """A worker's non-glance read waits for the thread that made the store to open it
    (so SQLAlchemy never loads on a worker while the first frame is being built)."""
    glance = Glance.take(filled.path)
    assert glance is not None
    openers: list[int] = []

    def open_store(path: Path) -> Store:
        openers.append(threading.get_ident())
        return Store.open(path)

    opening = OpeningStore(glance, open_store)
    gate = _SaysWhenWaited()
    opening._opened = gate
    answers: list[object] = []
    worker = threading.Thread(target=lambda: answers.append(opening.pins()))
    worker.start()
    try:
        assert gate.waiting.wait(30)  # the worker is waiting, not opening
        assert openers == [] and answers == []
        opening.finish()
        worker.join(30)
        assert answers == [[]]
        assert openers == [threading.get_ident()]
    finally:
        opening.close()
        worker.join(30)


def test_a_close_before_the_opening_releases_waiting_threads(filled: Store) -> None:
    glance = Glance.take(filled.path)
    assert glance is not None
    opening = OpeningStore(glance)
    gate = _SaysWhenWaited()
    opening._opened = gate
    errors: list[BaseException] = []

    def read() -> None:
        try:
            opening.pins()
        except DatabaseOpenError as error:
            errors.append(error)

    worker = threading.Thread(target=read)
    worker.start()
    assert gate.waiting.wait(30)
    opening.close()
    worker.join(30)
    assert not worker.is_alive()
    assert len(errors) == 1 and "closed before it was opened" in str(errors[0])


def test_a_failed_glance_read_goes_to_the_store(filled: Store) -> None:
    glance = Glance.take(filled.path)
    assert glance is not None
    opening = OpeningStore(glance)
    glance._uri = "file:/nonexistent/folder/x.sqlite3?mode=ro"  # the next read fails
    try:
        assert opening.organizations() == filled.organizations()
        assert opening.is_open
    finally:
        opening.close()


def test_the_first_frame_reads_load_no_sqlalchemy(filled: Store) -> None:
    """In a fresh interpreter: every glance read, through the opening store, and the
    modules a cold start imports before its first frame leave SQLAlchemy unloaded."""
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        import app.__main__, app.ui.application, app.ui.window
        from app.store import MosaicQuery
        from app.store.glance import GLANCE_READS, Glance, OpeningStore
        opening = OpeningStore(Glance.take(Path({str(filled.path)!r})))
        ids = opening.mosaic_ids(MosaicQuery(), limit=5)
        assert len(ids) == 5, ids
        assert opening.mosaics_by_id(ids)
        for name in sorted(GLANCE_READS - {{"mosaic_ids", "mosaics_by_id"}}):
            getattr(opening, name)()
        loaded = sorted(m for m in sys.modules if m.split(".")[0] == "sqlalchemy")
        assert not loaded, loaded
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    assert len(GLANCE_READS) == 9


def test_every_name_of_the_package_loads_from_its_module() -> None:
    """`app.store` loads its names lazily: each one listed resolves, and only those."""
    import app.store as package

    assert sorted(package._HOMES) == sorted(package.__all__)
    for name in package.__all__:
        assert getattr(package, name) is not None
    with pytest.raises(AttributeError):
        package.NotAName  # noqa: B018 - the lookup is the test

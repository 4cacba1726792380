"""Opening the database: pragmas, migrations, backups, and files that must be refused."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.domain import Level, Outcome, ScopeKind
from app.store import (
    DB_FILENAME,
    CorruptDatabaseError,
    MigrationError,
    NewerDatabaseError,
    Store,
    default_data_dir,
    default_database_path,
)
from app.store.migrate import BACKUP_DIRNAME, BACKUPS_KEPT
from app.store.models import metadata
from app.store.revisions import MIGRATIONS_DIR

from .conftest import seed


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _revision(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return str(connection.execute("SELECT version_num FROM alembic_version").fetchone()[0])


def test_every_connection_gets_the_pragmas(store: Store) -> None:
    # Two connections at once: the listener must run for each, not just the first.
    with store.engine.connect() as first, store.engine.connect() as second:
        for connection in (first, second):
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA synchronous").scalar() == 1  # NORMAL
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA busy_timeout").scalar() == 5000


def test_fresh_database_matches_the_models(store: Store, db_path: Path) -> None:
    assert store.migration.from_revision is None
    assert store.migration.backup is None
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    assert _revision(db_path) == store.migration.to_revision


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_data_folder_is_private(tmp_path: Path) -> None:
    path = tmp_path / "new-folder" / DB_FILENAME
    with Store.open(path):
        pass
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_default_data_dir_honours_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FIELDDESK_DATA_DIR", str(tmp_path / "elsewhere"))
    assert default_data_dir() == tmp_path / "elsewhere"
    assert default_database_path() == tmp_path / "elsewhere" / "fielddesk.sqlite3"
    monkeypatch.delenv("FIELDDESK_DATA_DIR")
    assert default_data_dir().name == "FieldDesk"


def test_reopening_an_up_to_date_database_makes_no_backup(db_path: Path) -> None:
    with Store.open(db_path) as store:
        seed(store)
    with Store.open(db_path) as store:
        assert store.migration.backup is None
        assert store.counts().mosaics == 6
    assert not (db_path.parent / BACKUP_DIRNAME).exists()


_SECOND_REVISION = '''
"""Test-only revision: rebuilds the parent table "organizations" with a new column."""
import sqlalchemy as sa
from alembic import op

revision = "0002_test"
down_revision = "{head}"


def upgrade() -> None:
    with op.batch_alter_table("organizations", recreate="always") as batch:
        batch.add_column(sa.Column("country_code", sa.String(), nullable=True))
    {extra}
'''


def _migrations_with_second_revision(tmp_path: Path, head: str, extra: str = "") -> Path:
    """This FieldDesk's migrations plus one more: a pending migration, as after an update."""
    target = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, target, ignore=shutil.ignore_patterns("__pycache__"))
    text = _SECOND_REVISION.format(head=head, extra=extra or "pass")
    (target / "versions" / "0002_test.py").write_text(text)
    return target


def test_pending_migration_backs_up_first_and_keeps_children(db_path: Path, tmp_path: Path) -> None:
    with Store.open(db_path) as store:
        seed(store)
        head = store.migration.to_revision
    before = _digest(db_path)
    migrations = _migrations_with_second_revision(tmp_path, head)

    with Store.open(db_path, migrations=migrations) as store:
        assert store.migration.from_revision == head
        assert store.migration.to_revision == "0002_test"
        backup = store.migration.backup
        # Rebuilding the parent table must not have cascaded into its children.
        assert store.counts().mosaics == 6
        assert [o.sentera_id for o in store.organizations()] == ["O1", "O2"]
    assert backup is not None and backup.parent == db_path.parent / BACKUP_DIRNAME
    assert _revision(backup) == head
    assert _revision(db_path) == "0002_test"
    with sqlite3.connect(backup) as copy:
        assert copy.execute("SELECT count(*) FROM mosaics").fetchone()[0] == 6
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert before != _digest(db_path)


def test_only_the_newest_backups_are_kept(db_path: Path) -> None:
    from app.store.migrate import make_backup

    with Store.open(db_path):
        pass
    made = [make_backup(db_path, label=f"n{n}") for n in range(BACKUPS_KEPT + 2)]
    left = sorted((db_path.parent / BACKUP_DIRNAME).iterdir())
    assert left == made[-BACKUPS_KEPT:]


def test_failed_migration_leaves_the_database_as_it_was(db_path: Path, tmp_path: Path) -> None:
    with Store.open(db_path) as store:
        seed(store)
        head = store.migration.to_revision
    migrations = _migrations_with_second_revision(
        tmp_path, head, extra='raise RuntimeError("boom")'
    )
    with pytest.raises(MigrationError, match="boom"):
        Store.open(db_path, migrations=migrations)
    assert _revision(db_path) == head
    with Store.open(db_path) as store:  # still the old schema, and all the data
        assert store.counts().mosaics == 6


def test_newer_database_is_refused_and_untouched(db_path: Path) -> None:
    with Store.open(db_path) as store:
        seed(store)
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_future'")
    before = _digest(db_path)
    files_before = sorted(os.listdir(db_path.parent))

    with pytest.raises(NewerDatabaseError, match="newer version of FieldDesk") as raised:
        Store.open(db_path)
    assert "9999_future" in str(raised.value)
    assert _digest(db_path) == before
    assert sorted(os.listdir(db_path.parent)) == files_before  # not even -wal/-shm files


@pytest.mark.parametrize(
    "content",
    [b"this is a text file, not a database\n" * 50, b"SQLite format 3\x00" + b"\xff" * 4000],
)
def test_file_that_is_not_a_database_is_refused(db_path: Path, content: bytes) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(content)
    with pytest.raises(CorruptDatabaseError, match=str(db_path.name)):
        Store.open(db_path)
    assert db_path.read_bytes() == content


def test_other_programs_sqlite_file_is_refused(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    with sqlite3.connect(db_path) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
    before = _digest(db_path)
    with pytest.raises(CorruptDatabaseError, match="not a FieldDesk database"):
        Store.open(db_path)
    assert _digest(db_path) == before


def test_empty_file_is_initialised(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.touch()
    with Store.open(db_path) as store:
        assert store.counts().organizations == 0
        assert store.migration.backup is None


def test_runs_left_running_are_marked_interrupted(db_path: Path) -> None:
    with Store.open(db_path) as store:
        done = store.begin_run(ScopeKind.ALL, None)
        store.finish_run(
            done, outcome=Outcome.COMPLETE, upserted=1, deleted=0, failed=0, requests=2, bytes=10
        )
        crashed = store.begin_run(ScopeKind.SURVEY, "S1")
        store.mark_scope_started(Level.MOSAICS, "S1", crashed)
        # No finish_run: FieldDesk stopped here.
    with Store.open(db_path) as store:
        runs = {run.id: run for run in store.runs()}
    assert runs[crashed].outcome is Outcome.INTERRUPTED
    assert runs[crashed].message
    assert runs[done].outcome is Outcome.COMPLETE


def test_unusual_characters_in_the_data_path(tmp_path: Path) -> None:
    path = tmp_path / "Data #1 100% mine" / DB_FILENAME
    with Store.open(path) as store:
        seed(store)
    with Store.open(path) as store:
        assert store.counts().mosaics == 6


def test_the_revisions_read_from_the_scripts_agree_with_alembic() -> None:
    # Start-up reads revisions from the scripts' text to avoid importing Alembic;
    # this keeps that shortcut honest.
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from app.store.revisions import MIGRATIONS_DIR, shipped_revisions

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(config)
    head, known = shipped_revisions()
    assert head == script.get_current_head()
    assert known == {revision.revision for revision in script.walk_revisions()}


def test_opening_a_current_database_does_not_import_alembic(tmp_path: Path) -> None:
    Store.open(tmp_path / "current.sqlite3").close()
    code = (
        "import sys; from pathlib import Path; from app.store import Store; "
        f"Store.open(Path({str(tmp_path / 'current.sqlite3')!r})).close(); "
        "print('alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

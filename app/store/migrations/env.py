"""Alembic environment: runs on the connection `app.store.migrate` opened for it.

FieldDesk migrates programmatically at start-up inside its own transaction, so there is
no offline (SQL script) mode and no alembic.ini; the connection arrives through
`config.attributes["connection"]`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from app.store.models import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("FieldDesk migrations run from app.store.migrate.prepare_database only")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite alters most things by rebuilding the table
)
with context.begin_transaction():
    context.run_migrations()

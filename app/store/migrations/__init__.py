"""Alembic migration environment of the FieldDesk database (run by `app.store.migrate`)."""

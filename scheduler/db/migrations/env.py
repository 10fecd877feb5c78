"""Alembic's entry point, run by ``scheduler.db.engine`` with an open connection in
``config.attributes["connection"]``."""

from __future__ import annotations

from alembic import context

from scheduler.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the migrations through scheduler.db (upgrade), not the alembic CLI")
# SQLite cannot ALTER most things: batch mode recreates the table there and is a plain ALTER
# on PostgreSQL, so one migration script serves both engines.
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

"""Alembic environment: runs on the connection ``kontakt.migrate`` hands over
(``config.attributes["connection"]``), so SQLite and PostgreSQL, sync or
async drivers, all go through the same path."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through kontakt.migrate.upgrade(url)")

context.configure(connection=connection, target_metadata=None,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()

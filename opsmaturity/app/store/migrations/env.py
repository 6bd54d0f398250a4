"""Alembic environment: always run by `db.migrate()` with an open connection.

Developers add a revision with:
    .venv/bin/alembic -c opsmaturity/app/store/migrations/alembic.ini revision -m "what"
and write its upgrade by hand (autogenerate against `tables.Base.metadata` is a good start).
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only for `alembic` run by hand
    from sqlalchemy import create_engine

    from opsmaturity.app.store.db import database_url

    connection = create_engine(database_url()).connect()

context.configure(connection=connection, render_as_batch=True,
                  target_metadata=None, transaction_per_migration=False)
with context.begin_transaction():
    context.run_migrations()

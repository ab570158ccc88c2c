"""Alembic's entry point for the feedback database: runs on the connection that ``feedback.store`` passes in.

A change to ``feedback/tables.py`` needs a new file in ``versions/`` (the next number, its ``down_revision``
the last one's). tests/test_feedback_store.py checks that the migrations build exactly the tables of
``feedback/tables.py``, on SQLite and on PostgreSQL.
"""

from alembic import context

from feedback.tables import Base

connection = context.config.attributes["connection"]
# Batch mode: SQLite alters a table by copying it, which plain ALTER statements cannot do there.
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()

"""Alembic migrations of the schema; ``scheduler.db`` runs them (there is no alembic.ini)."""

"""Alembic migrations of the schema; ``scheduler.db.engine`` runs them (no alembic.ini)."""

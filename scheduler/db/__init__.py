"""The database: engines for SQLite and PostgreSQL, and the Alembic migrations run from code.

May import: errors, models.
"""

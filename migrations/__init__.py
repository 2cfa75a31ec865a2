"""Alembic migrations of the Lapor schema."""

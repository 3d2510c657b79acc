"""Alembic migrations: the only way Zones creates or changes its schema."""

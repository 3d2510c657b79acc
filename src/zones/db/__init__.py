"""Persistence: engines tuned per database, sessions for reads and writes, migrations."""

from zones.db.engine import Database, create_database

__all__ = ("Database", "create_database")

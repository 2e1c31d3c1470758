"""Persistence: calls, turns, events, callbacks, SMS outbox and users (SQLite or PostgreSQL).

Open a ``Database(url)``, run ``migrate(url)`` once at start, and use the repositories; they return frozen
records from ``ivr.store.records``, never ORM objects.
"""

from ivr.store.calls import CallNotFound, CallRepository
from ivr.store.db import Database, SessionFactory, migrate
from ivr.store.retention import PurgeReport, purge_expired
from ivr.store.stats import StatsRepository, day_bounds
from ivr.store.users import UserExists, UserNotFound, UserRepository

__all__ = [
    "CallNotFound",
    "CallRepository",
    "Database",
    "PurgeReport",
    "SessionFactory",
    "StatsRepository",
    "UserExists",
    "UserNotFound",
    "UserRepository",
    "day_bounds",
    "migrate",
    "purge_expired",
]

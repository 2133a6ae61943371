"""The event-log tests use the ticket tests' fixtures: a migrated database on
SQLite and on PostgreSQL (``sm``) and a private Mosquitto (``broker``)."""

from tests.tickets.conftest import broker, db_url, sm  # noqa: F401  (fixtures)

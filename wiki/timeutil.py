"""The one clock of the app: naive UTC datetimes, so SQLite and PostgreSQL store the same values."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)

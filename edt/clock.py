"""The one home of time: Bangladesh's timezone, today's date there and the current UTC instant.

Every partner works in Bangladesh time; a server on UTC would otherwise show yesterday's date
until 6 a.m. Dates a person sees (batch days, due dates, "today") come from `today()`; instants
stored in the database come from `utcnow()`.
"""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

TIMEZONE = ZoneInfo("Asia/Dhaka")
TIMEZONE_NAME = "Asia/Dhaka"


def today() -> date:
    """Today in Bangladesh."""
    return datetime.now(TIMEZONE).date()


def utcnow() -> datetime:
    """Now, timezone-aware, in UTC (what every DateTime column stores)."""
    return datetime.now(timezone.utc)

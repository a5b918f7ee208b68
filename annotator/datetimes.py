"""The range of datetimes the app stores: one rule for every door (the API, the forms, the
dataset import, the services) and for the database's CHECK constraints.

Python's datetimes end at years 1 and 9999; PostgreSQL's go further. A value PostgreSQL
stores but Python cannot read back (0001-01-01T00:00+14:00 is 0000-12-31 in UTC) breaks
every page that shows it, so such values are refused at the door. The range keeps a day
inside Python's at each end, so that a stored value shown at any UTC offset (±14 h) is
still a valid datetime.
"""

from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Q

EARLIEST = datetime(1, 1, 2, tzinfo=UTC)  # the first value stored
LATEST = datetime(9999, 12, 31, tzinfo=UTC)  # the first value refused
RANGE_TEXT = "between 0001-01-02 and 9999-12-30 (UTC)"


class DatetimeOutOfRange(ValueError):
    """A datetime outside EARLIEST–LATEST; the message says which field, for the user."""


def datetime_problem(value: datetime | None, name: str = "the date") -> str | None:
    """Why `value` cannot be stored, or None (also for no value). Naive values count as
    UTC, the app's time zone; what is not a datetime is for other checks."""
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=UTC)
    # Aware comparison needs no conversion, so it cannot overflow.
    if EARLIEST <= value < LATEST:
        return None
    return f"{name} must be {RANGE_TEXT}."


def datetime_check(value: datetime | None, name: str = "the date") -> datetime | None:
    """`value` if it can be stored; DatetimeOutOfRange otherwise."""
    problem = datetime_problem(value, name)
    if problem:
        raise DatetimeOutOfRange(problem)
    return value


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The start of `day` and of the next day in UTC, kept inside the stored range: for
    date filters, where 9999-12-31 has no next day."""
    start = datetime.combine(day, time(), UTC)
    end = start + timedelta(days=1) if day < LATEST.date() else LATEST
    return max(start, EARLIEST), min(end, LATEST)


def in_range(field: str, *, null: bool = False) -> Q:
    """The CHECK constraint's condition for a datetime column (NULL allowed if `null`)."""
    inside = Q(**{f"{field}__gte": EARLIEST, f"{field}__lt": LATEST})
    return Q(**{f"{field}__isnull": True}) | inside if null else inside

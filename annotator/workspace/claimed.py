"""The claimed time of a claim as people type it: "15 Jan", "15 January 2025 10:30",
"the 15th", "yesterday", "Monday", "١٥ كانون الثاني", "about 3 March 2024", read against
the article's publication date, giving claimed_at and its precision.

Full dates (with a year, a time and a zone) are read by articles/dates.py. Dates without a
year, weekdays and relative words are read by the claimed-time suggester
(suggestions/dates.py); that app builds on this one, so it hands its reader in at start-up
(relative_reader_set, from SuggestionsConfig.ready) rather than being imported here.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from annotator.annotations.models import TimePrecision
from annotator.articles.dates import ARABIC_DIGITS, MAX_DATE_TEXT, parse_date
from annotator.datetimes import datetime_problem
from annotator.months import EN_MONTHS, month_numbers

# reader(text, language, published_at) -> mentions with .start, .end, .day, .precision
_relative: list[Callable] = []

APPROXIMATE_WORDS = {"about", "around", "approximately", "circa", "roughly", "نحو", "حوالي"}
FILLER_WORDS = {"on", "the", "في", "يوم"}
WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
EN_NAMES = {name.lower() for name in month_numbers() if name.isascii()} | WEEKDAYS
# Every pattern runs on a value capped at MAX_DATE_TEXT and split into words first.
CLOCK = re.compile(r"(\d{1,2})[:.](\d{2})(am|pm|a\.m\.|p\.m\.)?", re.I)
NTH_DAY = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?", re.I)
ARABIC_LETTER = re.compile("[\u0600-\u06ff]")
WORD = re.compile(r"\w+")
HINT = "Try “15 January 2025”, “15 Jan 10:30”, “the 15th”, “yesterday” or “Monday”."


class ClaimedTimeError(ValueError):
    """What was typed cannot be read as a time; the message says why, for the user."""


@dataclass(frozen=True)
class ClaimedTime:
    at: datetime  # aware
    precision: str  # a TimePrecision value


def relative_reader_set(reader: Callable) -> None:
    """The reader of dates without a year, weekdays and relative words (one at a time)."""
    _relative[:] = [reader]


def claimed_text(at: datetime | None, precision: str) -> str:
    """The typed form of a claimed time that claimed_time_read reads back to the same value:
    "15 January 2025", "15 January 2025 10:30", "January 2025", "about 15 January 2025"."""
    if at is None:
        return ""
    local = timezone.localtime(at)
    day = f"{local.day} {EN_MONTHS[local.month - 1]} {local.year}"
    if precision == TimePrecision.MINUTE:
        return f"{day} {local:%H:%M}"
    if precision == TimePrecision.MONTH:
        return f"{EN_MONTHS[local.month - 1]} {local.year}"
    if precision == TimePrecision.APPROXIMATE:
        return f"about {day}"
    return day


def claimed_time_read(text: str, *, published_at: datetime | None) -> ClaimedTime | None:
    """What `text` says, resolved against `published_at`; None for an empty text.
    ClaimedTimeError when it cannot be read."""
    text = (text or "").strip()
    if len(text) > MAX_DATE_TEXT:
        raise ClaimedTimeError(f"A claimed time is at most {MAX_DATE_TEXT} characters.")
    text = " ".join(text.split())
    if not text:
        return None
    words = text.split(" ")
    approximate = words[0].lower() in APPROXIMATE_WORDS
    if approximate:
        words = words[1:]
    reading = _read(words, published_at)
    if reading is None:
        if published_at is None:
            raise ClaimedTimeError(
                f"Cannot read “{text}” as a date: the article has no publication date, so "
                "give the day, month and year (“15 January 2025”)."
            )
        raise ClaimedTimeError(f"Cannot read “{text}” as a date. {HINT}")
    if approximate:
        local = timezone.localtime(reading.at)
        reading = ClaimedTime(_midnight(local.date()), TimePrecision.APPROXIMATE)
    problem = datetime_problem(reading.at, "The claimed time")
    if problem:
        raise ClaimedTimeError(problem)
    return reading


def _read(words: list[str], published_at) -> ClaimedTime | None:
    text = " ".join(words)
    found = parse_date(text) if text else None
    if found is not None:
        if found.precision == "minute":
            # Without a zone the time is the wall clock as typed: the app's time zone.
            at = found.value if found.tz else timezone.make_aware(found.value.replace(tzinfo=None))
            return ClaimedTime(at, TimePrecision.MINUTE)
        return ClaimedTime(_midnight(found.value.date()), TimePrecision.DAY)
    words, clock = _clock_split(words)
    day = _day_read(words, published_at)
    if day is None:
        return None
    when, precision = day
    if clock is None:
        return ClaimedTime(_midnight(when), precision)
    if precision != TimePrecision.DAY:
        return None  # "January 10:30", "last week 10:30": a time needs its day
    moment = datetime(when.year, when.month, when.day, *clock)
    return ClaimedTime(timezone.make_aware(moment), TimePrecision.MINUTE)


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day))


def _clock_split(words: list[str]) -> tuple[list[str], tuple[int, int] | None]:
    """The words before a time at the end ("15 Jan 10:30", "yesterday at 9.15 pm")."""
    if words and words[-1].lower() in ("am", "pm") and len(words) > 1:
        words = [*words[:-2], words[-2] + words[-1]]
    match = CLOCK.fullmatch(words[-1].translate(ARABIC_DIGITS)) if words else None
    if not match:
        return words, None
    hour, minute = int(match[1]), int(match[2])
    meridiem = (match[3] or "").replace(".", "").lower()
    if meridiem == "pm" and hour < 12:
        hour += 12
    elif meridiem == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return words, None
    rest = words[:-1]
    if rest and rest[-1].lower() in ("at", "الساعة"):
        rest = rest[:-1]
    return rest, (hour, minute)


def _day_read(words: list[str], published_at) -> tuple[date, str] | None:
    """(day, precision) of a date without a time, or None."""
    if not words:
        return None
    return (
        _canonical(words)
        or _relative_read(words, published_at)
        or _nth_of_month(words, published_at)
    )


def _canonical(words: list[str]) -> tuple[date, str] | None:
    """ "15 January 2025", "January 2025" in any year of the calendar (articles/dates.py
    reads only recent years, and a claim may speak of the past or of a scheduled future)."""
    numbers = month_numbers()
    if len(words) not in (2, 3) or not words[-1].isascii() or not words[-1].isdigit():
        return None
    month = numbers.get(words[-2].capitalize())
    if month is None or (len(words) == 3 and not (words[0].isascii() and words[0].isdigit())):
        return None
    try:
        if len(words) == 2:
            return date(int(words[-1]), month, 1), TimePrecision.MONTH
        return date(int(words[-1]), month, int(words[0])), TimePrecision.DAY
    except ValueError:
        return None


def _relative_read(words: list[str], published_at) -> tuple[date, str] | None:
    """What the suggester's reader finds, if it covers all that was typed."""
    if published_at is None or not _relative:
        return None
    text = " ".join(w.capitalize() if w.lower() in EN_NAMES else w for w in words)
    language = "ar" if ARABIC_LETTER.search(text) else "en"
    for mention in _relative[0](text, language, published_at):
        rest = text[: mention.start] + " " + text[mention.end :]
        if all(word.lower() in FILLER_WORDS for word in WORD.findall(rest)):
            return mention.day, mention.precision
    return None


def _nth_of_month(words: list[str], published_at) -> tuple[date, str] | None:
    """ "the 15th", "on the 3rd", "يوم ١٥": that day of the publication month, or of the
    month before when that lies more than two weeks after publication (news speaks of the
    past, as suggestions/dates.py reads a date without a year)."""
    words = [w for w in words if w.lower() not in FILLER_WORDS]
    match = NTH_DAY.fullmatch(words[0].translate(ARABIC_DIGITS)) if len(words) == 1 else None
    if published_at is None or not match:
        return None
    base = published_at
    if isinstance(base, datetime):
        base = timezone.localtime(base).date()
    day = int(match[1])
    month_start = base.replace(day=1)
    for start in (month_start, (month_start - timedelta(days=1)).replace(day=1)):
        try:
            candidate = start.replace(day=day)
        except ValueError:
            continue
        if candidate <= base + timedelta(days=14):
            return candidate, TimePrecision.DAY
    return None

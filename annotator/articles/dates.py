"""Publication dates in English and Arabic, with their precision and time zone.

Written for this app rather than taken from dateparser, which reads neither the Levantine
month names ("15 كانون الثاني 2024") nor a city as a time zone ("15:45 دمشق"), and which
guesses missing parts (year, day) where we must never invent a date. Everything here is
deterministic: a date is found on a short "date line" (a dateline, a "Published …"
line) or it is not found at all.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from annotator.articles.models import DatePrecision
from annotator.datetimes import datetime_problem
from annotator.months import month_numbers

ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# Tashkeel and tatweel are dropped and the alef forms unified before matching, so
# "الأوّل" and "الاول" are the same month word. Same length in, same length out is not
# needed: matching works on a normalised copy of one short line.
ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")
ALEF_FORMS = str.maketrans("أإآٱ", "اااا")


def _month_key(name: str) -> str:
    return ARABIC_MARKS.sub("", name).translate(ALEF_FORMS).lower()


# Every month name (annotator/months.py), as normalise_line() writes it.
MONTHS = {_month_key(name): number for name, number in month_numbers().items()}

# Fixed-offset abbreviations we are sure of (ambiguous ones such as AST are left out).
TZ_ABBREVIATIONS = {
    "utc": "+00:00", "gmt": "+00:00", "z": "+00:00", "ist": "+05:30", "wet": "+00:00",
    "west": "+01:00", "bst": "+01:00", "cet": "+01:00", "cest": "+02:00", "eet": "+02:00",
    "eest": "+03:00", "msk": "+03:00", "trt": "+03:00", "est": "-05:00", "edt": "-04:00",
    "cst": "-06:00", "cdt": "-05:00", "pst": "-08:00", "pdt": "-07:00",
}  # fmt: skip

# A place after the time ("15:45 دمشق", "10:00 Beirut time") names its time zone.
TZ_PLACES = {
    "دمشق": "Asia/Damascus", "damascus": "Asia/Damascus", "بيروت": "Asia/Beirut",
    "beirut": "Asia/Beirut", "بغداد": "Asia/Baghdad", "baghdad": "Asia/Baghdad",
    "اربيل": "Asia/Baghdad", "erbil": "Asia/Baghdad", "القاهرة": "Africa/Cairo",
    "cairo": "Africa/Cairo", "عمان": "Asia/Amman", "amman": "Asia/Amman",
    "الرياض": "Asia/Riyadh", "riyadh": "Asia/Riyadh", "مكة": "Asia/Riyadh",
    "مكة المكرمة": "Asia/Riyadh", "الدوحة": "Asia/Qatar", "doha": "Asia/Qatar",
    "دبي": "Asia/Dubai", "dubai": "Asia/Dubai", "ابوظبي": "Asia/Dubai",
    "abu dhabi": "Asia/Dubai", "طهران": "Asia/Tehran", "tehran": "Asia/Tehran",
    "القدس": "Asia/Jerusalem", "jerusalem": "Asia/Jerusalem", "غزة": "Asia/Gaza",
    "gaza": "Asia/Gaza", "رام الله": "Asia/Hebron", "ramallah": "Asia/Hebron",
    "انقرة": "Europe/Istanbul", "ankara": "Europe/Istanbul", "اسطنبول": "Europe/Istanbul",
    "istanbul": "Europe/Istanbul", "الكويت": "Asia/Kuwait", "kuwait": "Asia/Kuwait",
    "المنامة": "Asia/Bahrain", "صنعاء": "Asia/Aden", "sanaa": "Asia/Aden",
    "الخرطوم": "Africa/Khartoum", "تونس": "Africa/Tunis", "الجزائر": "Africa/Algiers",
    "الرباط": "Africa/Casablanca", "london": "Europe/London", "لندن": "Europe/London",
    "paris": "Europe/Paris", "باريس": "Europe/Paris", "moscow": "Europe/Moscow",
    "موسكو": "Europe/Moscow", "washington": "America/New_York",
    "واشنطن": "America/New_York", "new york": "America/New_York",
    "غرينتش": "UTC", "غرينيتش": "UTC", "greenwich": "UTC",
}  # fmt: skip

PUBLISHED_LABELS = re.compile(
    r"\b(?:first\s+)?(?:published|posted|publication date|date)\b|نشر|تاريخ النشر", re.I
)
UPDATED_LABELS = re.compile(r"\b(?:last\s+)?(?:updated|modified)\b|تحديث|محدث|حدث", re.I)


def _alternation(words) -> str:
    # Longest first, so "كانون الثاني" wins over a shorter prefix; spaces match any run.
    return "|".join(
        re.escape(word).replace(r"\ ", r"\s+") for word in sorted(words, key=len, reverse=True)
    )


MONTH = rf"(?:{_alternation(MONTHS)})"
ORDINAL = r"(?:st|nd|rd|th)?"
DATE_PATTERNS = [
    # January 17th, 2024 · Jan. 17 2024
    re.compile(rf"(?P<month>{MONTH})\.?\s+(?P<day>\d{{1,2}}){ORDINAL},?\s+(?P<year>\d{{4}})"),
    # 17 January 2024 · 15 كانون الثاني 2024 · 15 كانون الثاني/يناير 2024
    re.compile(
        rf"(?P<day>\d{{1,2}}){ORDINAL}\s+(?:of\s+)?(?P<month>{MONTH})\.?"
        rf"(?:\s*/\s*{MONTH})?,?\s+(?P<year>\d{{4}})"
    ),
    # 2024-01-15 · 2024.01.15 · 2024/01/15
    re.compile(r"(?<!\d)(?P<year>\d{4})[-./](?P<nmonth>\d{1,2})[-./](?P<day>\d{1,2})(?!\d)"),
    # 15/01/2024 · 15.01.2024 (day first unless the numbers say otherwise)
    re.compile(r"(?<!\d)(?P<first>\d{1,2})[-./](?P<second>\d{1,2})[-./](?P<year>\d{4})(?!\d)"),
]
PLACE = rf"(?:{_alternation(TZ_PLACES)})"
# Linear: no two adjacent quantifiers over the same characters (each optional word carries
# the spaces after it), so a long run of spaces costs one pass, not one pass per space.
# Matched at a position (no "^"), so the text after a date is never copied.
TIME_PATTERN = re.compile(
    r"[\s,|\-–—@،(]*(?:(?:at|on|في|الساعة)[\s,|\-–—@(]*)?"
    r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?::\d{2}(?:\.\d+)?)?"
    r"(?:\s*(?P<ampm>a\.?m\.?|p\.?m\.?|ص|م))?(?![\w])"
    r"(?:\s*(?:\(\s*)?(?:"
    r"(?P<offset>(?:(?:gmt|utc)\s*)?[+-]\s*\d{1,2}(?::?\d{2})?)"
    r"|(?:(?:بتوقيت|توقيت)\s*)?(?P<place>" + PLACE + r")(?:\s+time)?"
    r"|(?P<zone>[a-z]{2,14}/[a-z_]{2,30}(?:/[a-z_]{2,30})?)(?![\w/])"
    r"|(?P<abbr>[a-z]{1,4})(?![\w])"
    r")(?:\s*\))?)?",
    re.I,
)
WORD = re.compile(r"\w+")
ZONE_LIKE = re.compile(r"[a-z]{2,14}/[a-z_]{2,30}", re.I)
MAX_DATE_LINE = 120
# A date written by a person or a metadata field is short; a longer value is not a date,
# and is refused before any pattern runs on it.
MAX_DATE_TEXT = 200
# Words of a date line that are not part of the date: labels and a dateline city.
MAX_LEFTOVER_WORDS = 2


@dataclass(frozen=True)
class FoundDate:
    """A publication date. `value` is aware: midnight UTC for day precision; with a time
    and no time zone the time is the source's wall clock, stored as if UTC and `tz` empty."""

    value: datetime
    precision: str
    tz: str = ""
    raw: str = ""

    def local(self) -> datetime:
        """The value in the source's own time zone (as given)."""
        zone = tzinfo_for(self.tz)
        return self.value.astimezone(zone) if zone else self.value


def tzinfo_for(label: str):
    """tzinfo for "+05:30" or an IANA name; None for "" or an unknown name."""
    if not label:
        return None
    match = re.fullmatch(r"([+-])(\d{2}):(\d{2})", label)
    if match:
        sign = -1 if match[1] == "-" else 1
        return timezone(sign * timedelta(hours=int(match[2]), minutes=int(match[3])))
    try:
        return ZoneInfo(label)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def normalise_line(line: str) -> str:
    line = ARABIC_MARKS.sub("", line.translate(ARABIC_DIGITS)).translate(ALEF_FORMS)
    return line.lower()


def _offset_label(text: str) -> str | None:
    match = re.fullmatch(r"(?:gmt|utc)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", text.strip(), re.I)
    if not match or int(match[2]) > 14:
        return None
    return f"{match[1]}{int(match[2]):02d}:{match[3] or '00'}"


def _month_number(match: re.Match) -> int | None:
    if match.groupdict().get("month"):
        name = re.sub(r"\s+", " ", match["month"].lower().rstrip("."))
        return MONTHS.get(name)
    if match.groupdict().get("nmonth"):
        return int(match["nmonth"])
    first, second = int(match["first"]), int(match["second"])
    if first > 12 >= second:
        return second  # 15/01/2024
    if second > 12 >= first:
        return first  # 01/15/2024
    if first == second:
        return first
    return None  # 05/06/2024: could be May or June; never guess


def _day_number(match: re.Match) -> int:
    if match.groupdict().get("first"):
        first, second = int(match["first"]), int(match["second"])
        return second if second > 12 >= first else first
    return int(match["day"])


def _time_after(line: str, position: int):
    """(hour, minute, tz label, end index) for a time at `position` of `line` (right after
    a date), else None."""
    match = TIME_PATTERN.match(line, position)
    if not match:
        return None
    hour, minute = int(match["hour"]), int(match["minute"])
    ampm = (match["ampm"] or "").replace(".", "").lower()
    if ampm in ("pm", "م") and hour < 12:
        hour += 12
    elif ampm in ("am", "ص") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    tz, end = "", match.end()
    if match["offset"]:
        tz = _offset_label(match["offset"]) or ""
    elif match["place"]:
        tz = TZ_PLACES.get(re.sub(r"\s+", " ", match["place"].lower()), "")
    elif match["zone"]:  # an IANA name, "Asia/Damascus", as the metadata forms write it
        tz = _zone_names().get(match["zone"].lower(), "")
        if not tz:
            end = match.start("zone")
    elif match["abbr"]:
        tz = TZ_ABBREVIATIONS.get(match["abbr"].lower(), "")
        if not tz:  # an unknown word after the time is not part of the date
            end = match.start("abbr")
    return hour, minute, tz, end


@cache
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def _build(year, month, day, time, raw) -> FoundDate | None:
    """The date, or None if it is no date or lies outside the years we read (which keeps
    every value well inside the storable range, annotator/datetimes.py)."""
    if not (1900 <= year <= datetime.now(UTC).year + 1):
        return None
    try:
        day_value = date(year, month, day)
    except ValueError:
        return None
    if time is None:
        value = datetime(day_value.year, day_value.month, day_value.day, tzinfo=UTC)
        return FoundDate(value, DatePrecision.DAY, "", raw)
    hour, minute, tz, _ = time
    zone = tzinfo_for(tz) or UTC
    try:
        value = datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    if datetime_problem(value):
        return None
    return FoundDate(value, DatePrecision.MINUTE, tz, raw)


def _dates_in(line: str):
    """(FoundDate, leftover words) for each date on one line."""
    norm = normalise_line(line)
    taken: list[tuple[int, int]] = []
    for pattern in DATE_PATTERNS:
        for match in pattern.finditer(norm):
            if any(start < match.end() and match.start() < end for start, end in taken):
                continue
            month = _month_number(match)
            if month is None:
                continue
            time = _time_after(norm, match.end())
            end = time[3] if time else match.end()
            found = _build(int(match["year"]), month, _day_number(match), time, line.strip())
            if found:
                taken.append((match.start(), end))
                leftover = norm[: match.start()] + " " + norm[end:]
                leftover = UPDATED_LABELS.sub(" ", PUBLISHED_LABELS.sub(" ", leftover))
                yield found, len(WORD.findall(leftover)), _label(norm[: match.start()])


def _label(before: str) -> str:
    if UPDATED_LABELS.search(before):
        return "updated"
    if PUBLISHED_LABELS.search(before):
        return "published"
    return ""


def parse_date(value: str) -> FoundDate | None:
    """One date written by a person or a metadata field: ISO 8601 or the forms above."""
    value = (value or "").strip()
    if not value or len(value) > MAX_DATE_TEXT:
        return None
    iso = _parse_iso(value)
    if iso:
        return iso
    for found, leftover, _where in _dates_in(value):
        if leftover <= MAX_LEFTOVER_WORDS:
            if not found.tz and ZONE_LIKE.search(value):
                return None  # "Mars/Olympus": a zone we do not know is not silently dropped
            return found
    return None


def _parse_iso(value: str) -> FoundDate | None:
    text = value.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?", text):
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        return None
    if len(text) == 10:
        return _build(parsed.year, parsed.month, parsed.day, None, value)
    tz = ""
    if parsed.tzinfo is not None:
        offset = parsed.utcoffset()
        minutes = int(offset.total_seconds() // 60)
        sign = "-" if minutes < 0 else "+"
        tz = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    time = (parsed.hour, parsed.minute, tz, 0)
    return _build(parsed.year, parsed.month, parsed.day, time, value)


def find_date_in_text(text: str, head_lines: int = 15, tail_lines: int = 8) -> FoundDate | None:
    """The publication date on a date line near the top or bottom of an article.

    Only short lines that are (almost) nothing but a date count, so dates inside the
    story ("since 7 October 2023") are never taken. A "Published" date wins over an
    "Updated" one; otherwise the first date line at the top, then at the bottom.
    """
    lines = [line for line in text.split("\n") if line.strip()]
    head = lines[:head_lines]
    tail = lines[max(head_lines, len(lines) - tail_lines) :]
    candidates = []  # (rank, order, found)
    for order, line in enumerate(head + tail):
        if len(line.strip()) > MAX_DATE_LINE or not any(ch.isdigit() for ch in line):
            continue
        for found, leftover, label in _dates_in(line):
            if leftover > MAX_LEFTOVER_WORDS:
                continue
            in_head = order < len(head)
            rank = {"published": 0, "": 1 if in_head else 3, "updated": 2}[label]
            candidates.append((rank, order, found))
    if not candidates:
        return None
    return min(candidates, key=lambda c: (c[0], c[1]))[2]

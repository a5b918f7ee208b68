"""Date and time expressions in English and Arabic news, resolved against the publication date.

Finding is done here with patterns (dateparser's own search is slow and misses most Arabic
news phrasing: "أمس الأحد", "الأسبوع الفائت", "تشرين الأول/أكتوبر"). Each expression is
reduced to a canonical phrase ("Thursday", "الخميس", "قبل 3 أيام", "15 أكتوبر 2023") that
dateparser resolves relative to the publication date, with news conventions on top:

- a bare weekday is the most recent such day on or before publication ("on Friday" in a
  Friday paper is that day); in a sentence about the future ("will", "المقبل") the next one;
- a date without a year is in the publication year unless that puts it more than two weeks
  after publication, then the year before;
- "mid-/early/late October", "منتصف/أوائل/أواخر" → the 15th/5th/25th, approximate;
- a month alone → its first day with month precision; weeks → approximate.

Resolution uses the publication date in UTC; times of day ("at dawn", "مساء") keep day
precision because the text rarely says which time zone it means.
"""

import bisect
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache

import regex
from dateparser.date import DateDataParser

from annotator.datetimes import EARLIEST, LATEST
from annotator.months import AR_MONTH_VARIANTS, AR_MONTHS, EN_MONTH_ABBREVIATIONS, EN_MONTHS
from annotator.suggestions.lexicon import (
    AR_LETTER,
    AR_MARKS,
    FoldedText,
    ar_letters,
    ar_normalise,
)

DAY, MONTH, APPROXIMATE = "day", "month", "approximate"
# The days whose midnight (UTC) can be stored as a claimed time (annotator/datetimes.py).
FIRST_DAY = EARLIEST.date()
LAST_DAY = LATEST.date() - timedelta(days=1)

EN_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
EN_NUMBERS = {"a": 1, "an": 1} | {
    word: n
    for n, word in enumerate(
        ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"], 1
    )
}
# Weekday names as dateparser knows them; the patterns accept any alef/hamza spelling.
AR_WEEKDAYS = ["الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"]
AR_NUMBER_STEMS = [
    ("واحد", 1),
    ("اثن", 2),
    ("ثلاث", 3),
    ("اربع", 4),
    ("خمس", 5),
    ("ست", 6),
    ("سبع", 7),
    ("ثمان", 8),
    ("تسع", 9),
    ("عشر", 10),
]
EN_FUTURE = regex.compile(
    r"\b(?:will|next|is due to|are due to|scheduled|is expected to|are expected to|plans? to)\b"
)
AR_FUTURE = regex.compile("|".join(ar_letters(w) for w in ("سوف", "المقبل", "القادم", "من المقرر")))
SENTENCE_END = regex.compile(r"[.!?؟\n]")
MONTH_SLASH = regex.compile(r"\s*/\s*")
SPACE_RUN = regex.compile(r"\s+")
LEADING_ON = regex.compile(r"^(?i:on)\s+")


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    quote: str
    rule: str  # "date:<language>:<shape>"
    day: date
    precision: str  # a TimePrecision value
    resolution: str  # "Thursday → 2024-01-18"

    @property
    def claimed_at(self) -> datetime:
        return datetime(self.day.year, self.day.month, self.day.day, tzinfo=UTC)


# ---- English patterns ----------------------------------------------------------------------

_WD = "(?:" + "|".join(EN_WEEKDAYS) + ")"
_MON = "(?:" + "|".join(EN_MONTHS) + ")"
# Abbreviations as before: "Sept" but not "Sep" (which reads as a word too often).
_MON_ANY = "(?:" + "|".join(EN_MONTHS + [a for a in EN_MONTH_ABBREVIATIONS if a != "Sep"]) + r")\.?"
_YEAR = r"(?:19|20)\d\d"
_MOD = r"(?i:early|mid|late|the end of|the beginning of|the start of|the middle of)"
_EN_NUM = "(?i:" + "|".join(EN_NUMBERS) + r"|\d+)"
EN_DATE = regex.compile(
    rf"""(?<![\w-])(?P<date>
      (?:on\s+)?(?:(?P<wd2>{_WD}),?\s+)?(?:(?P<mod>{_MOD})[-\s])?(?P<mon>{_MON_ANY})\s+
        (?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?!\d)(?:,?\s+(?P<year>{_YEAR}))?
    | (?:on\s+)?(?:(?P<wd2>{_WD}),?\s+)?(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?
        (?P<mon>{_MON_ANY})(?:,?\s+(?P<year>{_YEAR}))?
    | (?P<mod>{_MOD})[-\s]+(?P<mon>{_MON})(?:,?\s+(?P<year>{_YEAR}))?
    | (?P<mon>{_MON}),?\s+(?P<year>{_YEAR})
    | (?P<rel_m>(?i:last|this|next))\s+(?P<mon>{_MON})
    | (?<=(?i:\b(?:in|since|until|till|by|during|from|to|with|before|after|through|between|and))\s+)
        (?P<mon>{_MON})(?![\w-])
    | (?:on\s+|(?P<rel_wd>(?i:last|this|next|early|late))\s+)?(?P<wd>{_WD})
        (?:\s+(?P<part>morning|afternoon|evening|night))?
    | (?P<n>{_EN_NUM})\s+(?P<unit>(?i:days?|weeks?|months?))\s+(?i:ago)
    | (?P<rel>(?i:the\s+day\s+before\s+yesterday|yesterday|today|tonight|last\s+night
        |this\s+(?:morning|afternoon|evening)|earlier\s+today|earlier\s+this\s+(?:week|month)
        |last\s+(?:week|month|weekend)|this\s+week|next\s+week|over\s+the\s+weekend))
    )(?![\w-])""",
    regex.VERBOSE,
)

# ---- Arabic patterns -----------------------------------------------------------------------


def _ar_any(words) -> str:
    return "(?:" + "|".join(ar_letters(w) for w in sorted(words, key=len, reverse=True)) + ")"


_AR_WD = _ar_any(AR_WEEKDAYS + ["الاثنين"])
_AR_MON_NAMES = [name for pair in AR_MONTHS for name in pair] + list(AR_MONTH_VARIANTS)
_AR_MON = _ar_any(_AR_MON_NAMES)
_AR_MONS = rf"{_AR_MON}(?:\s*/\s*{_AR_MON})?"  # "تشرين الأول/أكتوبر"
_AR_YEAR = r"(?:(?:19|20)\d\d|[١٢][٩٠][٠-٩][٠-٩])"
_AR_DAYNUM = r"(?:[0-3]?\d|[٠-٣]?[٠-٩])"
_AR_REL_AFTER = _ar_any(["الماضي", "الفائت", "المنصرم", "المقبل", "القادم", "الحالي", "الجاري"])
_AR_PART = _ar_any(
    ["اليوم", "يوم", "فجر", "صباح", "ظهر", "عصر", "مساء", "ليلة", "ليل", "منتصف ليل"]
)
_AR_MOD = _ar_any(["منتصف", "أواسط", "أوائل", "مطلع", "بداية", "أواخر", "نهاية"])
_AR_YDAY = _ar_any(["أمس", "البارحة"])
_AR_NUMWORD = r"[\u0621-\u064a]+"
_AR_UNIT = _ar_any(["يومين", "أسبوعين", "شهرين", "أيام", "يوم", "أسبوع", "أسابيع", "شهر", "أشهر"])
_AR_YEAR_WORD = _ar_any(["عام", "العام", "سنة"])
_AR_REL = _ar_any(
    ["أول أمس", "أمس الأول", "أمس", "البارحة", "اليوم", "الليلة الماضية", "الليلة", "فجر اليوم"]
)
_AR_UNIT_REL = _ar_any(["الأسبوع", "الشهر"])
# At most this many words of the time of day before a weekday ("مساء أمس الخميس"): an
# unbounded loop read every following one from each of them ("اليوم اليوم …": quadratic).
MAX_AR_PARTS = 3
_B = rf"(?<![{AR_LETTER}{AR_MARKS}\w])(?:[وف][{AR_MARKS}]*)?(?:[بل][{AR_MARKS}]*)?"
_E = rf"(?![{AR_LETTER}{AR_MARKS}\w])"
AR_DATE = regex.compile(
    rf"""{_B}(?P<date>
      (?:(?:{_AR_PART}\s+)?(?P<wd2>{_AR_WD})[،,]?\s+)?(?P<day>{_AR_DAYNUM})\s+(?:{ar_letters("من")}\s+)?
        (?:{ar_letters("شهر")}\s+)?(?P<mon>{_AR_MONS})
        (?:\s+(?:{ar_letters("من")}\s+)?(?:{_AR_YEAR_WORD}\s+)?(?P<year>{_AR_YEAR}))?
    | (?P<mod>{_AR_MOD})\s+(?:{ar_letters("شهر")}\s+)?(?P<mon>{_AR_MONS})
        (?:\s+(?:{_AR_YEAR_WORD}\s+)?(?P<year>{_AR_YEAR}))?
    | (?:{ar_letters("شهر")}\s+)?(?P<mon>{_AR_MONS})\s+(?:{ar_letters("من")}\s+)?
        (?:{_AR_YEAR_WORD}\s+)?(?P<year>{_AR_YEAR})
    | {ar_letters("شهر")}\s+(?P<mon>{_AR_MONS})(?:\s+(?P<rel_m>{_AR_REL_AFTER}))?
    | (?P<mon>{_AR_MONS})\s+(?P<rel_m>{_AR_REL_AFTER})
    | (?:(?:{_AR_PART}|(?P<yday>{_AR_YDAY}))\s+){{0,{MAX_AR_PARTS}}}(?P<wd>{_AR_WD})
        (?:\s+(?P<rel_wd>{_AR_REL_AFTER}))?
    | {ar_letters("قبل")}\s+(?:(?P<n>\d+|[٠-٩]+|{_AR_NUMWORD})\s+)?(?P<unit>{_AR_UNIT})
    | (?:(?P<mod_w>{_AR_MOD})\s+)?(?P<unit_rel>{_AR_UNIT_REL})\s+(?P<rel_w>{_AR_REL_AFTER})
    | (?:{_AR_PART}\s+)?(?P<rel>{_AR_REL})
    ){_E}""",
    regex.VERBOSE,
)


# ---- Resolution ----------------------------------------------------------------------------


@cache
def _parser(language: str, base: date, prefer: str) -> DateDataParser:
    return DateDataParser(
        languages=[language],
        settings={
            "RELATIVE_BASE": datetime(base.year, base.month, base.day, 12, 0),
            "PREFER_DATES_FROM": prefer,
            "PREFER_DAY_OF_MONTH": "first",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )


@cache
def parse_phrase(phrase: str, language: str, base: date, prefer: str = "past") -> date | None:
    """dateparser's reading of a canonical phrase relative to `base`, or None."""
    data = _parser(language, base, prefer).get_date_data(phrase)
    return data.date_obj.date() if data and data.date_obj else None


def _month_number(name: str, language: str) -> int:
    if language == "en":
        name = name.rstrip(".").capitalize()
        if name in EN_MONTHS:
            return EN_MONTHS.index(name) + 1
        return {a[:3]: n for a, n in EN_MONTH_ABBREVIATIONS.items()}[name[:3]]
    first = ar_normalise(MONTH_SLASH.split(name)[0])
    for number, pair in enumerate(AR_MONTHS, 1):
        if first in {ar_normalise(n) for n in pair}:
            return number
    return {ar_normalise(k): v for k, v in AR_MONTH_VARIANTS.items()}[first]


def _year_for(month: int, day: int, base: date, future: bool) -> int:
    """The publication year, or the year before if the date would lie well in the future."""
    candidate = date(base.year, month, min(day, 28))
    if not future and candidate > base + timedelta(days=14):
        return base.year - 1
    if future and candidate < base - timedelta(days=14):
        return base.year + 1
    return base.year


def _number(text: str | None, language: str) -> int:
    if not text:
        return 1
    if text.isdigit():
        return int(text)
    if language == "en":
        return EN_NUMBERS.get(text.casefold(), 1)
    word = ar_normalise(text)
    return next((n for stem, n in AR_NUMBER_STEMS if word.startswith(stem)), 1)


class _FutureSentences:
    """Whether the sentence around a mention speaks of the future ("will", "المقبل"). The
    sentence ends are found once and each sentence is read once, however many mentions it
    holds: a scan per mention made long texts quadratic."""

    def __init__(self, text: str, language: str):
        self.text = text
        self.pattern = AR_FUTURE if language == "ar" else EN_FUTURE
        self.stops = [m.start() for m in SENTENCE_END.finditer(text)]
        self.known: dict[tuple[int, int], bool] = {}

    def around(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.stops, start)  # the stops before the mention
        j = bisect.bisect_left(self.stops, end)  # the first stop at or after its end
        sentence = (
            self.stops[i - 1] + 1 if i else 0,
            self.stops[j] if j < len(self.stops) else len(self.text),
        )
        if sentence not in self.known:
            self.known[sentence] = bool(self.pattern.search(self.text[sentence[0] : sentence[1]]))
        return self.known[sentence]


def _resolve(m: regex.Match, language: str, base: date, future: bool):
    """(day, precision, shape) for one match, or None if it cannot be resolved."""
    g = m.groupdict()
    prefer = "future" if future else "past"
    ar = language == "ar"
    if g["mon"]:
        month = _month_number(g["mon"], language)
        day = int(g["day"]) if g["day"] else None
        if g["year"]:
            year = int(g["year"])
        elif g.get("rel_m") and ar_normalise(g["rel_m"]) in {"المقبل", "القادم", "next"}:
            year = base.year if month > base.month else base.year + 1
        else:
            year = _year_for(month, day or 1, base, future)
        if day:
            name = AR_MONTHS[month - 1][0] if ar else EN_MONTHS[month - 1]
            parsed = parse_phrase(f"{day} {name} {year}", language, base)
            return (parsed, DAY, "explicit") if parsed else None
        if g["mod"]:
            modifier = ar_normalise(g["mod"]).casefold()
            offset = 15 if modifier in {"mid", "the middle of", "منتصف", "اواسط"} else 5
            offset = 25 if modifier in {"late", "the end of", "اواخر", "نهايه"} else offset
            return date(year, month, offset), APPROXIMATE, "month"
        return date(year, month, 1), MONTH, "month"
    if g["wd"]:
        names = [ar_normalise(w) for w in AR_WEEKDAYS] if ar else EN_WEEKDAYS
        index = names.index(ar_normalise(g["wd"]) if ar else g["wd"])
        rel = ar_normalise(g.get("rel_wd") or "").casefold()
        if rel in {"next", "المقبل", "القادم"}:
            future = True
        if rel in {"last", "الماضي", "الفائت", "المنصرم"}:
            future = False
        days_back = (base.weekday() - index) % 7
        if future:
            return base + timedelta(days=(index - base.weekday()) % 7 or 7), DAY, "weekday"
        phrase = AR_WEEKDAYS[index] if ar else EN_WEEKDAYS[index]
        parsed = parse_phrase(phrase, language, base, "past")
        if parsed is None:
            return None
        # dateparser skips to last week when the weekday is the publication day itself.
        if days_back == 0:
            parsed = base
        return parsed, DAY, "weekday"
    if g["unit"]:
        return _resolve_ago(_number(g["n"], language), g["unit"], language, base)
    if g.get("unit_rel"):
        return _resolve_relative(f"{g['unit_rel']} {g['rel_w']}", g.get("mod_w"), base, prefer)
    if g["rel"]:
        return _resolve_relative(g["rel"], None, base, prefer)
    return None


def _resolved(m: regex.Match, language: str, base: date, future: bool):
    """_resolve's answer if it is a day we can store, else None: "in December" read in a
    paper of 0001-01-02, "next week" in one of 9999-12-30 or "قبل 99999999 يوم" fall
    outside the calendar, and such a phrase is simply not a date."""
    try:
        resolved = _resolve(m, language, base, future)
    except (ValueError, OverflowError):  # date arithmetic past year 1 or 9999
        return None
    if resolved is None or not (FIRST_DAY <= resolved[0] <= LAST_DAY):
        return None
    return resolved


def _resolve_ago(n: int, unit: str, language: str, base: date):
    unit = ar_normalise(unit).casefold()
    if unit in {"يومين", "اسبوعين", "شهرين"}:  # Arabic duals: "two days"
        n, unit = 2, {"يومين": "يوم", "اسبوعين": "اسبوع", "شهرين": "شهر"}[unit]
    kind = "day" if unit.startswith(("day", "يوم", "ايام")) else "week"
    kind = "month" if unit.startswith(("month", "شهر", "اشهر")) else kind
    parsed = parse_phrase(f"{n} {kind}s ago", "en", base)
    if parsed is None:
        return None
    return parsed, DAY if kind == "day" else APPROXIMATE, "ago"


# Relative phrases: canonical dateparser phrase (English), precision; None = computed below.
RELATIVE = {
    "the day before yesterday": ("2 days ago", DAY),
    "yesterday": ("yesterday", DAY),
    "today": ("today", DAY),
    "tonight": ("today", DAY),
    "last night": ("yesterday", DAY),
    "this morning": ("today", DAY),
    "this afternoon": ("today", DAY),
    "this evening": ("today", DAY),
    "earlier today": ("today", DAY),
    "last week": ("last week", APPROXIMATE),
    "next week": ("next week", APPROXIMATE),
    "last month": ("last month", MONTH),
    "this week": (None, APPROXIMATE),
    "earlier this week": (None, APPROXIMATE),
    "earlier this month": (None, APPROXIMATE),
    "last weekend": ("Saturday", APPROXIMATE),
    "over the weekend": ("Saturday", APPROXIMATE),
    "امس": ("yesterday", DAY),
    "البارحه": ("yesterday", DAY),
    "اول امس": ("2 days ago", DAY),
    "امس الاول": ("2 days ago", DAY),
    "اليوم": ("today", DAY),
    "فجر اليوم": ("today", DAY),
    "الليله": ("today", DAY),
    "الليله الماضيه": ("yesterday", DAY),
    "الاسبوع الماضي": ("last week", APPROXIMATE),
    "الاسبوع الفائت": ("last week", APPROXIMATE),
    "الاسبوع المنصرم": ("last week", APPROXIMATE),
    "الاسبوع المقبل": ("next week", APPROXIMATE),
    "الاسبوع القادم": ("next week", APPROXIMATE),
    "الاسبوع الحالي": (None, APPROXIMATE),
    "الاسبوع الجاري": (None, APPROXIMATE),
    "الشهر الماضي": ("last month", MONTH),
    "الشهر الفائت": ("last month", MONTH),
    "الشهر المنصرم": ("last month", MONTH),
    "الشهر الحالي": (None, MONTH),
    "الشهر الجاري": (None, MONTH),
}


def _resolve_relative(phrase: str, modifier: str | None, base: date, prefer: str):
    key = SPACE_RUN.sub(" ", ar_normalise(phrase).casefold())
    canonical, precision = RELATIVE.get(key, (None, None))
    if precision is None:
        return None
    if canonical is None:  # this week / this month: its first day, roughly
        if "month" in key or "شهر" in key:
            return base.replace(day=1), precision, "relative"
        return base - timedelta(days=base.weekday()), precision, "relative"
    parsed = parse_phrase(canonical, "en", base, "future" if "next" in canonical else prefer)
    if parsed is None:
        return None
    if precision == MONTH:
        parsed = parsed.replace(day=1)
    if modifier and ar_normalise(modifier) in {"اواخر", "نهايه"} and "week" in canonical:
        parsed = parsed + timedelta(days=4)  # "نهاية الأسبوع الماضي": its end
    return parsed, precision, "relative"


def resolution_text(quote: str, day: date, precision: str) -> str:
    shown = LEADING_ON.sub("", quote)
    if precision == MONTH:
        return f"{shown} → {day:%Y-%m}"
    if precision == APPROXIMATE:
        return f"{shown} → about {day.isoformat()}"
    return f"{shown} → {day.isoformat()}"


# Words every Arabic date expression contains (folded): the pattern runs only around them.
AR_ANCHORS = sorted(
    {ar_normalise(w) for w in AR_WEEKDAYS + _AR_MON_NAMES}
    | {ar_normalise(w) for w in ("امس", "البارحة", "اليوم", "الليلة", "الأسبوع", "الشهر", "قبل")}
)


def _regions(text: str, folded: FoldedText) -> list[tuple[int, int]]:
    """Stretches of `text` around Arabic date anchors, merged where they overlap."""
    spans = sorted(
        (max(0, p - 40), min(len(text), p + 60)) for a in AR_ANCHORS for p in folded.starts(a)
    )
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _matches(text: str, lang: str, folded: FoldedText | None):
    if lang != "ar":
        yield from EN_DATE.finditer(text)
        return
    for start, end in _regions(text, folded or FoldedText.of(text, lang)):
        yield from AR_DATE.finditer(text, start, end)


def find_dates(
    text: str,
    language: str,
    published_at: datetime | date | None,
    folded: FoldedText | None = None,
) -> list[DateMention]:
    """Every date expression in `text` that can be resolved against `published_at`."""
    if published_at is None:
        return []
    if isinstance(published_at, datetime):
        base = published_at.astimezone(UTC).date()
    else:
        base = published_at
    lang = "ar" if language.split("-")[0].lower() == "ar" else "en"
    mentions = []
    future_sentences = _FutureSentences(text, lang)
    for match in _matches(text, lang, folded):
        start, end = match.span("date")
        resolved = _resolved(match, lang, base, future_sentences.around(start, end))
        if resolved is None:
            continue
        day, precision, shape = resolved
        quote = text[start:end]
        mentions.append(
            DateMention(
                start=start,
                end=end,
                quote=quote,
                rule=f"date:{lang}:{shape}",
                day=day,
                precision=precision,
                resolution=resolution_text(quote, day, precision),
            )
        )
    return mentions

"""Quantities in a claim: a number (digits of any of three scripts, or number words), its
bounds ("at least", "نحو"), unit and what it counts, read from the tokens (lexicon.py).

Intervals are closed and lenient, because reports round and precision matters more than
recall: "more than 120" is [120, ∞) and does not contradict "120"; "fewer than 10" is
[0, 10]; "about 20" is 20 ± 15 % (at least ± 1 for counts), wide enough for the 17–23 an
outlet rounds to "about 20", narrow enough that "about 20" and "30" differ. A count in a
list ("3 soldiers and 2 civilians were killed") is a part of the total: [n, ∞). Lengths are in
km ("6 miles" → 9.66 km, ± 5 % for the conversion's rounding). Years (1900–2100), dates
("15 January"), times ("10:30", "3 a.m.", "الساعة 10"), ordinals and numbers inside names
("F-16", "Resolution 2334") are not quantities.
"""

import math
from dataclasses import dataclass, replace

from annotator.matching.lexicon import HYPHENS, Found, Token, load
from annotator.matching.numbers import (
    MULTIPLIERS,
    fold_at,
    forms_at,
    number_at,
    parse_digits,
    text_at,
)
from annotator.months import AR_MONTH_VARIANTS, AR_MONTHS, EN_MONTH_ABBREVIATIONS, EN_MONTHS
from annotator.suggestions.lexicon import ar_normalise

APPROXIMATE = 0.15  # "about": ± this share of the number
CONVERSION = 0.05  # a converted length (miles → km): ± this share
MAX_VALUE = 1e15
COUNTS = {"", "people"}  # units of counted things, comparable with each other
EXACT, RANGE, ABOUT = "exact", "range", "about"
PART = "part"  # one count of a list ("3 soldiers and 2 civilians were killed"): of a total
LOWER_BOUNDS, UPPER_BOUNDS = {"at_least", "more_than", PART}, {"at_most", "fewer_than"}
PREFIX = {"at_least": "at least ", "more_than": "more than ", "at_most": "up to "}
PREFIX |= {"fewer_than": "fewer than ", ABOUT: "about "}
UNIT_LABEL = {"km": " km", "percent": "%", "people": " people"}
EVENT_MEASURES = {"killed", "injured", "arrested", "displaced", "missing"}
WEAK_MEASURE = "troops"  # "killed 3 soldiers" counts the killed, not the troops
MAX_BOUND_WORDS = 4  # "ما لا يقل عن"
MEASURE_WINDOW = 5  # words read on each side of a number for what it counts

MONEY_MULTIPLIERS = {"k": 1e3, "m": 1e6, "mn": 1e6, "bn": 1e9}
_AR_MONTH_WORDS = [name.split()[0] for pair in AR_MONTHS for name in pair] + [*AR_MONTH_VARIANTS]
MONTH_WORDS = {m.casefold() for m in [*EN_MONTHS, *EN_MONTH_ABBREVIATIONS]}
MONTH_WORDS |= {ar_normalise(m) for m in _AR_MONTH_WORDS}
TIME_AFTER = {"am", "pm", "gmt", "utc", "صباحا", "مساء", "مساءا", "ظهرا", "فجرا", "عصرا", "ليلا"}
TIME_AFTER |= {"بتوقيت"}
REFERENCE_WORDS = {"no", "number", "page", "route", "resolution", "article", "chapter", "flight"}
REFERENCE_WORDS |= {"room", "building", "road", "highway", "paragraph", "clause", "gate", "sector"}
REFERENCE_WORDS |= {"الساعه", "رقم", "القرار", "الماده", "الطريق", "البند", "الفقره", "الصفحه"}
NOT_ONE_AFTER = {"no", "any", "every", "some", "each", "the", "which", "that", "this", "another"}
GLUE_BEFORE = set("$(«\"“'[")  # what may touch a number on its left
CLITIC_WORDS = {"و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل", "وك"}  # "بـ12"
CLAUSE_STOPS = set(',.;:!?،؛؟()[]"“”«»')
CLAUSE_WORDS = {"and", "but", "while", "whereas", "including", "as", "after", "when"}
CLAUSE_WORDS |= {"و", "بينما", "فيما", "حين", "بعد", "بينهم"}


@dataclass(frozen=True)
class Quantity:
    value: float
    low: float  # the interval the phrase allows, closed
    high: float
    unit: str  # "km", "percent", "usd", "people" or ""
    measure: str  # what is counted: "killed", "injured", …, "distance", a means key, or ""
    text: str
    bound: str = EXACT  # exact, range, about, at_least, more_than, at_most, fewer_than, part

    @property
    def label(self) -> str:
        """Language-neutral: "at least 20 killed", "12 km", "15%", "$3,000"."""
        money = "$" if self.unit == "usd" else ""
        if self.bound == RANGE:
            number = f"{money}{_number(self.low)}–{money}{_number(self.high)}"
        else:
            number = PREFIX.get(self.bound, "") + money + _number(self.value)
        measure = self.measure.replace("_", " ")
        if measure and measure not in EVENT_MEASURES | {WEAK_MEASURE, "distance"}:
            measure += "s" if self.value != 1 else ""  # a means: "12 missiles"
        unit = "" if measure and self.unit == "people" else UNIT_LABEL.get(self.unit, "")
        return number + unit + ("" if measure in {"", "distance"} else f" {measure}")


def _number(value: float) -> str:
    if value.is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def find_quantities(
    text: str, tokens: list[Token], measures: dict[int, Found], means: dict[int, str]
) -> tuple[Quantity, ...]:
    """Every quantity in `tokens` (of `text`), in order. `measures` and `means` map token
    indexes to what the lexicons found there."""
    found, i = [], 0
    while i < len(tokens):
        number = number_at(tokens, i)
        if number is None:
            i += 1
            continue
        value, end, approximate = number
        if not _is_quantity(text, tokens, i, end, value):
            i = end
            continue
        quantity, i = _read(text, tokens, i, end, value, approximate, measures, means)
        if quantity is not None:
            found.append(quantity)
    return _separate_counts(found)


def _separate_counts(found: list[Quantity]) -> tuple[Quantity, ...]:
    """Listed counts of different things are whole counts, not parts of one total:
    "قتل 22 شخصا و40 جريحا" is 22 killed and 40 injured."""
    for n in range(len(found) - 1):
        first, second = found[n], found[n + 1]
        measures = {first.measure, second.measure}
        if first.bound == second.bound == PART and len(measures & EVENT_MEASURES) == 2:
            found[n] = replace(first, low=first.value, high=first.value, bound=EXACT)
            found[n + 1] = replace(second, low=second.value, high=second.value, bound=EXACT)
    return tuple(found)


def _glued(tokens: list[Token], left: int) -> bool:
    """Tokens `left` and `left + 1` touch (no space between)."""
    return 0 <= left < len(tokens) - 1 and tokens[left].end == tokens[left + 1].start


def _is_quantity(text: str, tokens: list[Token], i: int, end: int, value: float) -> bool:
    previous, following = fold_at(tokens, i - 1), fold_at(tokens, end)
    if not math.isfinite(value) or value > MAX_VALUE:
        return False
    if _glued(tokens, i - 1) and previous not in GLUE_BEFORE and previous not in CLITIC_WORDS:
        return False  # "F-16", "A320", "10:30" (its 30)
    if _glued(tokens, end - 1) and not _may_touch(tokens, end):
        return False  # "5th", "3am", "10:30" (its 10), "20-year-old"
    if tokens[i].kind == "num" and _is_year(tokens[i].text) and not _unit_at(tokens, end):
        return False
    if previous in MONTH_WORDS or any(f in MONTH_WORDS for f in forms_at(tokens, end)):
        return False  # "15 January", "January 15", "15 كانون الثاني"
    if following in TIME_AFTER or (following in {"a", "p"} and text_at(tokens, end + 1) == "."):
        return False
    if previous in REFERENCE_WORDS:
        return False
    return not (tokens[i].fold == "one" and previous in NOT_ONE_AFTER)


def _may_touch(tokens: list[Token], j: int) -> bool:
    """What may follow a number without a space: punctuation, a unit, a multiplier, a range;
    not a word ("5th", "3am"), a time or fraction ("10:30", "1/2"), a compound ("20-year")."""
    token, after = tokens[j], tokens[j + 1] if j + 1 < len(tokens) else None
    if token.kind == "word":
        return bool(_unit_at(tokens, j)) or token.fold in MULTIPLIERS | MONEY_MULTIPLIERS.keys()
    if token.text in HYPHENS or token.text in ":/":
        glued = after is not None and after.start == token.end
        if glued and token.text in HYPHENS and after.kind == "word":
            return not _an_age(tokens, j + 1)  # "a 40-bed centre", not "a 20-year-old"
        return not glued or (token.text in HYPHENS and after.kind == "num")
    return True


def _an_age(tokens: list[Token], j: int) -> bool:
    """Token j starts "year-old", "years old", "month-old"."""
    unit = fold_at(tokens, j).rstrip("s")
    return unit in {"year", "month", "week", "day"} and "old" in (
        fold_at(tokens, j + 1),
        fold_at(tokens, j + 2),
    )


def _is_year(digits: str) -> bool:
    return len(digits) == 4 and 1900 <= parse_digits(digits) <= 2100


def _unit_at(tokens: list[Token], j: int) -> Found | None:
    return load("units").longest_at(tokens, j) if j < len(tokens) else None


def _read(text, tokens, start, end, value, approximate, measures, means):
    """The quantity whose number spans tokens [start, end), and the index after it."""
    money = text_at(tokens, start - 1) == "$"
    high, end = _range(tokens, start, end)
    value, high, end, multiplied = _multiplied(tokens, end, value, high, money)
    approximate = approximate or multiplied == 12  # "two dozen"
    unit_found = _unit_at(tokens, end)
    unit, factor = ("usd", 1.0) if money else ("", 1.0)
    if unit_found and not money:
        unit, factor = unit_found.key, float(unit_found.entry.extra or 1)
    unit_end = unit_found.end if unit_found and not money else end
    bound, first = _bound_before(tokens, start - money)
    last = unit_end
    if bound is None:
        bound, last = _bound_after(tokens, unit_end)
    listed = _follows_a_count(tokens, first) or _count_follows(tokens, unit_end)
    bound = bound or (ABOUT if approximate else PART if listed else EXACT)
    bound = RANGE if high is not None else bound
    measure = "distance" if unit == "km" else _measure(tokens, first, end, measures, means)
    low, value, high = _interval(value, high, bound, unit)
    if factor != 1:
        low, value, high = low * factor, value * factor, high * factor
        if factor != 0.001:  # miles: outlets round the converted figure
            low, high = low * (1 - CONVERSION), high * (1 + CONVERSION)
    if not all(map(math.isfinite, (low, value))) or value > MAX_VALUE:
        return None, last
    phrase = text[tokens[first].start : tokens[last - 1].end]
    return Quantity(value, low, high, unit, measure, phrase, bound), last


def _follows_a_count(tokens: list[Token], i: int) -> bool:
    """Token i comes after "N [unit] and": "3 soldiers and 2 civilians", "3 جنود و2"."""
    if fold_at(tokens, i - 1) not in {"and", "و", ",", "،"}:
        return False
    j = i - 2
    while j >= 0 and j >= i - 4 and tokens[j].kind == "word" and _unit_at(tokens, j):
        j -= 1
    return j >= 0 and number_at(tokens, j) is not None


def _count_follows(tokens: list[Token], j: int) -> bool:
    """Token j is "and N" after a count: the count is one of a list ("3 جنود و2 مدنيين")."""
    return fold_at(tokens, j) in {"and", "و", ",", "،"} and (
        j + 1 < len(tokens) and number_at(tokens, j + 1) is not None
    )


def _range(tokens: list[Token], start: int, end: int) -> tuple[float | None, int]:
    """The upper end of "10-12", "between 10 and 12", "between two and five", "بين 10 و12"
    and the index after it."""
    if text_at(tokens, end) in HYPHENS and _glued(tokens, end - 1) and _glued(tokens, end):
        if end + 1 < len(tokens) and tokens[end + 1].kind == "num" and not _glued(tokens, end + 1):
            return parse_digits(tokens[end + 1].text), end + 2
        return None, end
    if fold_at(tokens, start - 1) not in {"between", "بين"}:
        return None, end
    upper = None
    if fold_at(tokens, end) in {"and", "و"} and end + 1 < len(tokens):
        upper = number_at(tokens, end + 1)
    elif fold_at(tokens, end)[:1] == "و":  # "وخمسة"
        upper = number_at(tokens, end)
    return (upper[0], upper[1]) if upper else (None, end)


def _multiplied(tokens, end, value, high, money):
    """ "3 million", "ثلاثة آلاف", "$3m", "two dozen": up to two multipliers."""
    product = 1.0
    for _ in range(2):
        if end >= len(tokens) or (not money and _unit_at(tokens, end)):
            break  # "15 بالمئة" is a percentage, not 15 hundred
        word = fold_at(tokens, end)
        factor = MULTIPLIERS.get(word) or (MONEY_MULTIPLIERS.get(word) if money else None)
        if factor is None:
            factor = next((MULTIPLIERS[f] for f in forms_at(tokens, end) if f in MULTIPLIERS), None)
        if factor is None or tokens[end].kind != "word":
            break
        product, end = product * factor, end + 1
    return value * product, (None if high is None else high * product), end, product


def _bound_before(tokens: list[Token], i: int) -> tuple[str | None, int]:
    """A bound ending just before token i ("at least", "ما لا يقل عن"), and its start."""
    for j in range(max(0, i - MAX_BOUND_WORDS), i):  # the longest first
        for found in load("bounds").all_at(tokens, j):
            if found.end == i and found.entry.extra != "after":
                return found.key, j
    return None, i


def _bound_after(tokens: list[Token], j: int) -> tuple[str | None, int]:
    """A bound after the number and its unit, or after one more word ("20 قتيلا على الأقل")."""
    for start in (j, j + 1):
        if start >= len(tokens):
            break
        after = [f for f in load("bounds").all_at(tokens, start) if f.entry.extra == "after"]
        if after:
            found = max(after, key=lambda f: f.end)
            return found.key, found.end
        if tokens[start].kind != "word":
            break
    return None, j


def _interval(value: float, high: float | None, bound: str, unit: str):
    """(low, value, high) allowed by the phrase."""
    if high is not None:
        low, high = sorted((value, high))
        return low, (low + high) / 2, high
    if bound in LOWER_BOUNDS:
        return value, value, math.inf
    if bound in UPPER_BOUNDS:
        return 0.0, value, value
    if bound == ABOUT:
        margin = max(APPROXIMATE * value, 1.0 if unit in COUNTS else 0.0)
        return max(0.0, value - margin), value, value + margin
    return value, value, value


def _measure(tokens, start: int, end: int, measures: dict[int, Found], means: dict[int, str]):
    """What the number counts: the nearest measure word after it, else before it ("killed
    22"), else a means right after it ("12 rockets"), else troops ("killed 3 soldiers")."""
    after = list(_scan(tokens, range(end, len(tokens)), measures, after=True))
    before = list(_scan(tokens, range(start - 1, -1, -1), measures, after=False))
    keys = after + before
    strong = [key for key in keys if key != WEAK_MEASURE]
    means_after = [means[j] for j in (end, end + 1) if j in means]
    return next(iter(strong + means_after + keys), "")


def _scan(tokens, indexes, measures: dict[int, Found], after: bool):
    words = 0
    for j in indexes:
        token = tokens[j]
        if token.kind == "num" or token.text in CLAUSE_STOPS:
            return
        if token.kind != "word":
            continue
        if token.fold in CLAUSE_WORDS:
            return
        found = measures.get(j)
        if found is not None:
            if after and found.clitic:
                return  # "قتل 22 شخصا وأصيب": the wounded are another number's
            yield found.key
        words += 1
        if words >= MEASURE_WINDOW:
            return

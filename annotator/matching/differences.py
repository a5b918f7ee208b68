"""Where two claims' facts (facts.py) agree and where they contradict.

Claims compared here are, or are proposed as, one assertion, and a report that differs
in one fact is what the comparison must find; still, a difference is flagged only when
the two claims say incompatible things about the same thing, and saying less is not one:
- quantities of one measure (and compatible units) that cannot both hold: "fewer than 10"
  vs "22", "10 km" vs "12 km", "up to 250" vs "up to 150"; "at least 20" and "about 20"
  fit "22". Numbers whose measure is unknown go by elimination: the numbers both claims
  give are set aside, and if one is left on each side, they are one fact told two ways;
- dates at day precision the same way (the days both name set aside, one left on each
  side); weekdays resolve against each article's publication, so compare by day, and one
  weekday name read a week apart in the two claims is not a difference;
- means when both name some and share none: "rockets vs drone";
- actions when one's key is the other's opposite and neither claim says both:
  "withdrew vs reinforced"; not when a claim is negated;
- negation when one claim is negated and the other not, unless their actions are
  opposites ("did not withdraw" and "reinforced" agree);
- places: in one language, names after a place marker that neither claim shares; across
  English and Arabic, by sound (sounds.py), when exactly one probable place of each is not
  heard in the other.
The result is symmetric: compare(b, a) is compare(a, b) with each difference's sides swapped.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from annotator.matching.facts import Concept, DateFact, Facts
from annotator.matching.lexicon import opposites
from annotator.matching.quantities import COUNTS, Quantity
from annotator.matching.sounds import heard, name_fold

BOUNDS = {"at_least", "more_than", "at_most", "fewer_than"}
NEGATING_ACTIONS = {"deny", "confirm"}
DAY = "day"
AFFIRMED = "affirmed"


@dataclass(frozen=True)
class Difference:
    facet: str  # "quantity", "date", "means", "action", "place" or "negation"
    a: str
    b: str

    @property
    def summary(self) -> str:
        return f"{self.a} vs {self.b}"


@dataclass(frozen=True)
class Comparison:
    agree: tuple[str, ...]
    differ: tuple[Difference, ...]

    @property
    def contradicts(self) -> bool:
        return bool(self.differ)


def facts_compare(a: Facts, b: Facts) -> Comparison:
    agree: list[str] = []
    differ: list[Difference] = []
    for compare in (_quantities, _dates, _means, _actions, _negation, _places):
        more_agree, more_differ = compare(a, b)
        agree.extend(more_agree)
        differ.extend(more_differ)
    return Comparison(tuple(dict.fromkeys(agree)), tuple(differ))


def _overlap(x: Quantity, y: Quantity) -> bool:
    slack = 1e-9 * max(abs(x.value), abs(y.value), 1.0)
    return max(x.low, y.low) <= min(x.high, y.high) + slack


def _units_fit(x: Quantity, y: Quantity) -> bool:
    return x.unit == y.unit or (x.unit in COUNTS and y.unit in COUNTS)


def _tighter(x: Quantity, y: Quantity) -> Quantity:
    """The narrower of two agreeing quantities (its label), the same whichever is first."""
    return min((x, y), key=lambda q: (q.high - q.low, q.label))


def _quantities(a: Facts, b: Facts):
    """Quantities of a measure both claims count are compared by measure; the others (what
    they count is unknown, or only one claim says) by elimination: numbers the two claims
    share are set aside, and if exactly one is left on each side, of the same kind of
    unit, they are the same fact told two ways: "62 people" vs "26 people"."""
    agree, differ = [], []
    counted = {q.measure for q in a.quantities} & {q.measure for q in b.quantities} - {""}
    for measure in sorted(counted):
        more_agree, more_differ = _same_measure(
            [q for q in a.quantities if q.measure == measure],
            [q for q in b.quantities if q.measure == measure],
        )
        agree += more_agree
        differ += more_differ
    mine = [q for q in a.quantities if q.measure not in counted]
    theirs = [q for q in b.quantities if q.measure not in counted]
    more_agree, more_differ = _by_elimination(mine, theirs)
    return agree + more_agree, differ + more_differ


def _same_measure(mine: list[Quantity], theirs: list[Quantity]):
    pairs = [(x, y) for x in mine for y in theirs if _units_fit(x, y)]
    if not pairs:
        return [], []
    fitting = [_tighter(x, y) for x, y in pairs if _fit(x, y)]
    if fitting:
        return [min(fitting, key=lambda q: (q.high - q.low, q.label)).label], []
    # The same pair whichever claim comes first.
    x, y = min(pairs, key=lambda pair: sorted((pair[0].label, pair[1].label)))
    return [], [Difference("quantity", x.label, y.label)]


def _fit(x: Quantity, y: Quantity) -> bool:
    """Both can hold: the intervals overlap, and two bounds of one kind have one number
    ("up to 250" and "up to 150" overlap, but say different caps)."""
    same_bound = x.bound == y.bound and x.bound in BOUNDS
    return _overlap(x, y) and not (same_bound and x.value != y.value)


def _kind(q: Quantity) -> tuple:
    return ("count" if q.unit in COUNTS else q.unit, q.low, q.high)


def _by_elimination(mine: list[Quantity], theirs: list[Quantity]):
    shared = Counter(map(_kind, mine)) & Counter(map(_kind, theirs))
    agree = {min(q.label for q in mine + theirs if _kind(q) == kind) for kind in shared}
    left_mine, left_theirs = _minus(mine, shared), _minus(theirs, shared)
    # Numbers that fit one number only of the other side, and it them: the same fact
    # written two ways ("more than 20 percent" / "20 في المئة").
    for x in list(left_mine):
        fitting = [y for y in left_theirs if _comparable(x, y) and _fit(x, y)]
        if len(fitting) == 1:
            y = fitting[0]
            if [z for z in left_mine if _comparable(z, y) and _fit(z, y)] == [x]:
                agree.add(_tighter(x, y).label)
                left_mine.remove(x)
                left_theirs.remove(y)
    left_mine, left_theirs = _unpaired(left_mine), _unpaired(left_theirs)
    if len(left_mine) != 1 or len(left_theirs) != 1:
        return sorted(agree), []
    x, y = left_mine[0], left_theirs[0]
    if not _units_fit(x, y) or not _measures_fit(x, y):
        return sorted(agree), []
    return sorted(agree), [Difference("quantity", x.label, y.label)]


def _comparable(x: Quantity, y: Quantity) -> bool:
    return _units_fit(x, y) and _measures_fit(x, y)


def _measures_fit(x: Quantity, y: Quantity) -> bool:
    """ "22 killed" and "40 injured" count different things; "22" may count either."""
    return x.measure == y.measure or "" in (x.measure, y.measure)


def _unpaired(quantities: list[Quantity]) -> list[Quantity]:
    """Without "one" and "two" written as words: Arabic says them with the noun's dual
    ("زميليه", "الطرفين"), so they often have no counterpart."""
    return [q for q in quantities if not (q.value <= 2 and q.text.isalpha())]


def _minus(quantities: list[Quantity], shared: Counter) -> list[Quantity]:
    """`quantities` without as many of each kind as `shared` counts."""
    left, taken = [], Counter()
    for q in quantities:
        if taken[_kind(q)] < shared[_kind(q)]:
            taken[_kind(q)] += 1
        else:
            left.append(q)
    return left


def _day_label(day: date, other: date | None = None) -> str:
    label = f"{day:%A} {day.day} {day:%b}"
    return f"{label} {day.year}" if other is not None and other.year != day.year else label


def _days(dates: tuple[DateFact, ...]) -> list[DateFact]:
    seen, days = set(), []
    for fact in dates:
        if fact.precision == DAY and fact.day not in seen:
            seen.add(fact.day)
            days.append(fact)
    return days


def _same_weekday(x: DateFact, y: DateFact) -> bool:
    """Two weekday names resolved a week apart: "Monday" read as this week's in one claim
    and last week's in the other (a "will" elsewhere in the sentence): not a difference."""
    return x.shape == y.shape == "weekday" and x.day.weekday() == y.day.weekday()


def _dates(a: Facts, b: Facts):
    """Days both claims name agree; if, those set aside, exactly one day is left on each
    side, they are the same date told two ways ("said on Monday that Sunday's vote …")."""
    mine, theirs = _days(a.dates), _days(b.dates)
    shared = sorted({x.day for x in mine} & {y.day for y in theirs})
    agree = [_day_label(day) for day in shared]
    left_mine = [x for x in mine if x.day not in shared]
    left_theirs = [y for y in theirs if y.day not in shared]
    if len(left_mine) != 1 or len(left_theirs) != 1:
        return agree, []
    x, y = left_mine[0], left_theirs[0]
    if _same_weekday(x, y):
        return [*agree, f"{min(x.day, y.day):%A}"], []
    return agree, [Difference("date", _day_label(x.day, y.day), _day_label(y.day, x.day))]


def _texts(concepts: tuple[Concept, ...], keys=None) -> str:
    """The concepts as written, one per key: "rockets / artillery"."""
    firsts = {}
    for concept in concepts:
        if keys is None or concept.key in keys:
            firsts.setdefault(concept.key, concept.text)
    return " / ".join(firsts.values())


def _means(a: Facts, b: Facts):
    mine, theirs = a.means_keys, b.means_keys
    if not mine or not theirs:
        return [], []
    if mine & theirs:
        return [key.replace("_", " ") for key in sorted(mine & theirs)], []
    return [], [Difference("means", _texts(a.means), _texts(b.means))]


def _actions(a: Facts, b: Facts):
    mine, theirs = a.action_keys, b.action_keys
    agree = sorted(mine & theirs)
    if a.negated or b.negated:
        return [], []  # a negated claim's actions are not asserted: see _negation
    pairs = sorted(
        (
            (key, other)
            for key in mine - theirs
            for other in opposites().get(key, ())
            if other in theirs and other not in mine
        ),
        key=sorted,  # the same order whichever claim comes first
    )
    differ = [
        Difference("action", _texts(a.actions, {key}), _texts(b.actions, {other}))
        for key, other in pairs
    ]
    return agree, differ


def _negation(a: Facts, b: Facts):
    """One claim negated, the other not, unless their actions are opposites ("did not
    withdraw" and "reinforced" agree). Shown with the action they share if any ("not
    withdraw vs withdrew"), else with the negation as written ("would not pay vs
    affirmed"). Only pairs proposed as one assertion are compared, and those rarely
    differ in negation unless they contradict."""
    if a.negated == b.negated or _opposed(a, b):
        return [], []  # "did not withdraw" and "reinforced" say the same
    shared = sorted(a.action_keys & b.action_keys)

    def side(facts: Facts) -> str:
        if shared:
            text = _texts(facts.actions, {shared[0]})
            return f"not {text}" if facts.negated else text
        return facts.negation if facts.negated else AFFIRMED

    return [], [Difference("negation", side(a), side(b))]


def _opposed(a: Facts, b: Facts) -> bool:
    """Opposite actions, a denial and a confirmation aside (those are the negation)."""
    keys = a.action_keys - NEGATING_ACTIONS
    return any(opposites().get(key, frozenset()) & b.action_keys for key in keys)


def _places(a: Facts, b: Facts):
    if a.language != b.language:
        return _places_across(a, b)
    if not a.places or not b.places:
        return [], []
    mine = {name_fold(place): place for place in sorted(a.places)}
    theirs = {name_fold(place): place for place in sorted(b.places)}
    shared = mine.keys() & theirs.keys()
    if shared:
        return sorted(shared), []
    if mine.keys() & b.names or theirs.keys() & a.names:
        return [], []  # "in Varn" and "near Varn, in Lask": not a contradiction
    return [], [Difference("place", ", ".join(mine.values()), ", ".join(theirs.values()))]


def _places_across(a: Facts, b: Facts):
    """English and Arabic: by sound. A difference when exactly one probable place of the
    English claim is not heard in the Arabic one, and exactly one of the Arabic claim's in
    the same slot ("in", "to" …) is not heard in the English: "Kelvano" vs "أوسترابل"."""
    english, arabic = (a, b) if a.language == "en" else (b, a)
    if english.language != "en" or arabic.language != "ar":
        return [], []
    unheard = [(s, p) for s, p in sorted(english.place_candidates) if not heard(p, arabic.sounds)]
    if len(unheard) != 1:
        return [], []
    slot, place = unheard[0]
    unnamed = sorted(
        p
        for s, p in arabic.place_candidates
        if (s == slot or "" in (s, slot)) and not heard(p, english.sounds)
    )
    if len(set(unnamed)) != 1:
        return [], []
    sides = (place, unnamed[0])
    return [], [Difference("place", *(sides if english is a else sides[::-1]))]

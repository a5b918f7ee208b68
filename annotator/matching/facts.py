"""The comparable facts of a claim: quantities, dates, means, actions, places and names,
and whether it is negated. Pure functions, no Django; differences.py compares two claims'.

Precision over recall throughout: a fact read wrongly makes a false discrepancy, a fact
missed only a missed one. Input is capped (MAX_CLAIM_CHARS); every step reads the tokens
once or a bounded number of times (lexicon.py), and find_dates is linear (its own tests).
"""

from dataclasses import dataclass
from datetime import date, datetime

from annotator.matching.lexicon import STOP_KEY, Found, Token, load, tokenize
from annotator.matching.names import names_of, place_candidates, places_of
from annotator.matching.quantities import Quantity, find_quantities
from annotator.matching.sounds import name_fold, sounds_of
from annotator.suggestions.dates import find_dates
from annotator.suggestions.lexicon import is_arabic

__all__ = ["Concept", "DateFact", "Facts", "Quantity", "claim_facts"]

MAX_CLAIM_CHARS = 2_000
NEGATION_REACH = 6  # words after an Arabic negation in which إلا makes it "only"
EN_NEGATIONS = {"not", "never", "no", "none", "nobody", "neither", "nor", "cannot"}
EN_NEGATIONS |= {"denied", "denies", "deny", "denying", "failed"}
AR_NEGATIONS = {"لم", "لن", "لا", "ليس", "ليست", "ليسوا", "عدم", "نفي", "نفت", "ينفي", "تنفي"}
AR_NEGATIONS |= {"نفوا", "فشل", "فشلت", "فشلوا"}
# A negation word followed by a word starting so is not a negation: "not only", "لا يزال"
# (still), "لا سيما" (especially), "لا بد" (must), "denied access" (refused), "failed" with
# no "to" is a verdict ("the bill failed"), not a negated action.
NOT_NEGATIONS = {"not": ("only",), "no": ("doubt",)}
NOT_NEGATIONS |= {"لا": ("يزال", "تزال", "زال", "سيما", "بد")}
NOT_NEGATIONS |= {"denied": ("access", "entry", "bail", "permission", "visa")}
ONLY_BEFORE = {"failed": ("to",)}
EXCEPT = "الا"  # "لم يصلوا إلا مساء": they arrived only in the evening


@dataclass(frozen=True)
class DateFact:
    day: date
    precision: str  # "day", "month" or "approximate" (suggestions.dates)
    text: str
    shape: str = ""  # "weekday", "explicit", "relative", "ago", "month" (suggestions.dates)


@dataclass(frozen=True)
class Concept:
    facet: str  # "means" or "action"
    key: str  # lexicons/means.tsv or actions.tsv: "drone", "withdraw"
    text: str


@dataclass(frozen=True)
class Facts:
    quantities: tuple[Quantity, ...]
    dates: tuple[DateFact, ...]
    means: tuple[Concept, ...]
    actions: tuple[Concept, ...]
    names: frozenset[str]  # lower-cased, folded; places included
    negated: bool  # a negation anywhere ("did not", "لم", "denied"); see _negation_at
    # Names after a place marker ("the town of Varn", "مدينة قرمل"), as written.
    places: frozenset[str] = frozenset()
    language: str = ""
    negation: str = ""  # the negation as written, with the two words after it
    sounds: frozenset[str] = frozenset()  # names' consonant skeletons (sounds.py)
    # (slot, name) of probable places, broader than `places`, for comparing across
    # languages by sound: ("in", "Kelvano"), ("", "كلفانو") after a place marker.
    place_candidates: frozenset[tuple[str, str]] = frozenset()

    @property
    def means_keys(self) -> frozenset[str]:
        return frozenset(c.key for c in self.means)

    @property
    def action_keys(self) -> frozenset[str]:
        return frozenset(c.key for c in self.actions)


def claim_facts(text: str, language: str, published_at: date | datetime | None = None) -> Facts:
    """The facts of a claim. Dates need `published_at` (relative ones: "Monday", "أمس")."""
    text = text[:MAX_CLAIM_CHARS]
    tokens = tokenize(text)
    means_found = _kept(load("means").find(tokens))
    actions_found = _kept(load("actions").find(tokens))  # "opened fire": a stop phrase
    measures = {f.start: f for f in load("measures").find(tokens)}
    means_at = {f.start: f.key for f in means_found}
    quantities = find_quantities(text, tokens, measures, means_at)
    arabic = is_arabic(language)
    places = places_of(tokens, arabic)
    names = frozenset(name_fold(p) for p in places) | names_of(tokens, arabic)
    negation = _negation(text, tokens)
    return Facts(
        quantities=quantities,
        dates=tuple(
            DateFact(m.day, m.precision, m.quote, m.rule.rsplit(":", 1)[-1])
            for m in find_dates(text, language, published_at)
        ),
        means=tuple(Concept("means", f.key, _span(text, tokens, f)) for f in means_found),
        actions=tuple(Concept("action", f.key, _span(text, tokens, f)) for f in actions_found),
        names=names,
        negated=bool(negation),
        negation=negation,
        sounds=sounds_of(tokens, names, arabic),
        place_candidates=place_candidates(tokens, arabic),
        places=places,
        language=language.split("-")[0].lower(),
    )


def _kept(found: list[Found]) -> list[Found]:
    return [f for f in found if f.key != STOP_KEY]


def _span(text: str, tokens: list[Token], found: Found) -> str:
    return text[tokens[found.start].start : tokens[found.end - 1].end]


def _negation_at(tokens: list[Token], j: int) -> str:
    """The negation word at token j ("not", "لم", "didn't"), or ""."""
    token = tokens[j]
    if token.kind != "word":
        return ""
    if token.fold == "t" and j >= 2 and tokens[j - 1].text in "'’":
        return "n't" if tokens[j - 2].end == tokens[j - 1].start else ""
    # Only و and ف may cling to a negation: "بلا" (without) is not "لا".
    bare = token.fold[1:] if token.fold[:1] in "وف" else token.fold
    cue = next((w for w in (token.fold, bare) if w in EN_NEGATIONS or w in AR_NEGATIONS), "")
    if not cue or any(load("bounds").all_at(tokens, j)):
        return ""  # bounds are not negations: "no fewer than", "لا يقل عن"
    following = tokens[j + 1].fold if j + 1 < len(tokens) else ""
    if j + 1 < len(tokens) and tokens[j + 1].kind == "num":
        return ""  # "No. 10"
    if following.startswith(NOT_NEGATIONS.get(cue, ())):
        return ""
    if cue in ONLY_BEFORE and following not in ONLY_BEFORE[cue]:
        return ""
    reach = tokens[j + 1 : j + 1 + NEGATION_REACH]
    if cue in AR_NEGATIONS and any(t.fold == EXCEPT for t in reach):
        return ""
    return cue


def _negation(text: str, tokens: list[Token]) -> str:
    """The first negation and the words after it ("would not pay compensation"), or ""."""
    for j in range(len(tokens)):
        if _negation_at(tokens, j):
            end = min(len(tokens), j + 3)
            start = j - 2 if tokens[j].fold == "t" else j
            return text[tokens[start].start : tokens[end - 1].end]
    return ""

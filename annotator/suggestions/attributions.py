"""The attribution suggester: reporting cues (lexicons/attributions.<lang>.tsv) widened to
the cited source phrase ("two local officials told Meridian Wire", "قال مسؤول في محافظة
قرمل"), and the phrase matched to the project's sources by name and other names. Pure
functions, no Django."""

import bisect
import math
from dataclasses import dataclass
from functools import lru_cache

import regex

from annotator.suggestions.lexicon import AR_MARKS, ar_normalise, find_cues
from annotator.suggestions.sentences import lang_key, longest_first, sentence_of

MAX_SOURCE_WORDS = 6


@dataclass(frozen=True)
class SourceRef:
    """A project Source as the engine sees it: a key (the pk) and every name it goes by."""

    key: object
    names: tuple[str, ...]


TOKEN = regex.compile(rf"[\w{AR_MARKS}'’.-]+|[^\s\w{AR_MARKS}]")
CLAUSE_PUNCT = set(',;:()[]«»"“”—–،؛!?؟')
EN_STOP_BEFORE = {
    "that", "and", "but", "as", "while", "when", "after", "before", "which", "who", "because",
    "so", "if", "than", "where", "whom", "whose", "since", "although", "though", "meanwhile",
}  # fmt: skip
EN_NOT_SUBJECT_END = {
    "the", "a", "an", "of", "to", "was", "were", "is", "are", "be", "been", "being", "has",
    "have", "had", "widely", "first", "newly", "previously", "not", "also", "it", "by", "in",
    "for", "with", "on", "at", "from",
}  # fmt: skip
EN_STOP_AFTER = {
    "that", "which", "who", "as", "while", "when", "after", "before", "because", "but", "on",
    "since", "during", "following", "is", "was", "were", "are", "has", "have", "had", "will",
    "would", "said", "told", "says", "reported", "added", "late", "early", "last", "this",
    "yesterday", "today", "it", "its", "their", "his", "her", "in", "at",
}  # fmt: skip
AR_STOP_AFTER = {
    ar_normalise(w)
    for w in [
        "إن",
        "أن",
        "أنّ",
        "إنّ",
        "بأن",
        "بان",
        "إنه",
        "أنه",
        "أنها",
        "إنها",
        "أنهم",
        "إنهم",
        "بأنه",
        "بأنها",
        "ان",
        "انه",
        "انها",
        "الذي",
        "التي",
        "الذين",
        "عن",
        "يوم",
        "أمس",
        "اليوم",
        "صباح",
        "مساء",
        "فجر",
        "الأحد",
        "الاثنين",
        "الإثنين",
        "الثلاثاء",
        "الأربعاء",
        "الخميس",
        "الجمعة",
        "السبت",
        "خلال",
        "حول",
        "على",
        "إلى",
        "بعد",
        "قبل",
        "منذ",
        "حين",
        "عندما",
        "لكن",
    ]
}
AR_RECIPIENT = regex.compile(
    rf"^ل[{AR_MARKS}]*(?:ـ|ل|ص[{AR_MARKS}]*ح[{AR_MARKS}]*ي[{AR_MARKS}]*ف|و[{AR_MARKS}]*ك[{AR_MARKS}]*ا|ق[{AR_MARKS}]*ن[{AR_MARKS}]*ا|م[{AR_MARKS}]*و[{AR_MARKS}]*ق[{AR_MARKS}]*ع|ش[{AR_MARKS}]*ب[{AR_MARKS}]*ك|م[{AR_MARKS}]*ر[{AR_MARKS}]*ا|«|\")"  # noqa: E501
)
# Spaces, then a bracket of up to 60 characters, matched in two steps within a bounded
# window: regex looks ahead for the "(" a pattern needs, which read the rest of the sentence.
SPACES_RUN = regex.compile(r"[ \u00a0]*")
PARENTHESIS = regex.compile(r"\([^()\n]{1,60}\)")
EN_INVERTED = {"said", "says", "told", "added", "wrote", "stated"}
EN_WITH_OBJECT = {"told", "tells", "quoted", "cited"}


def _iter_tokens(text: str, start: int, end: int):
    return ((m.start(), m.end(), m.group()) for m in TOKEN.finditer(text, start, end))


def _tokens(text: str, start: int, end: int):
    return list(_iter_tokens(text, start, end))


# An apposition skipped before a cue is at most this many tokens long.
MAX_APPOSITION = 14
# _source_before reads no further back than this many tokens before a cue.
TOKENS_BEFORE = MAX_APPOSITION + 2 * (MAX_SOURCE_WORDS + 1) + 2


def _tokens_before(text: str, start: int, end: int, count: int):
    """The last `count` tokens of text[start:end] (all if fewer), as _tokens gives them:
    read from a window that widens only while too few whole tokens are in it, so a cue
    late in a long sentence does not cost the whole sentence."""
    width = 256
    while True:
        window = max(start, end - width)
        tokens = _tokens(text, window, end)
        if window == start:
            return tokens
        if len(tokens) > count:  # the first may be cut by the window; the others are whole
            return tokens[-count:]
        width *= 4


def _source_before(text: str, sentence: tuple[int, int], cue_start: int):
    """(start, end) of the subject phrase before a cue ("two local officials"), or None.

    Skips one apposition between commas: "The sources, who spoke on condition of
    anonymity, said" gives "The sources".
    """
    tokens = _tokens_before(text, sentence[0], cue_start, TOKENS_BEFORE)
    chosen = _subject(tokens)
    if not chosen and tokens and tokens[-1][2] == ",":
        commas = [i for i, t in enumerate(tokens[:-1]) if t[2] == ","]
        if commas and len(tokens) - 1 - commas[-1] <= MAX_APPOSITION:
            chosen = _subject(tokens[: commas[-1]])
    if not chosen or chosen[-1][2].casefold() in EN_NOT_SUBJECT_END:
        return None
    return chosen[0][0], chosen[-1][1]


def _subject(tokens) -> list:
    """The words at the end of `tokens` back to a clause boundary, if few enough."""
    chosen = []
    for token in reversed(tokens):
        word = token[2]
        if word in CLAUSE_PUNCT or word.casefold() in EN_STOP_BEFORE:
            break
        if len(chosen) == MAX_SOURCE_WORDS:
            return []  # too many words for a subject: no need to read further back
        chosen.append(token)
    return chosen[::-1]


def _phrase_after(text: str, sentence: tuple[int, int], position: int, stop: set, language: str):
    """(start, end) of the phrase following a cue, up to a clause boundary, or None."""
    chosen = []
    for token in _iter_tokens(text, position, sentence[1]):  # lazily: it stops early
        word = token[2]
        if language == "ar" and word in "«»":  # a name in guillemets: وفقاً لـ«الساحل»
            chosen.append(token)
            if word == "»":
                break
            continue
        key = ar_normalise(word) if language == "ar" else word.casefold()
        if word in CLAUSE_PUNCT or word == "." or key in stop or len(chosen) >= MAX_SOURCE_WORDS:
            break
        if language == "ar" and key.lstrip("وف") in stop and len(key) > 2:
            break
        chosen.append(token)
    if not chosen:
        return None
    start, end = chosen[0][0], chosen[-1][1]
    while end > start and text[end - 1] in ".'’":
        end -= 1
    opening = SPACES_RUN.match(text, end, sentence[1]).end()
    parenthesis = PARENTHESIS.match(text, opening, min(sentence[1], opening + 62))
    if parenthesis:  # "وكالة ميريديان (Meridian Wire)": the name in another script
        end = parenthesis.end()
    return (start, end) if end > start else None


def find_attributions(
    text: str, language: str, spans, disabled=frozenset(), folded=None
) -> list[dict]:
    lang = lang_key(language)
    found, fixed = [], []
    for start, end, cue in find_cues(text, "attribution", lang, disabled, folded):
        sentence = sentence_of(spans, start)
        item = _attribution(text, lang, cue, sentence, start, end)
        if item:
            (fixed if cue.type == "fixed" else found).append(item)
    found = longest_first(found)
    return _merge_fixed(text, found, fixed)


def _attribution(text, lang, cue, sentence, start, end):
    item = {"start": start, "end": end, "rule": cue.rule, "source": None}
    if cue.type == "fixed":
        return item
    if lang == "en" and cue.type == "source_before":
        source = _source_before(text, sentence, start)
        if source is None and cue.cue in EN_INVERTED:
            source = _phrase_after(text, sentence, end, EN_STOP_AFTER, lang)  # ", said Ali"
            if source and not text[source[0]].isupper():
                source = None
        if source is None:
            return None
        item["start"], item["end"] = min(start, source[0]), max(end, source[1])
        if cue.cue in EN_WITH_OBJECT and source[0] < start:  # "told Meridian Wire"
            addressee = _phrase_after(text, sentence, end, EN_STOP_AFTER, lang)
            if addressee:
                item["end"] = addressee[1]
        item["source"] = source
        return item
    stop = AR_STOP_AFTER if lang == "ar" else EN_STOP_AFTER
    if "near" in cue.conditions:  # "نقلت وكالة X عن مصدر": the source is after عن
        stop = stop - {"عن"}
    phrase = _phrase_after(text, sentence, end, stop, lang)
    if phrase is None:
        return item if lang == "ar" and cue.cue.startswith(("قال", "أفاد")) else None
    item["end"] = phrase[1]
    item["source"] = _ar_source_part(text, phrase) if lang == "ar" else phrase
    return item


def _ar_source_part(text: str, phrase: tuple[int, int]) -> tuple[int, int]:
    """The cited source in "مصادر محلية لصحيفة الساحل": the words before the addressee."""
    tokens = _tokens(text, *phrase)
    words = []
    for token in tokens:
        if words and AR_RECIPIENT.match(token[2]):
            break
        if ar_normalise(token[2]) == "عن":  # "نقلت وكالة X عن مصدر": the inner source
            words = []
            continue
        words.append(token)
    return (words[0][0], words[-1][1]) if words else phrase


def _merge_fixed(text: str, found: list[dict], fixed: list[dict]) -> list[dict]:
    """Join "in a statement"/"في بيان" to the attribution next to it, or keep it alone.

    The attribution joined is the first (in `found`'s order, then the phrases kept alone)
    that contains the phrase, overlaps it or is apart from it by spaces only; an index of
    the spans by start finds it among its neighbours instead of scanning all of them."""
    spans = _SpanIndex(found)
    for extra in fixed:
        before = _space_before(text, extra["start"])
        after = _space_after(text, extra["end"])
        index = spans.first_touching(before, after)
        if index is None:
            spans.append(extra)
            continue
        item = spans.items[index]
        if not (item["start"] <= extra["start"] and extra["end"] <= item["end"]):
            spans.widen(index, min(item["start"], extra["start"]), max(item["end"], extra["end"]))
    return longest_first(spans.items)


def _space_before(text: str, position: int) -> int:
    """Where the run of whitespace that ends at `position` starts."""
    while position > 0 and text[position - 1].isspace():
        position -= 1
    return position


def _space_after(text: str, position: int) -> int:
    """Where the run of whitespace that starts at `position` ends."""
    while position < len(text) and text[position].isspace():
        position += 1
    return position


class _SpanIndex:
    """Spans in their order (`items`) and sorted by start, for _merge_fixed: the spans
    touching [a, b] are those starting by b and no longer ago than the longest span."""

    def __init__(self, items: list[dict]):
        self.items = list(items)
        self._keys = sorted((item["start"], i) for i, item in enumerate(self.items))
        self._longest = max((item["end"] - item["start"] for item in self.items), default=0)

    def first_touching(self, a: int, b: int) -> int | None:
        """The index of the first span with start <= b and end >= a, if any."""
        best = None
        i = bisect.bisect_right(self._keys, (b, math.inf))
        while i > 0 and self._keys[i - 1][0] >= a - self._longest:
            i -= 1
            index = self._keys[i][1]
            if self.items[index]["end"] >= a and (best is None or index < best):
                best = index
        return best

    def append(self, item: dict) -> None:
        self.items.append(item)
        bisect.insort(self._keys, (item["start"], len(self.items) - 1))
        self._longest = max(self._longest, item["end"] - item["start"])

    def widen(self, index: int, start: int, end: int) -> None:
        item = self.items[index]
        del self._keys[bisect.bisect_left(self._keys, (item["start"], index))]
        item["start"], item["end"] = start, end
        bisect.insort(self._keys, (start, index))
        self._longest = max(self._longest, end - start)


# ---- Sources -------------------------------------------------------------------------------


WORD = regex.compile(r"\w+")
CLITIC_PREFIX = regex.compile(r"^(?:[وف]?[بلك]|[وف])(?=\w{3})")


def _name_key(name: str) -> str:
    return " ".join(WORD.findall(ar_normalise(name)))


@lru_cache(maxsize=4096)  # the worker lives long; names come from every project
def _name_pattern(key: str) -> regex.Pattern:
    return regex.compile(rf"(?<!\w)(?:ال)?{regex.escape(key)}(?!\w)")


def match_source(phrase: str, sources: list[SourceRef]):
    """The key of the source whose name (or other name) occurs in `phrase`; longest wins."""
    if not sources:
        return None
    words = WORD.findall(ar_normalise(phrase))
    # Arabic clitics: "لصحيفة" → "صحيفة", "والساحل" → "الساحل".
    variants = [words, [CLITIC_PREFIX.sub("", w) for w in words]]
    best, best_length = None, 0
    for source in sources:
        for name in source.names:
            key = _name_key(name)
            if not key or len(key) <= best_length:
                continue
            pattern = _name_pattern(key)
            if any(pattern.search(" ".join(v)) for v in variants):
                best, best_length = source.key, len(key)
    return best

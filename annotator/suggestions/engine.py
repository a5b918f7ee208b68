"""The suggesters as one pure function: text in, suggestions out. No Django, no database.

    suggest(text, language, published_at, sources) -> list[Suggestion]

Offsets are code points into `text` (the stored NFC text with "\\n"), and every suggestion
carries its exact quote: text[start:end] == quote. Four suggesters:

- hedges: cue lexicons (lexicons/hedges.<lang>.tsv) with a hedge type;
- attributions: reporting cues (lexicons/attributions.<lang>.tsv) widened to the cited
  source phrase ("two local officials told Meridian Wire", "قال مسؤول في محافظة قرمل"),
  the source matched to the project's Sources by name and other names;
- dates: expressions resolved against the publication date (dates.py);
- claims: sentences with a reporting verb, a number, a place or a date, minus the
  attribution phrase, ranked by a score.

Hedges, attributions and dates name the span of the claim candidate in their sentence
(`claim_span`), so the service can propose a link or a claimed time for it.
"""

import bisect
import itertools
import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import regex

from annotator.articles.furniture import body_lines
from annotator.suggestions.attributions import SourceRef, find_attributions, match_source
from annotator.suggestions.dates import DateMention, find_dates
from annotator.suggestions.lexicon import (
    AR_LETTER,
    AR_MARKS,
    FoldedText,
    ar_normalise,
    find_cues,
    is_number_word,
)
from annotator.suggestions.sentences import (
    lang_key,
    language_runs,
    longest_first,
    sentence_of,
    sentences,
)
from annotator.suggestions.suggesters import ATTRIBUTIONS, CLAIMS, DATES, HEDGES

CONFIDENCE = {HEDGES: 0.8, ATTRIBUTIONS: 0.75, DATES: 0.85}


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "hedge", "attribution", "claim" or "date"
    start: int
    end: int
    quote: str
    suggester: str  # "hedges", "attributions", "dates", "claims"
    rule: str  # e.g. "hedge:en:reportedly", "claim:number"
    confidence: float
    sentence: tuple[int, int]
    claim_span: tuple[int, int] | None = None  # the claim candidate of the same sentence
    hedge_type: str = ""
    cited_source: object = None  # a SourceRef.key
    source_text: str = ""  # the words naming the source ("two local officials")
    claimed_at: datetime | None = None
    claimed_precision: str = ""
    resolution: str = ""  # "Thursday → 2024-01-18"
    features: tuple[str, ...] = field(default=())  # claims: why this sentence


# ---- Hedges --------------------------------------------------------------------------------


def find_hedges(text: str, language: str, disabled=frozenset(), folded=None) -> list[dict]:
    found = [
        {"start": start, "end": end, "rule": cue.rule, "hedge_type": cue.type}
        for start, end, cue in find_cues(text, "hedge", lang_key(language), disabled, folded)
    ]
    return longest_first(found)


# ---- Claims --------------------------------------------------------------------------------

EN_PLACE = regex.compile(
    r"\b(?:in|near|at|from|outside|inside|into|towards?|across|of|around)\s+(?:the\s+)?"
    r"(?:[A-Z][\w'-]+)"
)
AR_PLACE_WORDS = {
    ar_normalise(w)
    for w in [
        "مدينة",
        "بلدة",
        "قرية",
        "مطار",
        "قاعدة",
        "حي",
        "منطقة",
        "محافظة",
        "ريف",
        "معبر",
        "ميناء",
        "مخيم",
        "ضاحية",
        "ولاية",
        "إقليم",
        "غرب",
        "شرق",
        "شمال",
        "جنوب",
        "وسط",
        "قرب",
        "محيط",
        "أطراف",
        "شمالي",
        "جنوبي",
        "شرقي",
        "غربي",
    ]
}
EN_REPORTING = regex.compile(
    r"\b(?:said|says|told|reported|announced|claimed|stated|confirmed|denied|according)\b",
    regex.IGNORECASE,
)
AR_REPORTING = regex.compile(
    rf"(?<![{AR_LETTER}])(?:[وف])?(?:قال|قالت|ذكر|ذكرت|أفاد|أفادت|أكد|أكدت|أعلن|أعلنت|كشف|كشفت"
    rf"|بحسب|وفق|نقلا|نقلاً|أوضح|صرح)"
)
CLAIM_WEIGHTS = {"reporting": 0.25, "date": 0.25, "number": 0.2, "place": 0.15}
# Matched at a position, so no "^"; each optional word carries the spaces after it, so no
# two quantifiers over the same characters meet.
EN_COMPLEMENTIZER = regex.compile(r"[\s,:;\"“”]*(?:that\b[\s,:\"“”]*)?", regex.IGNORECASE)
AR_COMPLEMENTIZER = regex.compile(
    rf"[\s،,:\"«»“”]*(?:(?:ب)?[أإا][{AR_MARKS}]*ن[{AR_MARKS}]*(?![{AR_LETTER}])[\s،,:\"«»“”]*)?"
)
TRIM = "\"'“”«» ,،:;.!?؟-–—"
# The characters str.split() and str.strip() take for whitespace (regex's \s lacks \x1c-\x1f).
SPACES = "\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_SPACE = regex.compile(f"[^{SPACES}]+")
NOT_TRIM = regex.compile(f"[^{regex.escape(TRIM)}]")
NOT_TRIM_BACKWARDS = regex.compile(f"[^{regex.escape(TRIM)}]", regex.REVERSE)
NOT_LEAD = regex.compile(f"[^{regex.escape(TRIM + 'وف')}]")


MIN_CLAIM_WORDS = 5
WORD = regex.compile(r"[\w٠-٩]+")
NEWLINE = regex.compile("\n")
DIGIT = regex.compile(r"[\d٠-٩]")
AR_PREFIX = regex.compile("^[وب]")


def _features(text: str, language: str, span, has_attribution: bool, has_date: bool) -> list:
    sentence = text[span[0] : span[1]]
    lang = lang_key(language)
    features = []
    if has_attribution or (EN_REPORTING if lang == "en" else AR_REPORTING).search(sentence):
        features.append("reporting")
    if has_date:
        features.append("date")
    words = WORD.findall(sentence)
    numbers = (w for w in words if w.casefold() not in {"a", "an", "half"})
    if DIGIT.search(sentence) or any(is_number_word(w, lang) for w in numbers):
        features.append("number")
    if lang == "en":
        place = EN_PLACE.search(sentence)
    else:
        place = any(AR_PREFIX.sub("", ar_normalise(w)) in AR_PLACE_WORDS for w in words)
    if place:
        features.append("place")
    return features


def _claim_span(text: str, lang: str, sentence, attributions) -> tuple[int, int]:
    """The sentence without its attribution phrase and the punctuation around it.

    Every test reads only as far as it needs (the first words, the first letter), never
    the rest of the sentence once per attribution: a long sentence full of cues stays linear.
    """
    start, end = sentence
    newlines = [m.start() for m in NEWLINE.finditer(text, start, end)]
    for item in attributions:
        if NOT_LEAD.search(text, start, max(start, item["start"])) is None:
            # "According to X, ..." / "أفادت مصادر بأن ...": only punctuation before it
            if item["end"] >= end:
                continue
            pattern = AR_COMPLEMENTIZER if lang == "ar" else EN_COMPLEMENTIZER
            skip = pattern.match(text, item["end"], end).end()
            if _words_within(text, skip, end, 3):
                start = skip
        elif len(_words(text, start, item["start"], 3)) >= 3 and not _any_in(
            newlines, (item["end"], end)
        ):  # "..., officials said."
            end = item["start"]
    while start < end and text[start] in TRIM:
        start += 1
    while end > start and text[end - 1] in TRIM:
        end -= 1
    return (start, end) if end > start else sentence


def _words(text: str, start: int, end: int, count: int) -> list:
    """The first `count` words (runs of non-space) of text[start:end]."""
    return list(itertools.islice(NOT_SPACE.finditer(text, start, end), count))


def _words_within(text: str, start: int, end: int, count: int) -> bool:
    """Whether text[start:end].strip(TRIM) has `count` words or more."""
    first = NOT_TRIM.search(text, start, end)
    if first is None:
        return False
    last = NOT_TRIM_BACKWARDS.search(text, first.start(), end).end()
    return len(_words(text, first.start(), last, count)) >= count


# ---- Everything ----------------------------------------------------------------------------


def suggest(
    text: str,
    language: str,
    published_at: datetime | date | None = None,
    sources: list[SourceRef] | tuple = (),
    disabled: frozenset | set = frozenset(),
) -> list[Suggestion]:
    """All suggestions for one article text; rules in `disabled` (rule ids) are skipped.
    Lines in another script than the article's language are read in their own language
    (an Arabic quotation in an English report, an English one in an Arabic report)."""
    found = []
    for start, end, lang in language_runs(text, language):
        for suggestion in _suggest(text[start:end], lang, published_at, sources, disabled):
            found.append(_shifted(suggestion, start) if start else suggestion)
    return found


def _any_in(starts: list[int], span: tuple[int, int]) -> bool:
    """Whether one of `starts` (sorted) lies in [span[0], span[1])."""
    i = bisect.bisect_left(starts, span[0])
    return i < len(starts) and starts[i] < span[1]


def _inside_any(lines: list[tuple[int, int]], span: tuple[int, int]) -> bool:
    """Whether `span` lies within one of `lines` (sorted, not overlapping)."""
    i = bisect.bisect_right(lines, (span[0], math.inf)) - 1  # the last line starting by it
    return i >= 0 and span[1] <= lines[i][1]


def _shifted(suggestion: Suggestion, by: int) -> Suggestion:
    def shift(span):
        return (span[0] + by, span[1] + by) if span else span

    return replace(
        suggestion,
        start=suggestion.start + by,
        end=suggestion.end + by,
        sentence=shift(suggestion.sentence),
        claim_span=shift(suggestion.claim_span),
    )


def _suggest(text, language, published_at, sources, disabled) -> list[Suggestion]:
    lang = lang_key(language)
    spans = sentences(text)
    folded = FoldedText.of(text, lang) if lang == "ar" else None
    hedges = find_hedges(text, lang, disabled, folded)
    attributions = find_attributions(text, lang, spans, disabled, folded)
    dates = [d for d in find_dates(text, lang, published_at, folded) if d.rule not in disabled]

    claims = {}
    body = body_lines(text)
    # Sorted starts, so each sentence finds its attributions and dates by binary search
    # rather than by a scan of all of them (which made long texts quadratic).
    attributions = sorted(attributions, key=lambda a: a["start"])
    attribution_starts = [a["start"] for a in attributions]
    date_starts = sorted(d.start for d in dates)
    for sentence in spans:
        if not _inside_any(body, sentence):
            continue  # headlines, bylines, datelines, captions, links: not the story's claims
        inside = attributions[
            bisect.bisect_left(attribution_starts, sentence[0]) : bisect.bisect_left(
                attribution_starts, sentence[1]
            )
        ]
        has_date = _any_in(date_starts, sentence)
        features = _features(text, lang, sentence, bool(inside), has_date)
        rule = f"claim:{features[0]}" if features else ""
        if not features or rule in disabled:
            continue
        span = _claim_span(text, lang, sentence, inside)
        # Too short to assert anything: date lines, captions, bylines, menu items.
        words = len(WORD.findall(text, span[0], span[1]))
        if words < MIN_CLAIM_WORDS or (features == ["place"] and words < 2 * MIN_CLAIM_WORDS):
            continue
        confidence = min(0.95, 0.2 + sum(CLAIM_WEIGHTS[f] for f in features))
        claims[sentence] = Suggestion(
            kind="claim",
            start=span[0],
            end=span[1],
            quote=text[span[0] : span[1]],
            suggester=CLAIMS,
            rule=rule,
            confidence=round(confidence, 2),
            sentence=sentence,
            features=tuple(features),
        )

    def claim_of(position: int):
        sentence = sentence_of(spans, position)
        claim = claims.get(sentence)
        return sentence, (claim.start, claim.end) if claim else None

    result = list(claims.values())
    for h in hedges:
        sentence, claim_span = claim_of(h["start"])
        result.append(
            Suggestion(
                kind="hedge",
                start=h["start"],
                end=h["end"],
                quote=text[h["start"] : h["end"]],
                suggester=HEDGES,
                rule=h["rule"],
                confidence=CONFIDENCE[HEDGES],
                sentence=sentence,
                claim_span=claim_span,
                hedge_type=h["hedge_type"],
            )
        )
    for a in attributions:
        sentence, claim_span = claim_of(a["start"])
        source_text = text[a["source"][0] : a["source"][1]] if a["source"] else ""
        result.append(
            Suggestion(
                kind="attribution",
                start=a["start"],
                end=a["end"],
                quote=text[a["start"] : a["end"]],
                suggester=ATTRIBUTIONS,
                rule=a["rule"],
                confidence=CONFIDENCE[ATTRIBUTIONS],
                sentence=sentence,
                claim_span=claim_span,
                cited_source=match_source(source_text, sources) if source_text else None,
                source_text=source_text,
            )
        )
    for d in dates:
        result.append(_date_suggestion(d, *claim_of(d.start)))
    return sorted(result, key=lambda s: (s.start, -s.end, s.kind))


def _date_suggestion(mention: DateMention, sentence, claim_span) -> Suggestion:
    return Suggestion(
        kind="date",
        start=mention.start,
        end=mention.end,
        quote=mention.quote,
        suggester=DATES,
        rule=mention.rule,
        confidence=CONFIDENCE[DATES],
        sentence=sentence,
        claim_span=claim_span,
        claimed_at=mention.claimed_at,
        claimed_precision=mention.precision,
        resolution=mention.resolution,
    )

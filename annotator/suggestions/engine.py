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

from dataclasses import dataclass, field
from datetime import date, datetime

import regex

from annotator.suggestions.dates import DateMention, find_dates
from annotator.suggestions.lexicon import (
    AR_LETTER,
    AR_MARKS,
    FoldedText,
    ar_normalise,
    find_cues,
    is_arabic,
    is_number_word,
)

HEDGES, ATTRIBUTIONS, DATES, CLAIMS = "hedges", "attributions", "dates", "claims"
SUGGESTER_KIND = {HEDGES: "hedge", ATTRIBUTIONS: "attribution", DATES: "date", CLAIMS: "claim"}
CONFIDENCE = {HEDGES: 0.8, ATTRIBUTIONS: 0.75, DATES: 0.85}
MAX_SOURCE_WORDS = 6


@dataclass(frozen=True)
class SourceRef:
    """A project Source as the engine sees it: a key (the pk) and every name it goes by."""

    key: object
    names: tuple[str, ...]


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


# ---- Sentences -----------------------------------------------------------------------------

ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "st", "gen", "col", "lt", "sgt", "capt", "maj", "gov", "sen",
    "rep", "prof", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "no", "vs", "etc", "u.s", "u.n", "u.k", "e.g", "i.e", "a.m", "p.m",
}  # fmt: skip
SENTENCE_BREAK = regex.compile(r"[.!?؟…]+[\"'”»)\]]*(?=\s)|\n+")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, without the whitespace around it."""
    spans, start = [], 0
    for match in SENTENCE_BREAK.finditer(text):
        if match.group().startswith("."):
            word = regex.search(
                r"([\w.]+)\.$", text[max(0, match.start() - 12) : match.start() + 1]
            )
            if word and (word.group(1).casefold() in ABBREVIATIONS or len(word.group(1)) == 1):
                continue
        end = match.start() if match.group().startswith("\n") else match.end()
        spans.append((start, end))
        start = match.end()
    spans.append((start, len(text)))
    result = []
    for s, e in spans:
        chunk = text[s:e]
        stripped = chunk.strip()
        if stripped:
            lead = len(chunk) - len(chunk.lstrip())
            result.append((s + lead, s + lead + len(stripped)))
    return result


def _sentence_of(spans: list[tuple[int, int]], position: int) -> tuple[int, int]:
    for span in spans:
        if span[0] <= position < span[1]:
            return span
    return (position, position)


# ---- Hedges --------------------------------------------------------------------------------


def _lang(language: str) -> str:
    return "ar" if is_arabic(language) else "en"


def find_hedges(text: str, language: str, disabled=frozenset(), folded=None) -> list[dict]:
    found = [
        {"start": start, "end": end, "rule": cue.rule, "hedge_type": cue.type}
        for start, end, cue in find_cues(text, "hedge", _lang(language), disabled, folded)
    ]
    return _longest_first(found)


def _longest_first(found: list[dict]) -> list[dict]:
    """Drop matches inside or overlapping a longer match (e.g. "sources" in "security sources")."""
    kept: list[dict] = []
    for item in sorted(found, key=lambda f: (-(f["end"] - f["start"]), f["start"])):
        if not any(item["start"] < k["end"] and k["start"] < item["end"] for k in kept):
            kept.append(item)
    return sorted(kept, key=lambda f: f["start"])


# ---- Attributions --------------------------------------------------------------------------

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
PARENTHESIS = regex.compile(r"[ \u00a0]*\([^()\n]{1,60}\)")
EN_INVERTED = {"said", "says", "told", "added", "wrote", "stated"}
EN_WITH_OBJECT = {"told", "tells", "quoted", "cited"}


def _tokens(text: str, start: int, end: int):
    return [(m.start(), m.end(), m.group()) for m in TOKEN.finditer(text, start, end)]


def _source_before(text: str, sentence: tuple[int, int], cue_start: int):
    """(start, end) of the subject phrase before a cue ("two local officials"), or None.

    Skips one apposition between commas: "The sources, who spoke on condition of
    anonymity, said" gives "The sources".
    """
    tokens = _tokens(text, sentence[0], cue_start)
    chosen = _subject(tokens)
    if not chosen and tokens and tokens[-1][2] == ",":
        commas = [i for i, t in enumerate(tokens[:-1]) if t[2] == ","]
        if commas and len(tokens) - 1 - commas[-1] <= 14:
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
        chosen.insert(0, token)
    return chosen if len(chosen) <= MAX_SOURCE_WORDS else []


def _phrase_after(text: str, sentence: tuple[int, int], position: int, stop: set, language: str):
    """(start, end) of the phrase following a cue, up to a clause boundary, or None."""
    chosen = []
    for token in _tokens(text, position, sentence[1]):
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
    parenthesis = PARENTHESIS.match(text, end, sentence[1])
    if parenthesis:  # "وكالة ميريديان (Meridian Wire)": the name in another script
        end = parenthesis.end()
    return (start, end) if end > start else None


def find_attributions(
    text: str, language: str, spans, disabled=frozenset(), folded=None
) -> list[dict]:
    lang = _lang(language)
    found, fixed = [], []
    for start, end, cue in find_cues(text, "attribution", lang, disabled, folded):
        sentence = _sentence_of(spans, start)
        item = _attribution(text, lang, cue, sentence, start, end)
        if item:
            (fixed if cue.type == "fixed" else found).append(item)
    found = _longest_first(found)
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
    """Join "in a statement"/"في بيان" to the attribution next to it, or keep it alone."""
    for extra in fixed:
        for item in found:
            if item["start"] <= extra["start"] and extra["end"] <= item["end"]:
                break
            gap = (
                text[item["end"] : extra["start"]]
                if item["end"] <= extra["start"]
                else text[extra["end"] : item["start"]]
            )
            if not gap.strip():
                item["start"] = min(item["start"], extra["start"])
                item["end"] = max(item["end"], extra["end"])
                break
        else:
            found.append(extra)
    return _longest_first(found)


# ---- Sources -------------------------------------------------------------------------------


def _name_key(name: str) -> str:
    return " ".join(regex.findall(r"\w+", ar_normalise(name)))


def match_source(phrase: str, sources: list[SourceRef]):
    """The key of the source whose name (or other name) occurs in `phrase`; longest wins."""
    words = regex.findall(r"\w+", ar_normalise(phrase))
    # Arabic clitics: "لصحيفة" → "صحيفة", "والساحل" → "الساحل".
    variants = [words, [regex.sub(r"^(?:[وف]?[بلك]|[وف])(?=\w{3})", "", w) for w in words]]
    best, best_length = None, 0
    for source in sources:
        for name in source.names:
            key = _name_key(name)
            if not key or len(key) <= best_length:
                continue
            pattern = regex.compile(rf"(?<!\w)(?:ال)?{regex.escape(key)}(?!\w)")
            if any(pattern.search(" ".join(v)) for v in variants):
                best, best_length = source.key, len(key)
    return best


# ---- Claims --------------------------------------------------------------------------------

EN_PLACE = regex.compile(
    r"\b(?:in|near|at|from|outside|inside|into|towards?|across|of|around)\s+(?:the\s+)?"
    r"(?:[A-Z][\w'-]+)"
)
AR_PLACE_WORDS = [
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
]
EN_REPORTING = regex.compile(
    r"\b(?:said|says|told|reported|announced|claimed|stated|confirmed|denied|according)\b",
    regex.IGNORECASE,
)
AR_REPORTING = regex.compile(
    rf"(?<![{AR_LETTER}])(?:[وف])?(?:قال|قالت|ذكر|ذكرت|أفاد|أفادت|أكد|أكدت|أعلن|أعلنت|كشف|كشفت"
    rf"|بحسب|وفق|نقلا|نقلاً|أوضح|صرح)"
)
CLAIM_WEIGHTS = {"reporting": 0.25, "date": 0.25, "number": 0.2, "place": 0.15}
EN_COMPLEMENTIZER = regex.compile(r"^[\s,:;\"“”]*(?:that\b)?[\s,:\"“”]*", regex.IGNORECASE)
AR_COMPLEMENTIZER = regex.compile(
    rf"^[\s،,:\"«»“”]*(?:(?:ب)?[أإا][{AR_MARKS}]*ن[{AR_MARKS}]*(?![{AR_LETTER}]))?[\s،,:\"«»“”]*"
)
TRIM = "\"'“”«» ,،:;.!?؟-–—"


MIN_CLAIM_WORDS = 5


def _features(text: str, language: str, span, has_attribution: bool, has_date: bool) -> list:
    sentence = text[span[0] : span[1]]
    lang = _lang(language)
    features = []
    if has_attribution or (EN_REPORTING if lang == "en" else AR_REPORTING).search(sentence):
        features.append("reporting")
    if has_date:
        features.append("date")
    words = regex.findall(r"[\w٠-٩]+", sentence)
    numbers = (w for w in words if w.casefold() not in {"a", "an", "half"})
    if regex.search(r"[\d٠-٩]", sentence) or any(is_number_word(w, lang) for w in numbers):
        features.append("number")
    if lang == "en":
        place = EN_PLACE.search(sentence)
    else:
        place = any(regex.sub("^[وب]", "", ar_normalise(w)) in AR_PLACE_WORDS for w in words)
    if place:
        features.append("place")
    return features


def _claim_span(text: str, lang: str, sentence, attributions) -> tuple[int, int]:
    """The sentence without its attribution phrase and the punctuation around it."""
    start, end = sentence
    for item in attributions:
        before = text[start : item["start"]]
        after = text[item["end"] : end]
        if len(before.strip(TRIM + "وف")) == 0:  # "According to X, ..." / "أفادت مصادر بأن ..."
            pattern = AR_COMPLEMENTIZER if lang == "ar" else EN_COMPLEMENTIZER
            skip = pattern.match(after).end()
            if len(after[skip:].strip(TRIM).split()) >= 3:
                start = item["end"] + skip
        elif len(before.split()) >= 3 and "\n" not in after:  # "..., officials said."
            end = item["start"]
    while start < end and text[start] in TRIM:
        start += 1
    while end > start and text[end - 1] in TRIM:
        end -= 1
    return (start, end) if end > start else sentence


# ---- Everything ----------------------------------------------------------------------------


def suggest(
    text: str,
    language: str,
    published_at: datetime | date | None = None,
    sources: list[SourceRef] | tuple = (),
    disabled: frozenset | set = frozenset(),
) -> list[Suggestion]:
    """All suggestions for one article text; rules in `disabled` (rule ids) are skipped."""
    lang = _lang(language)
    spans = sentences(text)
    folded = FoldedText.of(text, lang) if lang == "ar" else None
    hedges = find_hedges(text, lang, disabled, folded)
    attributions = find_attributions(text, lang, spans, disabled, folded)
    dates = [d for d in find_dates(text, lang, published_at, folded) if d.rule not in disabled]

    claims = {}
    for sentence in spans:
        inside = [a for a in attributions if sentence[0] <= a["start"] < sentence[1]]
        has_date = any(sentence[0] <= d.start < sentence[1] for d in dates)
        features = _features(text, lang, sentence, bool(inside), has_date)
        rule = f"claim:{features[0]}" if features else ""
        if not features or rule in disabled:
            continue
        span = _claim_span(text, lang, sentence, inside)
        # Too short to assert anything: date lines, captions, bylines, menu items.
        words = len(regex.findall(r"[\w٠-٩]+", text[span[0] : span[1]]))
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
        sentence = _sentence_of(spans, position)
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

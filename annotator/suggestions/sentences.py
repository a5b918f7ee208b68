"""Sentences and small text helpers the suggesters share. Pure functions, no Django."""

import bisect
import math

import regex

from annotator.suggestions.lexicon import is_arabic

ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "st", "gen", "col", "lt", "sgt", "capt", "maj", "gov", "sen",
    "rep", "prof", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "no", "vs", "etc", "u.s", "u.n", "u.k", "e.g", "i.e", "a.m", "p.m",
}  # fmt: skip
# A break starts where a run of stops starts: tried inside a long run ("....."), the "+"
# would rescan the rest of it from every character (quadratic); the breaks found are the same.
SENTENCE_BREAK = regex.compile(r"(?<![.!?؟…])[.!?؟…]+[\"'”»)\]]*(?=\s)|\n+")
ABBREVIATION_BEFORE = regex.compile(r"([\w.]+)\.$")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, without the whitespace around it."""
    spans, start = [], 0
    for match in SENTENCE_BREAK.finditer(text):
        if match.group().startswith("."):
            word = ABBREVIATION_BEFORE.search(text[max(0, match.start() - 12) : match.start() + 1])
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


def sentence_of(spans: list[tuple[int, int]], position: int) -> tuple[int, int]:
    """The span of `spans` (sorted, not overlapping, as sentences() gives them) holding
    `position`, or an empty span there: a binary search, as it runs once per suggestion."""
    i = bisect.bisect_right(spans, (position, math.inf)) - 1  # the last span starting by it
    if i >= 0 and spans[i][0] <= position < spans[i][1]:
        return spans[i]
    return (position, position)


def lang_key(language: str) -> str:
    return "ar" if is_arabic(language) else "en"


def longest_first(found: list[dict]) -> list[dict]:
    """Drop matches inside or overlapping a longer match (e.g. "sources" in "security sources")."""
    kept: list[dict] = []
    # The kept spans, sorted by start: they do not overlap, so their ends are sorted too and
    # only the last one starting before a new span's end can reach into it (a binary search
    # instead of a scan of all). Empty spans come last (longest first) and overlap no other.
    starts: list[int] = []
    ends: list[int] = []
    for item in sorted(found, key=lambda f: (-(f["end"] - f["start"]), f["start"])):
        i = bisect.bisect_left(starts, item["end"])
        if i and ends[i - 1] > item["start"]:
            continue
        kept.append(item)
        if item["end"] > item["start"]:
            starts.insert(i, item["start"])
            ends.insert(i, item["end"])
    return sorted(kept, key=lambda f: f["start"])


ARABIC_SCRIPT = regex.compile(r"\p{Arabic}")
LATIN_SCRIPT = regex.compile(r"\p{Latin}")


def _script(line: str) -> str | None:
    arabic, latin = len(ARABIC_SCRIPT.findall(line)), len(LATIN_SCRIPT.findall(line))
    if arabic == latin == 0:
        return None
    return "ar" if arabic > latin else "latin"


def language_runs(text: str, language: str) -> list[tuple[int, int, str]]:
    """The text cut into runs of whole lines in one script, each with the language to read
    it in: the article's own for its script, Arabic for Arabic script in a Latin-script
    article, English for Latin script in an Arabic one. Lines without letters go with the
    run before them. One run for a text in one script."""
    own = "ar" if lang_key(language) == "ar" else "latin"
    read_as = {own: language, "ar": "ar", "latin": "en"}
    runs, start, current, position = [], 0, None, 0
    for line in text.split("\n"):
        script = _script(line)
        if script is not None and current is not None and script != current:
            runs.append((start, position, read_as[current]))
            start = position
        if script is not None:
            current = script
        position += len(line) + 1
    runs.append((start, len(text), read_as[current or own]))
    return runs

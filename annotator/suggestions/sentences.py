"""Sentences and small text helpers the suggesters share. Pure functions, no Django."""

import regex

from annotator.suggestions.lexicon import is_arabic

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


def sentence_of(spans: list[tuple[int, int]], position: int) -> tuple[int, int]:
    for span in spans:
        if span[0] <= position < span[1]:
            return span
    return (position, position)


def lang_key(language: str) -> str:
    return "ar" if is_arabic(language) else "en"


def longest_first(found: list[dict]) -> list[dict]:
    """Drop matches inside or overlapping a longer match (e.g. "sources" in "security sources")."""
    kept: list[dict] = []
    for item in sorted(found, key=lambda f: (-(f["end"] - f["start"]), f["start"])):
        if not any(item["start"] < k["end"] and k["start"] < item["end"] for k in kept):
            kept.append(item)
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

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

"""Reading the lines of a dataset file: our JSONL (schema 1.x) or doccano's JSONL, each
turned into the same plain dict for dataset_import.py to store. Pure: no database."""

import hashlib
import unicodedata

from annotator.annotations.kinds import KINDS, LINKS
from annotator.annotations.models import Status
from annotator.annotations.offsets import utf16_length, utf16_to_codepoint
from annotator.articles.models import ArticleStatus


class LineError(ValueError):
    """What is wrong with one line, for the person importing it."""


def parse_ours(data: dict, validator) -> dict:
    """A line of our JSONL (schema 1.x), checked against the schema and within itself."""
    if not str(data.get("schema_version", "")).startswith("1."):
        raise LineError(f"schema_version {data.get('schema_version')!r} is not supported (1.x is).")
    from jsonschema.exceptions import best_match  # loaded with the validator (dataset_import.py)

    problem = best_match(validator.iter_errors(data))
    if problem is not None:
        where = "".join(
            f"[{p}]" if isinstance(p, int) else f".{p}" for p in problem.absolute_path
        ).lstrip(".")
        raise LineError(f"{where or 'the line'}: {problem.message}")
    text = data["text"]
    check_text(text)
    if hashlib.sha256(text.encode()).hexdigest() != data["text_sha256"]:
        raise LineError("text_sha256 does not match the text.")
    sources = {s["id"]: s for s in data["sources"]}
    events = {e["id"]: e for e in data["events"]}
    span_ids = {s["id"] for s in data["spans"]}
    if len(span_ids) != len(data["spans"]):
        raise LineError("two spans have the same id.")
    for ref in [data["outlet"]] + [s["attributes"]["cited_source"] for s in data["spans"]]:
        if ref and ref["id"] not in sources:
            raise LineError(f"source {ref['id']} ({ref['name']}) is not in `sources`.")
    for span in data["spans"]:
        event_id = span["attributes"]["event"]
        if event_id is not None and event_id not in events:
            raise LineError(f"span {span['id']}: event {event_id} is not in `events`.")
    for link in data["links"]:
        if link["from"] not in span_ids or link["to"] not in span_ids:
            raise LineError(f"link {link['id']} joins a span that is not in `spans`.")
    for relation in data["relations"]:
        inside = relation["other_article"] == data["id"]
        if relation["claim"] not in span_ids or (
            inside and relation["other_claim"] not in span_ids
        ):
            raise LineError(f"relation {relation['id']} names a claim that is not in `spans`.")
    return {**data, "sources": sources, "events": events}


def parse_doccano(data: dict, offsets: str) -> dict:
    """A doccano line as one of ours (spans as drafts, offsets converted to code points)."""
    raw_text = data["text"]
    if not isinstance(raw_text, str) or not raw_text.strip():
        raise LineError("text must be a non-empty string.")
    text = normalise(raw_text)
    spans = [
        doccano_span(raw_text, text, index, entity, offsets, text == raw_text)
        for index, entity in enumerate(_doccano_entities(data))
    ]
    links = []
    for relation in data.get("relations") or []:
        try:
            kind = str(relation["type"]).lower()
            ends = (relation["from_id"], relation["to_id"])
        except (KeyError, TypeError) as exc:
            raise LineError("a relation needs from_id, to_id and type.") from exc
        if kind not in LINKS:
            raise LineError(f"relation type {relation['type']!r} is not one of {', '.join(LINKS)}.")
        links.append({"id": len(links) + 1, "kind": kind, "from": ends[0], "to": ends[1]})
    title = str(data.get("title") or (data.get("meta") or {}).get("title") or "").strip()
    return {
        "title": title or text.strip().split("\n", 1)[0][:120],
        "url": str(data.get("url") or ""),
        "language": str(data.get("language") or ""),
        "published_at": None,
        "published_precision": None,
        "status": ArticleStatus.NEW,
        "outlet": None,
        "text": text,
        "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "id": None,
        "spans": spans,
        "links": links,
        "relations": [],
        "events": {},
        "sources": {},
    }


def doccano_span(
    raw_text: str, text: str, index: int, entity, offsets: str, normal: bool = False
) -> dict:
    """One doccano label as one of our spans; `normal` says the text came normalised (NFC,
    "\n"), so that its offsets need no mapping."""
    try:
        if isinstance(entity, dict):
            span_id = entity.get("id", index + 1)
            start, end, label = entity["start_offset"], entity["end_offset"], entity["label"]
        else:
            span_id = index + 1
            start, end, label = entity
    except (KeyError, TypeError, ValueError) as exc:
        raise LineError(
            f"label {index + 1}: expected [start, end, label] or "
            "{start_offset, end_offset, label}."
        ) from exc
    if not (isinstance(start, int) and isinstance(end, int)) or not 0 <= start < end:
        raise LineError(f"label {index + 1}: start and end must be whole numbers, start < end.")
    kind = str(label).lower()
    if kind not in KINDS:
        raise LineError(f"label {index + 1}: {label!r} is not one of {', '.join(KINDS)}.")
    length = utf16_length(raw_text) if offsets == "utf16" else len(raw_text)
    if end > length:
        raise LineError(f"label {index + 1}: {start}–{end} is outside the text (length {length}).")
    if offsets == "utf16":
        try:
            start, end = utf16_to_codepoint(raw_text, start), utf16_to_codepoint(raw_text, end)
        except ValueError as exc:
            raise LineError(f"label {index + 1}: {exc}.") from exc
    # Offsets into the normalised text: normalise what precedes and what is covered.
    new_start = start if normal else len(normalise(raw_text[:start]))
    quote = raw_text[start:end] if normal else normalise(raw_text[start:end])
    return {
        "id": span_id,
        "kind": kind,
        "start": new_start,
        "end": new_start + len(quote),
        "quote": quote,
        "attributes": {},
        "status": Status.DRAFT,
        "annotator": None,
        "reviewer": None,
        "reviewed_at": None,
        "review_comment": "",
        "note": "",
    }


def _doccano_entities(data: dict) -> list:
    entities = data.get("entities", data.get("label", data.get("labels", [])))
    if entities is None:
        return []
    if not isinstance(entities, list):
        raise LineError("`label` / `entities` must be a list.")
    return entities


def normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def check_text(text: str) -> None:
    if "\r" in text or not unicodedata.is_normalized("NFC", text):
        raise LineError("text must be NFC with \\n line ends (as annotator exports it).")
    if not text.strip():
        raise LineError("text is blank.")

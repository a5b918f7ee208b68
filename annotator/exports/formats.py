"""Dataset formats. Each writer turns the records of records.py into text pieces (or
zip bytes) as they come, so an export never holds more than one chunk of articles.

- jsonl: the canonical format, one article per line (schema/article.v1.json).
- w3c:   W3C Web Annotation JSON-LD, one annotation per span and per link.
- csv:   one row per claim, with its attribution chain and hedges.
- brat:  brat standoff, a .txt and an .ann per article plus annotation.conf, in a .zip.
- zip:   a bundle of chosen formats with a dataset card (card.py).

Offsets are code points everywhere (brat reads its .txt as UTF-8 into a Python str and
indexes it, so its offsets are code points too).
"""

import csv
import json
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from annotator.annotations.offsets import span_context
from annotator.exports.records import Selection

W3C_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
FLUSH_BYTES = 64 * 1024


@dataclass(frozen=True)
class Format:
    key: str
    label: str
    filename: str
    content_type: str
    description: str


FORMATS = {
    f.key: f
    for f in [
        Format(
            "jsonl",
            "JSONL",
            "articles.jsonl",
            "application/jsonl; charset=utf-8",
            "One article per line with its spans, links, events and sources (canonical).",
        ),
        Format(
            "w3c",
            "W3C Web Annotation",
            "annotations.jsonld",
            'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"',
            "JSON-LD: one annotation per span (quote and position selectors), links "
            "as annotations on annotations.",
        ),
        Format(
            "csv",
            "CSV of claims",
            "claims.csv",
            "text/csv; charset=utf-8",
            "One row per claim: event, claimed time, outlet and grade, attribution "
            "chain, hedges, credibility, status.",
        ),
        Format(
            "brat",
            "brat standoff",
            "brat.zip",
            "application/zip",
            ".txt and .ann per article with annotation.conf, for brat-compatible tools.",
        ),
    ]
}
BUNDLE = Format(
    "zip",
    "Bundle",
    "dataset.zip",
    "application/zip",
    "The chosen formats in one .zip with a dataset card (README.md) and the schema.",
)


# JSONL ---------------------------------------------------------------------------------


def jsonl_lines(records: Iterable[dict]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


# W3C Web Annotation -------------------------------------------------------------------


def w3c_pieces(records: Iterable[dict], *, base: str, label: str, total: int) -> Iterator[str]:
    """One AnnotationCollection with all annotations on a single embedded page."""
    head = {
        "@context": W3C_CONTEXT,
        "id": f"{base}annotations",
        "type": "AnnotationCollection",
        "label": label,
        "total": total,
    }
    page_id = f"{base}annotations/page1"
    yield json.dumps(head, ensure_ascii=False)[:-1]
    yield f', "first": {{"id": "{page_id}", "type": "AnnotationPage", "startIndex": 0, "items": ['
    first = True
    for record in records:
        for item in w3c_annotations(record, base):
            yield ("\n" if first else ",\n") + json.dumps(item, ensure_ascii=False)
            first = False
    yield "\n]}}\n"


def w3c_annotations(record: dict, base: str) -> Iterator[dict]:
    text = record["text"]
    source = {
        "id": f"{base}articles/{record['id']}",
        "type": "Text",
        "format": "text/plain",
        "title": record["title"],
    }
    if record["language"]:
        source["language"] = record["language"]
    events = {event["id"]: event for event in record["events"]}
    for span in record["spans"]:
        prefix, suffix = span_context(text, span["start"], span["end"])
        target = {
            "source": source,
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": span["quote"],
                    "prefix": prefix,
                    "suffix": suffix,
                },
                {"type": "TextPositionSelector", "start": span["start"], "end": span["end"]},
            ],
        }
        if record["url"]:
            target["scope"] = record["url"]
        annotation = {
            "@context": W3C_CONTEXT,
            "id": f"{base}annotations/{span['id']}",
            "type": "Annotation",
            "motivation": "classifying",
            "body": _w3c_bodies(span, events),
            "target": target,
        }
        if span["annotator"]:
            annotation["creator"] = {"type": "Person", "nickname": span["annotator"]}
        yield annotation
    for relation in record["relations"]:
        if relation["claim"] < relation["other_claim"]:  # once, though both lines list it
            yield {
                "@context": W3C_CONTEXT,
                "id": f"{base}relations/{relation['id']}",
                "type": "Annotation",
                "motivation": "linking",
                "body": [
                    {"type": "TextualBody", "purpose": "tagging", "value": relation["kind"]},
                    f"{base}annotations/{relation['claim']}",
                ],
                "target": f"{base}annotations/{relation['other_claim']}",
            }
    for link in record["links"]:
        yield {
            "@context": W3C_CONTEXT,
            "id": f"{base}links/{link['id']}",
            "type": "Annotation",
            "motivation": "linking",
            "body": [
                {"type": "TextualBody", "purpose": "tagging", "value": link["kind"]},
                f"{base}annotations/{link['from']}",
            ],
            "target": f"{base}annotations/{link['to']}",
        }


def _w3c_bodies(span: dict, events: dict) -> list[dict]:
    attrs = span["attributes"]

    def body(purpose, value):
        return {"type": "TextualBody", "purpose": purpose, "value": value}

    bodies = [body("classifying", span["kind"]), body("tagging", f"status:{span['status']}")]
    if attrs["event"] in events:
        bodies.append(body("describing", f"event: {events[attrs['event']]['title']}"))
    if attrs["claimed_at"]:
        bodies.append(
            body("describing", f"claimed_at: {attrs['claimed_at']} ({attrs['claimed_precision']})")
        )
    if attrs["credibility"]:
        bodies.append(body("assessing", f"credibility: {attrs['credibility']}"))
    if attrs["cited_source"]:
        bodies.append(body("identifying", attrs["cited_source"]["name"]))
    if attrs["hedge_type"]:
        bodies.append(body("tagging", f"hedge_type:{attrs['hedge_type']}"))
    return bodies


# CSV of claims ------------------------------------------------------------------------

CSV_COLUMNS = [
    "article_id",
    "article_title",
    "outlet",
    "outlet_grade",
    "published_at",
    "claim_id",
    "start",
    "end",
    "quote",
    "event_id",
    "event",
    "claimed_at",
    "claimed_precision",
    "attribution_chain",
    "hedges",
    "credibility",
    "status",
    "annotator",
    "reviewer",
]
# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_CHAINS = 20


def spreadsheet_safe(value):
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class _Line:
    """csv.writer target that hands back what was written."""

    def write(self, value):
        return value


def csv_lines(records: Iterable[dict]) -> Iterator[str]:
    writer = csv.writer(_Line())
    # The BOM makes spreadsheet programs read the file as UTF-8 (Arabic stays legible).
    yield "\ufeff" + writer.writerow(CSV_COLUMNS)
    for record in records:
        for row in claim_rows(record):
            yield writer.writerow([spreadsheet_safe(row[c]) for c in CSV_COLUMNS])


def claim_rows(record: dict) -> Iterator[dict]:
    spans = {span["id"]: span for span in record["spans"]}
    events = {event["id"]: event for event in record["events"]}
    attributed_by, reached_via, hedged_by = defaultdict(list), defaultdict(list), defaultdict(list)
    for link in record["links"]:
        if link["kind"] == "attributes":
            attributed_by[link["to"]].append(link["from"])
        elif link["kind"] == "via":
            reached_via[link["to"]].append(link["from"])
        elif link["kind"] == "qualifies":
            hedged_by[link["to"]].append(link["from"])
    outlet = record["outlet"]
    for span in record["spans"]:
        if span["kind"] != "claim":
            continue
        attrs = span["attributes"]
        event = events.get(attrs["event"])
        chains = attribution_chains(
            span["id"], spans, attributed_by, reached_via, outlet["name"] if outlet else "?"
        )
        yield {
            "article_id": record["id"],
            "article_title": record["title"],
            "outlet": outlet["name"] if outlet else "",
            "outlet_grade": (outlet or {}).get("grade") or "",
            "published_at": record["published_at"] or "",
            "claim_id": span["id"],
            "start": span["start"],
            "end": span["end"],
            "quote": span["quote"],
            "event_id": attrs["event"] or "",
            "event": event["title"] if event else "",
            "claimed_at": attrs["claimed_at"] or "",
            "claimed_precision": attrs["claimed_precision"] or "",
            "attribution_chain": " | ".join(" ← ".join(chain) for chain in chains),
            "hedges": "; ".join(
                f"{spans[h]['quote']} ({spans[h]['attributes']['hedge_type'] or '?'})"
                for h in hedged_by[span["id"]]
            ),
            "credibility": attrs["credibility"] or "",
            "status": span["status"],
            "annotator": span["annotator"] or "",
            "reviewer": span["reviewer"] or "",
        }


def attribution_chains(claim_id, spans, attributed_by, reached_via, outlet_name) -> list[list]:
    """Who said it, outermost first: outlet ← cited source ← the source it had it from ….

    An attribution linked "attributes" to the claim starts a chain; each attribution
    linked "via" to it continues the chain. A cycle of via links ends the chain.
    """
    chains = []

    def name(attribution_id):
        source = spans[attribution_id]["attributes"]["cited_source"]
        return source["name"] if source else f"“{spans[attribution_id]['quote']}”"

    def walk(attribution_id, path, seen):
        path = [*path, name(attribution_id)]
        inner = [a for a in reached_via[attribution_id] if a not in seen]
        if not inner:
            if len(chains) < MAX_CHAINS:
                chains.append(path)
            return
        for next_id in inner:
            walk(next_id, path, seen | {next_id})

    for attribution_id in attributed_by[claim_id]:
        walk(attribution_id, [outlet_name], {attribution_id})
    return chains or [[outlet_name]]


# brat standoff ------------------------------------------------------------------------

BRAT_ENTITY = {"claim": "Claim", "attribution": "Attribution", "hedge": "Hedge"}
BRAT_RELATION = {"attributes": "Attributes", "qualifies": "Qualifies", "via": "Via"}
BRAT_CONF = """\
# brat annotation configuration written by annotator.
# Offsets in the .ann files are Unicode code points into the UTF-8 .txt files.
[entities]
Claim
Attribution
Hedge

[relations]
Attributes\tArg1:Attribution, Arg2:Claim
Qualifies\tArg1:Hedge, Arg2:Claim
Via\tArg1:Attribution, Arg2:Attribution
# Spans may nest or overlap (a hedge inside a claim).
<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>

[events]

[attributes]
Status\tArg:<ENTITY>, Value:suggested|draft|approved|rejected
HedgeType\tArg:Hedge, Value:hearsay|epistemic|approximator|unnamed_source
Credibility\tArg:Claim, Value:1|2|3|4|5|6
ClaimedPrecision\tArg:Claim, Value:minute|day|month|approximate
"""


def brat_fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """brat spans cannot cross a line break: split at each one (a discontinuous span)."""
    fragments, position = [], start
    for line in text[start:end].split("\n"):
        if line:
            fragments.append((position, position + len(line)))
        position += len(line) + 1
    return fragments


def brat_ann(record: dict) -> str:
    text = record["text"]
    lines, t_ids = [], {}
    attribute_count = note_count = 0
    events = {event["id"]: event for event in record["events"]}
    for number, span in enumerate(record["spans"], start=1):
        t_id = t_ids[span["id"]] = f"T{number}"
        fragments = brat_fragments(text, span["start"], span["end"])
        offsets = ";".join(f"{s} {e}" for s, e in fragments)
        covered = " ".join(text[s:e] for s, e in fragments)
        lines.append(f"{t_id}\t{BRAT_ENTITY[span['kind']]} {offsets}\t{covered}")
        attrs = span["attributes"]
        values = [
            ("Status", span["status"]),
            ("HedgeType", attrs["hedge_type"]),
            ("Credibility", attrs["credibility"]),
            ("ClaimedPrecision", attrs["claimed_precision"]),
        ]
        for name, value in values:
            if value:
                attribute_count += 1
                lines.append(f"A{attribute_count}\t{name} {t_id} {value}")
        notes = []
        if attrs["cited_source"]:
            notes.append(f"cited source: {attrs['cited_source']['name']}")
        if attrs["claimed_at"]:
            notes.append(f"claimed at: {attrs['claimed_at']}")
        if attrs["event"] in events:
            notes.append(f"event: {events[attrs['event']]['title']}")
        if notes:
            note_count += 1
            note = " ".join("; ".join(notes).split())  # no tabs or line breaks in a note
            lines.append(f"#{note_count}\tAnnotatorNotes {t_id}\t{note}")
    for number, link in enumerate(record["links"], start=1):
        lines.append(
            f"R{number}\t{BRAT_RELATION[link['kind']]} "
            f"Arg1:{t_ids[link['from']]} Arg2:{t_ids[link['to']]}"
        )
    return "".join(line + "\n" for line in lines)


def brat_entries(records: Iterable[dict], folder: str = "") -> Iterator[tuple[str, Iterable]]:
    yield f"{folder}annotation.conf", [BRAT_CONF]
    for record in records:
        yield f"{folder}{record['id']}.txt", [record["text"]]
        yield f"{folder}{record['id']}.ann", [brat_ann(record)]


# Zip streaming ------------------------------------------------------------------------


class _ZipSink:
    """A write-only, unseekable file for zipfile: it collects what is written until
    drained, so a zip can be streamed while it is being built."""

    def __init__(self):
        self.parts, self.size, self.position = [], 0, 0

    def write(self, data):
        self.parts.append(bytes(data))
        self.size += len(data)
        self.position += len(data)
        return len(data)

    def tell(self):
        return self.position

    def flush(self):
        pass

    def drain(self) -> bytes:
        data = b"".join(self.parts)
        self.parts, self.size = [], 0
        return data


def zip_stream(entries: Iterable[tuple[str, Iterable]]) -> Iterator[bytes]:
    """Stream a .zip of (name, pieces) entries; pieces are str (UTF-8) or bytes."""
    sink = _ZipSink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, pieces in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, mode="w", force_zip64=True) as member:
                for piece in pieces:
                    member.write(piece.encode() if isinstance(piece, str) else piece)
                    if sink.size >= FLUSH_BYTES:
                        yield sink.drain()
            if sink.size >= FLUSH_BYTES:
                yield sink.drain()
    yield sink.drain()


_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed: the same data gives the same bytes


def encoded(pieces: Iterable[str]) -> Iterator[bytes]:
    """UTF-8 bytes in blocks of about FLUSH_BYTES (fewer, larger writes to the client)."""
    buffer, size = [], 0
    for piece in pieces:
        data = piece.encode()
        buffer.append(data)
        size += len(data)
        if size >= FLUSH_BYTES:
            yield b"".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield b"".join(buffer)


def base_iri(selection: Selection) -> str:
    return f"urn:annotator:{selection.project.slug}:"


def text_pieces(key: str, records: Iterable[dict], selection: Selection, total: int = 0):
    """The text of one format (not brat, which is a set of files)."""
    if key == "jsonl":
        return jsonl_lines(records)
    if key == "w3c":
        return w3c_pieces(
            records, base=base_iri(selection), label=selection.project.name, total=total
        )
    if key == "csv":
        return csv_lines(records)
    raise ValueError(f"{key} is not a text format")

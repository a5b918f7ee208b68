"""The CSV of claims: one row per claim with its event, claimed time, outlet and grade,
attribution chain (the event analysis's rule, events/timeline.py), hedges, credibility
and status. UTF-8 with a byte-order mark; formula-like cells defused."""

import csv
from collections import defaultdict
from collections.abc import Iterable, Iterator

from annotator.annotations.kinds import ATTRIBUTES, CLAIM, QUALIFIES, VIA
from annotator.events.timeline import attribution_paths, claim_chains, source_label
from annotator.spreadsheet import FORMULA_START, spreadsheet_row

# FORMULA_START stays importable from here (the rule itself is annotator/spreadsheet.py).
__all__ = ["CSV_COLUMNS", "FORMULA_START", "claim_rows", "csv_lines"]

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
            yield writer.writerow(spreadsheet_row(row[c] for c in CSV_COLUMNS))


def claim_rows(record: dict) -> Iterator[dict]:
    spans = {span["id"]: span for span in record["spans"]}
    events = {event["id"]: event for event in record["events"]}
    attributed_by, reached_via, hedged_by = defaultdict(list), defaultdict(list), defaultdict(list)
    for link in record["links"]:
        if link["kind"] == ATTRIBUTES:
            attributed_by[link["to"]].append(link["from"])
        elif link["kind"] == VIA:
            reached_via[link["to"]].append(link["from"])
        elif link["kind"] == QUALIFIES:
            hedged_by[link["to"]].append(link["from"])
    outlet = record["outlet"]

    def label_of(attribution_id):
        cited = spans[attribution_id]["attributes"]["cited_source"]
        label = source_label(cited["name"] if cited else None, spans[attribution_id]["quote"])
        return label, cited["id"] if cited else None

    for span in record["spans"]:
        if span["kind"] != CLAIM:
            continue
        attrs = span["attributes"]
        event = events.get(attrs["event"])
        paths = attribution_paths(span["id"], attributed_by, reached_via)
        chains = claim_chains(outlet["name"] if outlet else "?", paths, label_of)
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
            "attribution_chain": " | ".join(str(chain) for chain in chains),
            "hedges": "; ".join(
                f"{spans[h]['quote']} ({spans[h]['attributes']['hedge_type'] or '?'})"
                for h in hedged_by[span["id"]]
            ),
            "credibility": attrs["credibility"] or "",
            "status": span["status"],
            "annotator": span["annotator"] or "",
            "reviewer": span["reviewer"] or "",
        }

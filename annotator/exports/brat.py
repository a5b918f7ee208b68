"""brat standoff: a .txt and an .ann per article, and annotation.conf, written from the
kind registry. Offsets are code points (brat reads the .txt as UTF-8 into a Python str)."""

from collections.abc import Iterable, Iterator

from annotator.annotations.kinds import KINDS, LINKS
from annotator.annotations.models import HedgeType, Status, TimePrecision

# Span attributes written as brat attributes: (brat name, values), on the kinds whose field
# it is (kinds.KindSpec.fields).
FIELD_ATTRIBUTES = {
    "hedge_type": ("HedgeType", HedgeType.values),
    "credibility": ("Credibility", [str(n) for n in range(1, 7)]),
    "claimed_precision": ("ClaimedPrecision", TimePrecision.values),
}


def brat_conf() -> str:
    """annotation.conf for the kinds and links of the registry."""
    entities = [spec.brat for spec in KINDS.values()]
    relations = [
        f"{link.brat}\tArg1:{KINDS[link.source].brat}, Arg2:{KINDS[link.target].brat}"
        for link in LINKS.values()
    ]
    attributes = [f"Status\tArg:<ENTITY>, Value:{'|'.join(Status.values)}"]
    for field, (name, values) in FIELD_ATTRIBUTES.items():
        owners = [spec.brat for spec in KINDS.values() if field in spec.fields]
        if owners:
            attributes.append(f"{name}\tArg:{'|'.join(owners)}, Value:{'|'.join(values)}")
    return "\n".join(
        [
            "# brat annotation configuration written by annotator.",
            "# Offsets in the .ann files are Unicode code points into the UTF-8 .txt files.",
            "[entities]",
            *entities,
            "",
            "[relations]",
            *relations,
            "# Spans may nest or overlap (a hedge inside a claim).",
            "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>",
            "",
            "[events]",
            "",
            "[attributes]",
            *attributes,
            "",
        ]
    )


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
        lines.append(f"{t_id}\t{KINDS[span['kind']].brat} {offsets}\t{covered}")
        attrs = span["attributes"]
        values = [("Status", span["status"])] + [
            (name, attrs[field]) for field, (name, _) in FIELD_ATTRIBUTES.items()
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
            f"R{number}\t{LINKS[link['kind']].brat} "
            f"Arg1:{t_ids[link['from']]} Arg2:{t_ids[link['to']]}"
        )
    return "".join(line + "\n" for line in lines)


def brat_entries(records: Iterable[dict], folder: str = "") -> Iterator[tuple[str, Iterable]]:
    yield f"{folder}annotation.conf", [brat_conf()]
    for record in records:
        yield f"{folder}{record['id']}.txt", [record["text"]]
        yield f"{folder}{record['id']}.ann", [brat_ann(record)]

"""W3C Web Annotation JSON-LD: one AnnotationCollection, an annotation per span (quote
and position selectors), links and claim relations as annotations on annotations."""

import json
from collections.abc import Iterable, Iterator

from annotator.annotations.offsets import span_context

W3C_CONTEXT = "http://www.w3.org/ns/anno.jsonld"


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

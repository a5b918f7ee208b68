"""Shared by the export and import tests: demo data with review decisions, a hostile
article, and readers for each export format."""

import copy
import csv
import hashlib
import io
import json
import tempfile
import zipfile
from pathlib import Path

from django.core.management import call_command

from annotator.annotations.kinds import CLAIM
from annotator.annotations.models import Annotation, Status
from annotator.annotations.services import annotation_create, annotation_update
from annotator.articles.models import Article

SCRIPT = "<script>alert('x')</script>"


def review_demo(users, keep_draft=("The Northern Ledger",)):
    """Approve every demo span except those of the outlets in keep_draft; reject one."""
    spans = Annotation.objects.exclude(article__outlet__name__in=keep_draft).order_by("pk")
    for span in spans:
        annotation_update(
            annotation=span,
            version=span.version,
            user=users["reviewer"],
            status=Status.APPROVED,
            reviewed_by=users["reviewer"],
            review_comment="",
        )
    rejected = Annotation.objects.filter(quote="housed about 300 personnel").get()
    annotation_update(
        annotation=rejected,
        version=rejected.version,
        user=users["reviewer"],
        status=Status.REJECTED,
        review_comment="Number not in the claim span guideline.",
    )


def add_hostile_article(project, user, status=Status.APPROVED):
    """An article whose text and quote hold markup and a spreadsheet formula."""
    text = f'=HYPERLINK("http://x") {SCRIPT} says a caption, quoting "a",b.'
    article = Article.objects.create(
        project=project,
        title=f"Markup {SCRIPT}",
        text=text,
        text_sha256=hashlib.sha256(text.encode()).hexdigest(),
        uploaded_by=user,
    )
    for quote in (SCRIPT, '=HYPERLINK("http://x")'):
        start = text.index(quote)
        annotation_create(
            article=article,
            kind=CLAIM,
            start=start,
            end=start + len(quote),
            quote=quote,
            created_by=user,
            status=status,
        )
    return article


def export_bytes(slug, fmt, *extra) -> bytes:
    """What `manage.py export_dataset --project slug --format fmt … --output FILE` writes."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export"
        call_command(
            "export_dataset",
            "--project",
            slug,
            "--format",
            fmt,
            "--output",
            str(path),
            *extra,
            stderr=io.StringIO(),
        )
        return path.read_bytes()


def jsonl_rows(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def brat_files(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def parse_ann(ann: str) -> dict:
    """A small brat .ann reader: T (with discontinuous fragments), R, A and # lines."""
    parsed = {"T": {}, "R": {}, "A": {}, "#": {}}
    for line in ann.splitlines():
        ident, rest = line.split("\t", 1)
        if ident.startswith("T"):
            type_and_offsets, covered = rest.split("\t", 1)
            kind, offsets = type_and_offsets.split(" ", 1)
            fragments = [tuple(map(int, part.split())) for part in offsets.split(";")]
            parsed["T"][ident] = (kind, fragments, covered)
        elif ident.startswith("R"):
            kind, arg1, arg2 = rest.split()
            parsed["R"][ident] = (kind, arg1.removeprefix("Arg1:"), arg2.removeprefix("Arg2:"))
        elif ident.startswith("A"):
            parsed["A"][ident] = tuple(rest.split())
        elif ident.startswith("#"):
            parsed["#"][ident] = tuple(rest.split("\t"))
        else:
            raise AssertionError(f"unexpected brat line {line!r}")
    return parsed


def canonical(rows: list[dict]) -> list[dict]:
    """JSONL rows without server-specific ids: references become positions (article in
    the file, span in its article, event in its line) or names (sources)."""
    where = {
        (row["id"], span["id"]): (i, j)
        for i, row in enumerate(rows)
        for j, span in enumerate(row["spans"])
    }
    return [_canonical_row(row, where) for row in rows]


def _canonical_row(row: dict, where: dict) -> dict:
    row = copy.deepcopy(row)
    spans = {span["id"]: i for i, span in enumerate(row["spans"])}
    events = {event["id"]: i for i, event in enumerate(row["events"])}
    if row["outlet"]:
        del row["outlet"]["id"]
    for span in row["spans"]:
        span["id"] = spans[span["id"]]
        attrs = span["attributes"]
        attrs["event"] = events.get(attrs["event"])
        if attrs["cited_source"]:
            del attrs["cited_source"]["id"]
    for link in row["links"]:
        del link["id"]
        link["from"], link["to"] = spans[link["from"]], spans[link["to"]]
    for relation in row["relations"]:
        del relation["id"]
        relation["claim"] = spans[relation["claim"]]
        relation["other"] = where[(relation.pop("other_article"), relation.pop("other_claim"))]
    for event in row["events"]:
        del event["id"]
        event["claims"] = [spans[c] for c in event["claims"]]
    for source in row["sources"]:
        del source["id"]
    del row["id"]
    return row

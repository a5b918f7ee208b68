"""Shared by the export and import tests: four reports of one withdrawal (graded outlets,
an event, claims that agree and contradict), review decisions, a hostile article, and
readers for each export format."""

import copy
import csv
import hashlib
import io
import json
import tempfile
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import factories
from django.core.management import call_command

from annotator.annotations.kinds import ATTRIBUTION, CLAIM, HEDGE, VIA
from annotator.annotations.models import Annotation, HedgeType, Status
from annotator.annotations.services import annotation_create, annotation_update
from annotator.articles.models import Article
from annotator.events.services import claim_relation_create
from annotator.sources.models import SourceKind
from annotator.sources.services import assessment_create

SCRIPT = "<script>alert('x')</script>"
EVENT = "Withdrawal from Tal Safra base"
EMOJI_QUOTE = "انسحبت القوات الأجنبية من قاعدة تل صفرا فجر الثلاثاء 🚚"
REJECTED_QUOTE = "housed about 300 personnel"

WIRE_TEXT = (
    "QARMAL, March 12 (Meridian Wire) - Foreign troops withdrew from the Tal Safra base "
    "on Tuesday, two local officials told Meridian Wire.\n\n"
    "The base lies 3 km west of Qarmal airport and housed about 300 personnel."
)
LEDGER_TEXT = (
    "Foreign forces have reportedly evacuated the Tal Safra base near Qarmal, "
    "Meridian Wire reported, citing local officials.\n\n"
    "The withdrawal is said to have followed weeks of rocket attacks on the area."
)
SAHIL_TEXT = (
    "أفادت مصادر محلية لصحيفة الساحل بأن القوات الأجنبية أخلت قاعدة تل صفرا "
    "يوم الاثنين.\n\n"
    "وتقع القاعدة على بعد نحو 3 كم غرب مطار قرمل."
)
RASED_TEXT = (
    "نقلاً عن وكالة ميريديان (Meridian Wire)، انسحبت القوات الأجنبية من قاعدة تل صفرا "
    "فجر الثلاثاء 🚚.\n\n"
    "وبحسب مصادر، فإن القاعدة تبعد 5 كم عن المطار."
)


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def four_reports(team) -> dict[str, Article]:
    """Four outlets report one (invented) withdrawal and disagree on the day: the articles
    "wire", "ledger", "sahil" and "rased", in that order. Every span is a draft by
    team["annotator"]; the grades are team["reviewer"]'s.

    - wire, Meridian Wire (news agency, two Arabic other names, graded C, later B):
      troops withdrew on Tuesday, "two local officials told Meridian Wire"; the hedge
      "about" qualifies the claim "housed about 300 personnel".
    - ledger, The Northern Ledger (C): forces have "reportedly" (hearsay) evacuated the
      base, "Meridian Wire reported", which reached it "citing local officials" (via).
    - sahil, Al-Sahil Daily (C, Arabic): local officials told it the base was left on
      Monday.
    - rased, Rased Network (Telegram channel, E, Arabic): citing Meridian Wire, troops
      left at dawn on Tuesday 🚚.

    The four withdrawal claims are in the event "Withdrawal from Tal Safra base"; the
    wire's is the same assertion as the Ledger's and Rased's, and contradicts Al-Sahil's.
    """
    newsroom, reviewer = team.project, team["reviewer"]
    meridian = factories.source(
        newsroom,
        "Meridian Wire",
        kind=SourceKind.AGENCY,
        aliases=["ميريديان", "وكالة ميريديان"],
    )
    for grade, on in (("C", "2024-06-01"), ("B", "2025-01-15")):
        assessment_create(
            source=meridian,
            grade=grade,
            rationale="Checked against other outlets.",
            user=reviewer,
            assessed_at=day(on),
        )
    northern_ledger = factories.source(
        newsroom, "The Northern Ledger", grade="C", graded_by=reviewer
    )
    al_sahil = factories.source(newsroom, "Al-Sahil Daily", grade="C", graded_by=reviewer)
    rased_network = factories.source(
        newsroom, "Rased Network", kind=SourceKind.SOCIAL, grade="E", graded_by=reviewer
    )
    officials = factories.source(newsroom, "local officials", kind=SourceKind.ANONYMOUS)
    withdrawal = factories.event(
        newsroom, EVENT, start_date=date(2025, 3, 10), end_date=date(2025, 3, 11)
    )

    def report(key, outlet, text, title, published, language="en"):
        return factories.article(
            newsroom,
            text,
            title=title,
            outlet=outlet,
            language=language,
            published_at=day(published),
            url=f"https://{key}.example/tal-safra",
            uploaded_by=team["owner"],
        )

    def mark(article, quote, kind=CLAIM, **fields):
        return factories.span(article, quote, kind, by=team["annotator"], **fields)

    def withdrawal_claim(article, quote, claimed_at=None, precision=""):
        when = {"claimed_at": day(claimed_at), "claimed_precision": precision} if claimed_at else {}
        return mark(article, quote, event=withdrawal, **when)

    wire = report("wire", meridian, WIRE_TEXT, "Troops leave Tal Safra base", "2025-03-12")
    on_tuesday = withdrawal_claim(
        wire, "Foreign troops withdrew from the Tal Safra base on Tuesday", "2025-03-11", "day"
    )
    told = mark(wire, "two local officials told Meridian Wire", ATTRIBUTION, cited_source=officials)
    factories.link(told, on_tuesday)
    about = mark(wire, "about", HEDGE, hedge_type=HedgeType.APPROXIMATOR)
    factories.link(about, mark(wire, REJECTED_QUOTE))

    ledger = report("ledger", northern_ledger, LEDGER_TEXT, "Troops pull out", "2025-03-13")
    evacuated = withdrawal_claim(
        ledger, "Foreign forces have reportedly evacuated the Tal Safra base near Qarmal"
    )
    factories.link(mark(ledger, "reportedly", HEDGE, hedge_type=HedgeType.HEARSAY), evacuated)
    reported = mark(ledger, "Meridian Wire reported", ATTRIBUTION, cited_source=meridian)
    factories.link(reported, evacuated)
    citing = mark(ledger, "citing local officials", ATTRIBUTION, cited_source=officials)
    factories.link(citing, reported, kind=VIA)

    sahil = report("sahil", al_sahil, SAHIL_TEXT, "إخلاء قاعدة تل صفرا", "2025-03-11", "ar")
    on_monday = withdrawal_claim(
        sahil, "القوات الأجنبية أخلت قاعدة تل صفرا يوم الاثنين", "2025-03-10", "day"
    )
    told_sahil = mark(sahil, "أفادت مصادر محلية لصحيفة الساحل", ATTRIBUTION, cited_source=officials)
    factories.link(told_sahil, on_monday)

    rased = report("rased", rased_network, RASED_TEXT, "راصد: انسحاب", "2025-03-12", "ar")
    at_dawn = withdrawal_claim(rased, EMOJI_QUOTE, "2025-03-11", "approximate")
    quoting = "نقلاً عن وكالة ميريديان (Meridian Wire)"
    factories.link(mark(rased, quoting, ATTRIBUTION, cited_source=meridian), at_dawn)

    for other, kind in ((evacuated, "same"), (at_dawn, "same"), (on_monday, "contradicts")):
        claim_relation_create(claim=on_tuesday, other=other, kind=kind, user=team["annotator"])
    return {"wire": wire, "ledger": ledger, "sahil": sahil, "rased": rased}


def review_reports(team, keep_draft=("The Northern Ledger",)):
    """team["reviewer"] approves every span of the team's project except those of the
    outlets in keep_draft, and rejects the claim "housed about 300 personnel"."""
    reviewer = team["reviewer"]
    spans = (
        Annotation.objects.filter(article__project=team.project)
        .exclude(article__outlet__name__in=keep_draft)
        .order_by("pk")
    )
    for span in spans:
        annotation_update(
            annotation=span,
            version=span.version,
            user=reviewer,
            status=Status.APPROVED,
            reviewed_by=reviewer,
            review_comment="",
        )
    rejected = Annotation.objects.get(article__project=team.project, quote=REJECTED_QUOTE)
    annotation_update(
        annotation=rejected,
        version=rejected.version,
        user=reviewer,
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

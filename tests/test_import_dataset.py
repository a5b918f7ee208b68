"""`manage.py import_dataset`: our JSONL back (the round trip), doccano's JSONL, and bad
lines reported by number with nothing of them stored."""

import io
import json

import factories
import pytest
from django.core.management import CommandError, call_command
from export_helpers import (
    add_hostile_article,
    canonical,
    export_bytes,
    four_reports,
    jsonl_rows,
    review_reports,
)

from annotator.annotations.models import Annotation, Link
from annotator.articles.models import Article
from annotator.events.models import ClaimRelation, Event
from annotator.sources.models import ReliabilityAssessment, Source


@pytest.fixture
def reports(team):
    """Four reports of the Tal Safra withdrawal (export_helpers.four_reports): five sources
    (Meridian Wire graded C, later B), one event, claim relations across articles."""
    return four_reports(team)


@pytest.fixture
def empty(team):
    """The project the dataset moves to, owned by the same owner; the team are members (the
    import credits work to members only)."""
    moved = factories.project("Moved", slug="moved", owner=team["owner"], guidelines="Same rules.")
    for name in ("reviewer", "annotator", "annotator2"):
        moved.memberships.create(
            user=team[name], role=team.project.memberships.get(user=team[name]).role
        )
    return moved


def import_lines(tmp_path, lines, *extra, slug="moved"):
    path = tmp_path / "upload.jsonl"
    path.write_bytes(
        b"".join((line if isinstance(line, bytes) else line.encode()) + b"\n" for line in lines)
    )
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_dataset", str(path), "--project", slug, *extra, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), str(exc)
    return out.getvalue(), err.getvalue(), None


@pytest.mark.parametrize("include", [["--include-all"], []], ids=["all", "approved"])
def test_round_trip_gives_the_same_export(tmp_path, team, reports, empty, include):
    review_reports(team)
    add_hostile_article(team.project, team["annotator"])
    first = export_bytes(team.slug, "jsonl", *include)
    out, err, failed = import_lines(tmp_path, first.decode().splitlines())
    assert failed is None, err
    second = export_bytes("moved", "jsonl", *include)
    assert canonical(jsonl_rows(second)) == canonical(jsonl_rows(first))
    assert len(jsonl_rows(second)) == (5 if include else 4)
    # The other formats follow from the same data.
    for fmt in ("csv", "w3c"):
        moved = export_bytes("moved", fmt, *include).replace(b"moved", team.slug.encode())
        assert moved.count(b"\n") == export_bytes(team.slug, fmt, *include).count(b"\n")


def test_round_trip_brings_sources_events_and_grades(tmp_path, team, reports, empty):
    rows = jsonl_rows(export_bytes(team.slug, "jsonl", "--include-all"))
    out, err, failed = import_lines(tmp_path, [json.dumps(row) for row in rows])
    assert failed is None
    spans = sum(len(row["spans"]) for row in rows)
    links = sum(len(row["links"]) for row in rows)
    relations = len({r["id"] for row in rows for r in row["relations"]})
    assert relations > 0
    assert (
        f"4 articles, {spans} annotations and {links} links imported ({relations} claim "
        "relations, 5 new sources, 1 new event)"
    ) in out
    meridian = Source.objects.get(project=empty, name="Meridian Wire")
    assert meridian.aliases == ["ميريديان", "وكالة ميريديان"]
    grades = ReliabilityAssessment.objects.filter(source=meridian).order_by("assessed_at")
    assert [(a.grade, a.assessed_by.username) for a in grades] == [
        ("C", "reviewer"),
        ("B", "reviewer"),
    ]
    (event,) = Event.objects.filter(project=empty)
    assert event.claims.count() == Annotation.objects.filter(event__project=team.project).count()
    assert str(event.start_date) == "2025-03-10"
    assert ClaimRelation.objects.filter(claim_a__article__project=empty).count() == relations
    emoji = Annotation.objects.get(article__project=empty, quote__endswith="🚚")
    assert emoji.article.text[emoji.start : emoji.end] == emoji.quote
    assert emoji.created_by.username == "annotator"
    # Importing the same file again adds nothing: every article is already there.
    out, err, failed = import_lines(
        tmp_path, export_bytes(team.slug, "jsonl", "--include-all").decode().splitlines()
    )
    assert out.count("skipped: the same text is already in the project") == 4
    assert Article.objects.filter(project=empty).count() == 4


def test_bad_lines_are_reported_by_number_and_store_nothing(tmp_path, team, reports, empty):
    rows = jsonl_rows(export_bytes(team.slug, "jsonl", "--include-all"))
    good, wrong_quote, bad_link, bad_hash = (json.loads(json.dumps(r)) for r in rows)
    wrong_quote["spans"][-1]["quote"] = "not in the text"
    wrong_quote["spans"][-1]["end"] = wrong_quote["spans"][-1]["start"] + 15
    bad_link["links"][0]["to"] = 999999
    bad_hash["text_sha256"] = "0" * 64
    missing = dict(good)
    del missing["spans"]
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps(wrong_quote),
        json.dumps(bad_link),
        json.dumps(bad_hash),
        json.dumps(missing),
        "",
        b"\xff\xfe broken bytes",
        json.dumps({"title": "neither format"}),
    ]
    out, err, failed = import_lines(tmp_path, lines)
    assert failed == "7 lines were not imported."
    assert "line 2: not valid JSON" in err
    assert "line 3: span " in err and "does not match the article" in err
    assert "line 4: link" in err
    assert "line 5: text_sha256 does not match the text." in err
    assert "line 6: the line: 'spans' is a required property" in err
    assert "line 8: not UTF-8 text" in err
    assert "line 9: neither an annotator line" in err
    assert "1 article, " in out
    # Only the good line's article and its spans, sources and event are stored.
    assert Article.objects.filter(project=empty).count() == 1
    assert Annotation.objects.filter(article__project=empty).count() == len(good["spans"])
    assert Link.objects.filter(from_annotation__article__project=empty).count() == len(
        good["links"]
    )
    assert set(Source.objects.filter(project=empty).values_list("name", flat=True)) == {
        s["name"] for s in good["sources"]
    }


def test_doccano_lines_with_utf16_offsets_and_relations(tmp_path, empty):
    text = "Rockets hit 🚀 the port, reportedly.\r\nOfficials said so."
    # doccano counts UTF-16 units: the emoji is two, so "the port" is 15–23 there.
    assert text[14:22] == "the port"
    lines = [
        json.dumps({"text": text, "label": [[15, 23, "CLAIM"], [25, 35, "hedge"]]}),
        json.dumps(
            {
                "id": 7,
                "text": "Officials said the bridge fell.",
                "entities": [
                    {"id": 1, "label": "attribution", "start_offset": 0, "end_offset": 14},
                    {"id": 2, "label": "claim", "start_offset": 15, "end_offset": 30},
                ],
                "relations": [{"id": 1, "from_id": 1, "to_id": 2, "type": "attributes"}],
            }
        ),
        json.dumps({"text": "A person spoke.", "label": [[0, 8, "PERSON"]]}),
    ]
    out, err, failed = import_lines(tmp_path, lines)
    assert "line 3: label 1: 'PERSON' is not one of claim, attribution, hedge." in err
    first = Article.objects.get(project=empty, title__startswith="Rockets")
    assert "\r" not in first.text  # stored normalised; offsets follow
    spans = {a.kind: a for a in first.annotations.all()}
    assert spans["claim"].quote == "the port" and spans["hedge"].quote == "reportedly"
    for span in spans.values():
        assert first.text[span.start : span.end] == span.quote
    second = Article.objects.get(project=empty, title="Officials said the bridge fell.")
    (link,) = Link.objects.filter(from_annotation__article=second)
    assert (link.from_annotation.quote, link.kind, link.to_annotation.quote) == (
        "Officials said",
        "attributes",
        "the bridge fell",
    )


def test_doccano_code_point_offsets_when_asked(tmp_path, empty):
    line = json.dumps({"text": "Hit 🚀 the port.", "label": [[6, 14, "claim"]]})
    out, err, failed = import_lines(tmp_path, [line], "--doccano-offsets", "codepoint")
    assert failed is None
    (span,) = Annotation.objects.filter(article__project=empty)
    assert span.quote == "the port"


def test_import_needs_a_known_project_and_file(tmp_path, team):
    with pytest.raises(CommandError, match="No project"):
        call_command("import_dataset", "x.jsonl", "--project", "nope")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_dataset", str(tmp_path / "missing.jsonl"), "--project", team.slug)


def test_relations_to_claims_not_imported_are_reported(tmp_path, team, reports, empty):
    rows = jsonl_rows(export_bytes(team.slug, "jsonl", "--include-all"))
    first = next(row for row in rows if row["relations"])
    out, err, failed = import_lines(tmp_path, [json.dumps(first)])
    assert failed is None
    assert "claim relations were not imported: their other claim is not in the file" in err
    assert not ClaimRelation.objects.filter(claim_a__article__project=empty).exists()

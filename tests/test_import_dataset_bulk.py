"""The dataset import writes each batch of lines in bulk: the history still names the
importer, a bad line is still reported by its number while the rest of its batch goes in,
links stay inside one article, and a batch costs a bounded number of queries."""

import contextlib
import io
import json

import factories
import pghistory.models
import pytest
from django.core.management import CommandError, call_command
from export_helpers import export_bytes, jsonl_rows

from annotator.annotations.kinds import ATTRIBUTION, CLAIM
from annotator.annotations.models import Annotation, Link
from annotator.articles.models import Article, ArticleStatus


def run_import(tmp_path, slug, lines, *extra):
    path = tmp_path / "upload.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.suppress(CommandError):  # some lines failed: the report says which
        call_command("import_dataset", str(path), "--project", slug, *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def doccano(number: int, spans: int = 2, relations=()) -> str:
    """A doccano line: report `number` with `spans` labelled words (claim, attribution…)."""
    words = [f"word{number}x{index}" for index in range(max(spans, 1))]
    text = f"Report {number} says " + " ".join(words) + "."
    entities, position = [], len(f"Report {number} says ")
    for index, word in enumerate(words[:spans]):
        label = CLAIM if index % 2 == 0 else ATTRIBUTION
        entities.append(
            {
                "id": index + 1,
                "label": label,
                "start_offset": position,
                "end_offset": position + len(word),
            }
        )
        position += len(word) + 1
    return json.dumps({"text": text, "entities": entities, "relations": list(relations)})


@pytest.fixture
def newsroom(team):
    return team.project


def test_bulk_imported_spans_and_links_are_in_the_history_as_the_importers(
    tmp_path, team, newsroom
):
    line = doccano(1, relations=[{"id": 1, "from_id": 2, "to_id": 1, "type": "attributes"}])
    out, err = run_import(tmp_path, newsroom.slug, [line], "--doccano-offsets", "codepoint")
    assert "1 article, 2 annotations and 1 link imported" in out, err
    spans = list(Annotation.objects.filter(article__project=newsroom))
    assert {span.created_by for span in spans} == {team["owner"]}
    for tracked in [*spans, Link.objects.get(from_annotation__article__project=newsroom)]:
        (event,) = pghistory.models.Events.objects.tracks(tracked)
        assert event.pgh_label == "insert"
        assert event.pgh_context["user"] == team["owner"].pk
    # A person's spans start the work, as one span at a time does.
    assert Article.objects.get(project=newsroom).status == ArticleStatus.IN_PROGRESS


def test_a_bad_line_in_a_batch_is_reported_by_number_and_the_others_go_in(tmp_path, newsroom):
    bad = json.loads(doccano(3))
    first = bad["entities"][0]
    first["start_offset"], first["end_offset"] = first["start_offset"] - 1, first["start_offset"]
    lines = [doccano(1), doccano(2), json.dumps(bad), "{not json", doccano(5)]
    out, err = run_import(tmp_path, newsroom.slug, lines, "--doccano-offsets", "codepoint")
    assert "line 4: not valid JSON" in err
    assert "line 3: span 1: A span cannot be only whitespace." in err
    assert "3 articles, 6 annotations and 0 links imported" in out
    titles = set(Article.objects.filter(project=newsroom).values_list("title", flat=True))
    assert titles == {f"Report {n} says word{n}x0 word{n}x1." for n in (1, 2, 5)}


def test_a_link_to_a_span_of_another_line_is_refused_with_its_line(tmp_path, newsroom):
    across = doccano(2, relations=[{"id": 1, "from_id": 9, "to_id": 1, "type": "attributes"}])
    unfitting = doccano(3, relations=[{"id": 1, "from_id": 1, "to_id": 2, "type": "attributes"}])
    lines = [doccano(1), across, unfitting, doccano(4)]
    out, err = run_import(tmp_path, newsroom.slug, lines, "--doccano-offsets", "codepoint")
    assert "line 2: link 1 joins a span that is not in the line." in err
    assert "line 3: link 1: “attributes” joins an attribution to a claim" in err
    assert Article.objects.filter(project=newsroom).count() == 2
    assert not Link.objects.filter(from_annotation__article__project=newsroom).exists()


def test_a_batch_the_database_refuses_goes_line_by_line(tmp_path, team):
    """Two members' marks of one passage become the importer's in a project where they are
    not members: the second is refused, and only its line is lost."""
    text = factories.article(team.project, "Troops left the base on Tuesday, officials said.")
    for person in ("annotator", "annotator2"):
        factories.span(text, "Troops left the base", by=team[person])
    factories.article(team.project, "The bridge fell, residents said.")
    rows = jsonl_rows(export_bytes(team.slug, "jsonl", "--include-all"))
    elsewhere = factories.project(slug="elsewhere", owner=team["owner"])
    out, err = run_import(tmp_path, "elsewhere", [json.dumps(row) for row in rows])
    (refused,) = [n for n, row in enumerate(rows, 1) if len(row["spans"]) == 2]
    assert f"line {refused}: span" in err
    assert "You have marked this passage as a claim already." in err
    assert list(Article.objects.filter(project=elsewhere).values_list("title", flat=True)) == [
        "The bridge fell, residents said."
    ]


def test_a_batch_takes_a_bounded_number_of_queries(
    tmp_path, newsroom, django_assert_max_num_queries
):
    relations = [{"id": n, "from_id": n + 1, "to_id": n, "type": "attributes"} for n in (1, 3, 5)]
    lines = [doccano(n, spans=10, relations=relations) for n in range(200)]
    with django_assert_max_num_queries(20):
        out, err = run_import(tmp_path, newsroom.slug, lines, "--doccano-offsets", "codepoint")
    assert "200 articles, 2000 annotations and 600 links imported" in out, err
    assert Annotation.objects.filter(article__project=newsroom).count() == 2000

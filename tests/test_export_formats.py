"""Every export format, validated: JSONL against its JSON Schema and through the Hugging
Face loader, W3C JSON-LD keys and selectors, CSV rows, brat files parsed back, the
bundle's dataset card. Arabic and emoji spans: text[start:end] == quote everywhere."""

import copy
import io
import json
import zipfile

import datasets
import pytest
from export_helpers import (
    EMOJI_QUOTE,
    SCRIPT,
    add_hostile_article,
    brat_files,
    csv_rows,
    export_bytes,
    four_reports,
    jsonl_rows,
    parse_ann,
    review_reports,
)
from jsonschema import Draft202012Validator, FormatChecker

from annotator.annotations.kinds import CLAIM, VIA
from annotator.annotations.models import Annotation
from annotator.annotations.services import annotation_create, link_create
from annotator.exports.card import SCHEMA_PATH
from annotator.exports.claims_csv import FORMULA_START

SCHEMA = json.loads(SCHEMA_PATH.read_text())
GUIDELINES = "## What to mark\n\n- **Claim**: what is asserted to have happened.\n"


def strict(schema):
    """The schema with additionalProperties: false everywhere, so that nothing the
    exporter writes is missing from the schema."""
    schema = copy.deepcopy(schema)

    def close(node):
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(schema)
    return schema


@pytest.fixture
def reports(team):
    """Four reports of the Tal Safra withdrawal (export_helpers.four_reports: Meridian
    Wire, The Northern Ledger, Al-Sahil Daily and Rased Network), all spans drafts."""
    return four_reports(team)


@pytest.fixture
def reviewed(team, reports):
    """The reviewer approved every span but the Ledger's and rejected "housed about 300
    personnel"; a fifth article, without an outlet, holds markup and a formula."""
    review_reports(team)
    add_hostile_article(team.project, team["annotator"])
    return team.project


def test_jsonl_lines_validate_against_the_schema(team, reviewed):
    validator = Draft202012Validator(strict(SCHEMA), format_checker=FormatChecker())
    for include in ([], ["--include-all"]):
        rows = jsonl_rows(export_bytes(team.slug, "jsonl", *include))
        assert rows
        for row in rows:
            errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(row)]
            assert errors == []


def test_default_export_has_only_approved_spans_and_reviewed_articles(team, reviewed):
    rows = jsonl_rows(export_bytes(team.slug, "jsonl"))
    outlets = {row["outlet"]["name"] if row["outlet"] else None for row in rows}
    # The Ledger's spans are all drafts: not in the default export.
    assert outlets == {"Meridian Wire", "Al-Sahil Daily", "Rased Network", None}
    statuses = {span["status"] for row in rows for span in row["spans"]}
    assert statuses == {"approved"}
    quotes = {span["quote"] for row in rows for span in row["spans"]}
    assert "housed about 300 personnel" not in quotes  # rejected
    # A link or relation to a span left out is left out too ("about" qualifies the
    # rejected claim).
    for row in rows:
        ids = {span["id"] for span in row["spans"]}
        assert all(link["from"] in ids and link["to"] in ids for link in row["links"])
        assert all(relation["claim"] in ids for relation in row["relations"])
    everything = jsonl_rows(export_bytes(team.slug, "jsonl", "--include-all"))
    about = next(s["id"] for r in everything for s in r["spans"] if s["quote"] == "about")
    assert any(link["from"] == about for r in everything for link in r["links"])
    assert not any(link["from"] == about for r in rows for link in r["links"])
    assert {s["status"] for row in everything for s in row["spans"]} == {
        "approved",
        "draft",
        "rejected",
    }


def test_jsonl_carries_events_sources_grades_and_reviewers(team, reviewed):
    rows = jsonl_rows(export_bytes(team.slug, "jsonl"))
    sahil = next(r for r in rows if r["outlet"] and r["outlet"]["name"] == "Al-Sahil Daily")
    assert sahil["offset_unit"] == "codepoint" and sahil["schema_version"] == "1.0"
    assert sahil["outlet"]["grade"] == "C"
    (event,) = sahil["events"]
    assert event["title"] == "Withdrawal from Tal Safra base"
    claim = next(s for s in sahil["spans"] if s["id"] in event["claims"])
    assert claim["attributes"]["event"] == event["id"]
    assert claim["attributes"]["claimed_at"] == "2025-03-10T00:00:00Z"
    assert claim["annotator"] == "annotator" and claim["reviewer"] == "reviewer"
    attribution = next(s for s in sahil["spans"] if s["kind"] == "attribution")
    assert attribution["attributes"]["cited_source"]["name"] == "local officials"
    wire = next(r for r in rows if r["outlet"] and r["outlet"]["name"] == "Meridian Wire")
    meridian = next(s for s in wire["sources"] if s["name"] == "Meridian Wire")
    # The grade in force at export time, with its history oldest first.
    assert meridian["grade"] == "B"
    assert [a["grade"] for a in meridian["assessments"]] == ["C", "B"]


def test_every_span_matches_its_text_in_jsonl_and_arabic_and_emoji_are_there(team, reviewed):
    rows = jsonl_rows(export_bytes(team.slug, "jsonl", "--include-all"))
    quotes = []
    for row in rows:
        for span in row["spans"]:
            assert row["text"][span["start"] : span["end"]] == span["quote"]
            quotes.append(span["quote"])
    assert EMOJI_QUOTE in quotes
    assert "أفادت مصادر محلية لصحيفة الساحل" in quotes


def test_jsonl_loads_with_the_hugging_face_loader(team, reviewed, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    path = tmp_path / "articles.jsonl"
    path.write_bytes(export_bytes(team.slug, "jsonl", "--include-all"))
    plain = datasets.load_dataset(
        "json", data_files=str(path), split="train", cache_dir=str(tmp_path / "cache")
    )
    assert plain.num_rows == 5
    # The bundle's dataset card declares the column types, whatever the data holds.
    folder = tmp_path / "bundle"
    with zipfile.ZipFile(io.BytesIO(export_bytes(team.slug, "zip", "--include-all"))) as archive:
        archive.extractall(folder)
    typed = datasets.load_dataset(str(folder), split="train", cache_dir=str(tmp_path / "c2"))
    assert typed.num_rows == 5
    spans = typed.features["spans"].feature
    assert spans["start"].dtype == "int64"
    assert spans["attributes"]["credibility"].dtype == "int64"  # all null here
    for row in typed:
        for span in row["spans"]:
            assert row["text"][span["start"] : span["end"]] == span["quote"]


def test_w3c_export_is_a_web_annotation_collection_with_both_selectors(team, reviewed):
    data = export_bytes(team.slug, "w3c", "--include-all")
    collection = json.loads(data)
    assert collection["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert collection["type"] == "AnnotationCollection"
    items = collection["first"]["items"]
    assert collection["total"] == len(items)
    rows = jsonl_rows(export_bytes(team.slug, "jsonl", "--include-all"))
    texts = {row["id"]: row["text"] for row in rows}
    spans = [a for a in items if a["motivation"] == "classifying"]
    links = [a for a in items if a["motivation"] == "linking"]
    relations = {r["id"] for row in rows for r in row["relations"]}
    assert len(spans) == sum(len(row["spans"]) for row in rows)
    assert len(links) == sum(len(row["links"]) for row in rows) + len(relations)
    span_ids = {a["id"] for a in spans}
    exacts = []
    for annotation in spans:
        assert annotation["@context"] == "http://www.w3.org/ns/anno.jsonld"
        assert annotation["type"] == "Annotation"
        quote, position = annotation["target"]["selector"]
        assert quote["type"] == "TextQuoteSelector" and position["type"] == "TextPositionSelector"
        text = texts[int(annotation["target"]["source"]["id"].rsplit("/", 1)[1])]
        assert text[position["start"] : position["end"]] == quote["exact"]
        assert text[: position["start"]].endswith(quote["prefix"])
        assert text[position["end"] :].startswith(quote["suffix"])
        exacts.append(quote["exact"])
    assert EMOJI_QUOTE in exacts and SCRIPT in exacts
    for link in links:
        assert link["target"] in span_ids  # a link is an annotation on an annotation
        assert link["body"][1] in span_ids
        kinds = {"attributes", "qualifies", "via", "same", "contradicts"}
        assert link["body"][0]["value"] in kinds


def test_csv_has_one_row_per_claim_with_attribution_chain_and_hedges(team, reviewed):
    rows = csv_rows(export_bytes(team.slug, "csv", "--include-all"))
    claims = jsonl_rows(export_bytes(team.slug, "jsonl", "--include-all"))
    assert len(rows) == sum(1 for r in claims for s in r["spans"] if s["kind"] == "claim")
    ledger = next(r for r in rows if r["outlet"] == "The Northern Ledger")
    # Ledger ← Meridian Wire ("Meridian Wire reported") ← local officials ("citing …", via).
    assert ledger["attribution_chain"] == "The Northern Ledger ← Meridian Wire ← local officials"
    assert ledger["hedges"] == "reportedly (hearsay)"
    assert ledger["event"] == "Withdrawal from Tal Safra base"
    assert ledger["outlet_grade"] == "C"
    rased = next(r for r in rows if r["outlet"] == "Rased Network")
    assert rased["quote"] == EMOJI_QUOTE and rased["outlet_grade"] == "E"
    assert rased["claimed_at"] == "2025-03-11T00:00:00Z"
    texts = {row["id"]: row["text"] for row in claims}
    for row in rows:
        quote = row["quote"]
        if quote.startswith("'") and quote[1:].startswith(FORMULA_START):
            quote = quote[1:]  # spreadsheet-safe prefix, see below
        assert texts[int(row["article_id"])][int(row["start"]) : int(row["end"])] == quote


def test_attribution_chain_survives_a_cycle_of_via_links(team, reviewed):
    inner = Annotation.objects.get(quote="citing local officials")
    outer = Annotation.objects.get(quote="Meridian Wire reported")
    link_create(
        from_annotation=outer,
        to_annotation=inner,
        kind=VIA,
        created_by=team["owner"],
    )
    rows = csv_rows(export_bytes(team.slug, "csv", "--include-all"))
    ledger = next(r for r in rows if r["outlet"] == "The Northern Ledger")
    assert ledger["attribution_chain"] == "The Northern Ledger ← Meridian Wire ← local officials"


def test_markup_and_formulas_stay_text(team, reviewed):
    rows = csv_rows(export_bytes(team.slug, "csv"))
    quotes = {row["quote"] for row in rows}
    assert SCRIPT in quotes  # not escaped, not dropped: CSV is data
    assert '\'=HYPERLINK("http://x")' in quotes  # a spreadsheet would run it otherwise
    assert any(row["article_title"] == f"Markup {SCRIPT}" for row in rows)
    data = jsonl_rows(export_bytes(team.slug, "jsonl"))
    assert any(span["quote"] == SCRIPT for row in data for span in row["spans"])


def test_brat_files_parse_back_to_the_same_spans(team, reviewed):
    files = brat_files(export_bytes(team.slug, "brat", "--include-all"))
    assert "[relations]" in files["annotation.conf"] and "<OVERLAP>" in files["annotation.conf"]
    rows = {row["id"]: row for row in jsonl_rows(export_bytes(team.slug, "jsonl", "--include-all"))}
    assert {f"{i}.{ext}" for i in rows for ext in ("txt", "ann")} | {"annotation.conf"} == set(
        files
    )
    covered = []
    for article_id, row in rows.items():
        text = files[f"{article_id}.txt"]
        assert text == row["text"]
        ann = parse_ann(files[f"{article_id}.ann"])
        assert len(ann["T"]) == len(row["spans"])
        assert len(ann["R"]) == len(row["links"])
        for (kind, fragments, shown), span in zip(ann["T"].values(), row["spans"], strict=True):
            assert kind == span["kind"].capitalize()
            assert (fragments[0][0], fragments[-1][1]) == (span["start"], span["end"])
            for start, end in fragments:
                assert text[start:end] in span["quote"]
            assert shown == " ".join(text[s:e] for s, e in fragments)
            covered.append(shown)
        for relation, arg1, arg2 in ann["R"].values():
            assert relation in {"Attributes", "Qualifies", "Via"}
            assert arg1 in ann["T"] and arg2 in ann["T"]
        statuses = [a for a in ann["A"].values() if a[0] == "Status"]
        assert len(statuses) == len(row["spans"])
    assert EMOJI_QUOTE in covered


def test_brat_splits_a_span_across_lines_into_fragments(team, reports):
    article = Annotation.objects.get(quote=EMOJI_QUOTE).article
    start = article.text.index("🚚")
    quote = article.text[start : article.text.index("مصادر")]
    assert "\n\n" in quote
    annotation_create(
        article=article,
        kind=CLAIM,
        start=start,
        end=start + len(quote),
        quote=quote,
        created_by=team["annotator"],
    )
    files = brat_files(export_bytes(team.slug, "brat", "--include-all"))
    ann = parse_ann(files[f"{article.pk}.ann"])
    (fragments,) = [f for _, f, _ in ann["T"].values() if len(f) > 1]
    assert [article.text[s:e] for s, e in fragments] == [q for q in quote.split("\n") if q]


def test_bundle_has_the_chosen_formats_a_dataset_card_and_the_schema(team, reviewed):
    reviewed.guidelines = GUIDELINES
    reviewed.save()
    data = export_bytes(team.slug, "zip", "--bundle-formats", "jsonl,csv,brat")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        card = archive.read("README.md").decode()
        schema = json.loads(archive.read("schema/article.v1.json"))
    assert names[:2] == ["README.md", "schema/article.v1.json"]
    assert "articles.jsonl" in names and "claims.csv" in names and "brat/annotation.conf" in names
    assert "annotations.jsonld" not in names
    assert schema == SCHEMA
    front, body = card.split("\n---\n", 1)
    meta = json.loads(front.removeprefix("---\n"))
    assert meta["configs"][0]["data_files"][0]["path"] == "articles.jsonl"
    assert "Approved annotations only" in body
    rows = jsonl_rows(export_bytes(team.slug, "jsonl"))
    claims = sum(1 for row in rows for span in row["spans"] if span["kind"] == "claim")
    assert f"| claim | {claims} | {claims} |" in body
    assert "Annotators: annotator" in body and "Reviewers: reviewer" in body
    assert "### What to mark" in body  # the project's guidelines, under the card's heading
    assert "code points" in body
    assert "**hedge**" in body and "**via**" in body

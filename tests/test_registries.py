"""Adding a kind or an export format is one registry entry.

A throw-away fourth kind ("quote") and a throw-away format ("tsv") are put in the
registries for a test, and every door takes them: the workspace, the API, each export
format and the schema; the export page, the background export, the API and the command.

What a new kind still needs besides its entry, and what these tests stand in for: a
migration, because the database's CHECK `annotation_kind_valid` lists the kinds
(`makemigrations` writes it from the registry; `make test` runs `makemigrations --check`).
Here that check is dropped inside the test's transaction instead.
"""

import io
import json
import zipfile

import factories
import jsonschema
import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from annotator.accounts.services import api_token_create
from annotator.annotations.kinds import CLAIM, KINDS, KindSpec
from annotator.exports.card import SCHEMA_PATH, schema
from annotator.exports.formats import FORMATS, Format
from annotator.exports.models import ExportJob, JobStatus
from annotator.exports.records import Selection
from annotator.exports.services import export_job_create
from annotator.exports.streams import export_stream
from annotator.workspace.views import RESERVED_KEYS

HTMX = {"HTTP_HX_REQUEST": "true"}
TEXT = "The minister said: “We will not leave.” Troops left the base on Tuesday."
QUOTATION = "We will not leave."
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_the_registries_are_consistent():
    keys = [spec.key for spec in KINDS.values()]
    assert len(set(keys)) == len(keys), "two kinds share a shortcut key"
    assert not set(keys) & RESERVED_KEYS, "a kind's key is another shortcut of the workspace"
    on_disk = json.loads(SCHEMA_PATH.read_text())["$defs"]["span"]["properties"]["kind"]["enum"]
    assert on_disk == list(KINDS), "schema/article.v1.json lists other kinds than kinds.py"


@pytest.fixture
def quote_kind(monkeypatch, db):
    spec = KindSpec(
        "quote",
        "Quotation",
        key="q",
        colour="#0e7490",
        line="solid",
        hint="words quoted verbatim",
        description="a person's words quoted verbatim.",
    )
    monkeypatch.setitem(KINDS, spec.name, spec)
    with connection.cursor() as cursor:  # the migration a real new kind would come with
        cursor.execute("ALTER TABLE annotations_annotation DROP CONSTRAINT annotation_kind_valid")
    return spec


@pytest.fixture
def story(team):
    return factories.article(team.project, TEXT, status="reviewed")


def test_a_new_kind_works_in_the_workspace(quote_kind, team, story, login):
    client = login(team["annotator"])
    page = client.get(reverse("workspace:article", args=[team.slug, story.pk])).content.decode()
    assert 'data-kind="quote" data-key="q"' in page  # toolbar, and so the keyboard
    assert "Quotations" in page  # the list's group and filter
    start = TEXT.index(QUOTATION)
    created = client.post(
        reverse("workspace:create", args=[team.slug, story.pk]),
        {"kind": "quote", "start": start, "end": start + len(QUOTATION), "quote": QUOTATION},
        **HTMX,
    )
    assert created.status_code == 200
    quote = story.annotations.get(kind="quote")
    assert 'class="hl hl-quote' in created.content.decode()
    panel = client.get(reverse("workspace:detail", args=[team.slug, quote.pk]), **HTMX)
    assert panel.status_code == 200 and "Quotation" in panel.content.decode()
    saved = client.post(
        reverse("workspace:save", args=[team.slug, quote.pk]),
        {"version": quote.version, "kind": "quote", "note": "Verbatim."},
        **HTMX,
    )
    assert saved.status_code == 200
    quote.refresh_from_db()
    assert quote.note == "Verbatim."
    css = client.get(reverse("workspace:kinds_css")).content.decode()
    assert ".kind-quote" in css and "#0e7490" in css


def test_a_new_kind_works_in_the_api(quote_kind, team, story, api_as):
    start = TEXT.index(QUOTATION)
    body = {"kind": "quote", "start": start, "end": start + len(QUOTATION), "quote": QUOTATION}
    path = f"/api/projects/{team.slug}/articles/{story.pk}/annotations/"
    response = api_as(team["annotator"])("post", path, body)
    assert response.status_code == 201
    assert response.json()["kind"] == "quote"


def _exported(team, key, bundle=()):
    export = export_stream(Selection(team.project, include_all=True), key, bundle)
    return b"".join(export.chunks)


def test_a_new_kind_goes_out_in_every_format_and_comes_back(quote_kind, team, story):
    factories.span(story, QUOTATION, kind="quote", by=team["annotator"])
    factories.span(story, "Troops left the base on Tuesday", kind=CLAIM, by=team["annotator"])
    line = json.loads(_exported(team, "jsonl"))
    jsonschema.validate(line, schema())
    assert {span["kind"] for span in line["spans"]} == {"quote", CLAIM}
    w3c = json.loads(_exported(team, "w3c"))
    bodies = [b["value"] for item in w3c["first"]["items"] for b in item.get("body", [])]
    assert "quote" in bodies
    assert _exported(team, "csv").decode("utf-8-sig").count("\n") == 2  # a header, one claim
    with zipfile.ZipFile(io.BytesIO(_exported(team, "brat"))) as archive:
        assert "\nQuotation\n" in archive.read("annotation.conf").decode()
        assert "\tQuotation " in archive.read(f"{story.pk}.ann").decode()
    with zipfile.ZipFile(io.BytesIO(_exported(team, "zip", FORMATS))) as archive:
        card = archive.read("README.md").decode()
        assert "**quote**: a person's words quoted verbatim." in card
        bundled = json.loads(archive.read("schema/article.v1.json"))
        assert "quote" in bundled["$defs"]["span"]["properties"]["kind"]["enum"]
    other = factories.project(owner=team["owner"])
    path = f"/api/projects/{other.slug}/import"
    key = api_token_create(user=team["owner"], name="import")[1]
    upload = io.BytesIO(_exported(team, "jsonl"))
    upload.name = "articles.jsonl"
    report = Client().post(path, {"file": upload}, HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert report["errors"] == [] and report["spans"] == 2


# A throw-away export format ---------------------------------------------------------------


def _tsv(records, context):
    yield "article\tkind\tquote\n"
    for record in records:
        for span in record["spans"]:
            yield f"{record['id']}\t{span['kind']}\t{span['quote']}\n"


@pytest.fixture
def tsv(monkeypatch):
    fmt = Format("tsv", "TSV of spans", "spans.tsv", "text/tab-separated-values", "Spans.", _tsv)
    monkeypatch.setitem(FORMATS, fmt.key, fmt)
    return fmt


@pytest.fixture
def annotated(team):
    story = factories.article(team.project, TEXT, status="reviewed")
    factories.span(story, "Troops left the base on Tuesday", by=team["annotator"])
    return story


def test_a_new_format_works_on_the_page(tsv, team, annotated, login):
    client = login(team["reviewer"])
    page = client.get(reverse("exports:page", args=[team.slug])).content.decode()
    assert 'value="tsv"' in page and "TSV of spans" in page
    response = client.get(
        reverse("exports:download", args=[team.slug]), {"formats": "tsv", "annotations": "all"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-all-spans.tsv"')
    body = b"".join(response.streaming_content).decode()
    assert "claim\tTroops left the base on Tuesday" in body


def test_a_new_format_works_in_the_background(
    tsv, team, annotated, settings, tmp_path, monkeypatch
):
    settings.TASKS = IMMEDIATE
    monkeypatch.setenv("EXPORT_DIR", str(tmp_path))
    job = export_job_create(
        project=team.project,
        user=team["reviewer"],
        format="tsv",
        bundle_formats=[],
        include_all=True,
    )
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert "claim\tTroops left" in (tmp_path / job.path).read_text()
    assert ExportJob.objects.get().format_label == "TSV of spans"


def test_a_new_format_works_in_the_api_and_the_command(tsv, team, annotated, api_as, tmp_path):
    response = api_as(team["reviewer"])(
        "get", f"/api/projects/{team.slug}/export?format=tsv&include_all=true"
    )
    assert response.status_code == 200
    assert b"claim\tTroops left" in b"".join(response.streaming_content)
    output = tmp_path / "spans.tsv"
    call_command(
        "export_dataset", "--project", team.slug, "--format", "tsv", "--include-all",
        "--output", str(output),
    )  # fmt: skip
    assert "claim\tTroops left" in output.read_text()
    bundle = tmp_path / "bundle.zip"
    call_command(
        "export_dataset", "--project", team.slug, "--format", "zip", "--include-all",
        "--bundle-formats", "jsonl,tsv", "--output", str(bundle),
    )  # fmt: skip
    with zipfile.ZipFile(bundle) as archive:
        assert "spans.tsv" in archive.namelist()


def test_an_unknown_format_is_refused_at_every_door(team, annotated, api_as):
    response = api_as(team["reviewer"])("get", f"/api/projects/{team.slug}/export?format=xlsx")
    assert response.status_code == 422
    assert "Unknown format 'xlsx'" in response.json()["detail"]

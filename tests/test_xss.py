"""Hostile input: markup, `javascript:` URLs and right-to-left override characters in every
field people type or upload are stored exactly as given and come out inert, on every page
and in every export. The data goes in through the pages, as a hostile member would send it.
"""

import io
import json
import re
import zipfile

import pytest
from django.urls import reverse
from hostile_data import (
    AFFILIATION,
    CLAIM_QUOTE,
    COMMENT,
    EVENT,
    IMPORTED_TITLE,
    JS_URL,
    MEMBER_NAME,
    NOTE,
    PLACE,
    RATIONALE,
    RLO,
    SOURCE,
    TEXT,
    TITLE,
    assert_inert,
    escaped,
    hostile_project_make,
    pages,
)

from annotator.articles.models import SourceFile
from annotator.events.models import Event
from annotator.sources.models import ReliabilityAssessment, Source


@pytest.fixture
def hostile_project(demo, demo_users, login):
    return hostile_project_make(demo, demo_users, login)


def test_hostile_input_is_stored_exactly_as_given(hostile_project):
    h = hostile_project
    article = h["article"]
    assert article.title == TITLE and article.text == TEXT
    assert article.outlet.name == SOURCE
    h["claim"].refresh_from_db()
    assert (h["claim"].note, h["claim"].review_comment) == (NOTE, COMMENT)
    assert h["event"].title == EVENT
    assert Event.objects.filter(place=PLACE).exists()
    assert ReliabilityAssessment.objects.filter(rationale=RATIONALE).exists()
    assert Source.objects.get(pk=h["source"].pk).affiliation_note == AFFILIATION
    assert SourceFile.objects.filter(article=h["member_article"], name=MEMBER_NAME).exists()
    assert h["url_article"].url == JS_URL


def test_every_page_shows_hostile_input_as_text(hostile_project):
    h = hostile_project
    for who, url, shown in pages(h):
        response = h["clients"][who].get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert_inert(html, url)
        for value in shown:
            assert escaped(value) in html, f"{url} should show {value!r} (escaped)"


def test_workspace_fragments_are_inert(hostile_project):
    h = hostile_project
    client, slug, claim = h["clients"]["owner"], h["slug"], h["claim"]
    for url in [
        reverse("workspace:detail", args=[slug, claim.pk]),
        reverse("workspace:list", args=[slug, claim.article_id]),
        reverse("workspace:source_search", args=[slug, claim.pk]) + "?q=SOURCE",
        reverse("workspace:link_targets", args=[slug, claim.pk]) + "?q=SOURCE",
        reverse("events:credibility", args=[slug, claim.pk]),
    ]:
        response = client.get(url, HTTP_HX_REQUEST="true")
        assert response.status_code == 200, url
        assert_inert(response.content.decode(), url)


def test_a_javascript_url_is_never_a_link(hostile_project):
    h = hostile_project
    client, slug, article = h["clients"]["owner"], h["slug"], h["url_article"]
    for url in [
        reverse("articles:about", args=[slug, article.pk]),
        reverse("workspace:article", args=[slug, article.pk]),
    ]:
        html = client.get(url).content.decode()
        assert "javascript:" not in " ".join(re.findall(r'href="([^"]*)"', html)), url


def test_original_download_name_keeps_no_direction_override(hostile_project):
    h = hostile_project
    response = h["clients"]["owner"].get(
        reverse("articles:original", args=[h["slug"], h["member_article"].pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "%E2%80%AE" not in disposition and RLO not in disposition
    assert "gnp.txt" in disposition


def download(client, slug, fmt, **extra):
    response = client.get(
        reverse("exports:download", args=[slug]),
        {"formats": fmt, "annotations": "all", **extra},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "html" not in response["Content-Type"]
    assert response["X-Content-Type-Options"] == "nosniff"
    return b"".join(response.streaming_content)


def test_exports_keep_hostile_text_as_data(hostile_project):
    h = hostile_project
    client, slug = h["clients"]["owner"], h["slug"]
    rows = [json.loads(line) for line in download(client, slug, "jsonl").decode().splitlines()]
    row = next(r for r in rows if r["title"] == TITLE)
    assert row["text"] == TEXT and row["outlet"]["name"] == SOURCE
    span = next(s for s in row["spans"] if s["quote"] == CLAIM_QUOTE)
    assert (span["note"], span["review_comment"]) == (NOTE, COMMENT)
    assert [e["title"] for e in row["events"]] == [EVENT]
    assert next(r for r in rows if r["title"] == IMPORTED_TITLE)["url"] == JS_URL

    w3c = json.loads(download(client, slug, "w3c"))
    items = w3c["first"]["items"]
    assert {i["target"]["source"]["title"] for i in items if "source" in i["target"]} >= {TITLE}
    assert f"event: {EVENT}" in [b["value"] for i in items for b in i["body"] if "value" in b]

    claims = download(client, slug, "csv").decode("utf-8-sig")
    assert TITLE.replace('"', '""') in claims and EVENT.replace('"', '""') in claims

    brat = zipfile.ZipFile(io.BytesIO(download(client, slug, "brat")))
    assert TEXT in [brat.read(name).decode() for name in brat.namelist()]

    bundle = zipfile.ZipFile(io.BytesIO(download(client, slug, "jsonl", bundle="on")))
    card = bundle.read(next(n for n in bundle.namelist() if n.endswith("README.md"))).decode()
    assert_inert(card, "dataset card")
    assert "DESCRIPTION &lt;script&gt;" in card  # plain text in Markdown, so escaped


def test_timelines_are_escaped_for_timelinejs_and_safe_in_spreadsheets(hostile_project):
    h = hostile_project
    client, slug, event = h["clients"]["owner"], h["slug"], h["event"]
    response = client.get(reverse("events:timeline_json", args=[slug, event.pk]))
    assert response["Content-Disposition"].startswith("attachment;")
    payload = response.json()
    rendered = json.dumps(payload, ensure_ascii=False)
    assert_inert(rendered, "TimelineJS")  # TimelineJS renders these strings as HTML
    assert payload["title"]["text"]["headline"] == escaped(EVENT)
    assert escaped(SOURCE) in payload["events"][0]["group"]
    csv_text = client.get(reverse("events:timeline_csv", args=[slug, event.pk])).content.decode()
    assert SOURCE.replace('"', '""') in csv_text  # CSV is data; formulas are defused elsewhere

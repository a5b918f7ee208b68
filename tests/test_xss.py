"""Hostile input: markup, `javascript:` URLs and right-to-left override characters in every
field people type or upload are stored exactly as given and come out inert, on every page
and in every export. The data goes in through the pages, as a hostile member would send it.
"""

import io
import json
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotator.annotations.models import Annotation, Kind
from annotator.articles.models import Article, ImportBatch, SourceFile
from annotator.articles.services import batch_run
from annotator.events.models import Event
from annotator.review.models import Assignment
from annotator.sources.models import ReliabilityAssessment, Source

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "invoice‮fdp.exe" reads as "invoiceexe.pdf"


def hostile(label: str) -> str:
    return f"{label} {SCRIPT}{IMG}{RLO}txt.exe"


TITLE, SOURCE, NOTE, COMMENT, EVENT = map(hostile, ["TITLE", "SOURCE", "NOTE", "COMMENT", "EVENT"])
PLACE, RATIONALE, AFFILIATION = map(hostile, ["PLACE", "RATIONALE", "AFFILIATION"])
TEXT = f"TEXT {SCRIPT} officials said.\n{IMG} the convoy left {RLO}at dawn.\nA third line."
CLAIM_QUOTE = "the convoy left"
# Django keeps an upload's base name only (after the last "/") and drops invisible
# characters such as RLO from it; a file inside a .zip keeps its whole name.
FILE_NAME = f'FILE "><img src=x onerror=alert(1)>{RLO}gnp.txt'
MEMBER_NAME = f"MEMBER {SCRIPT}{IMG}{RLO}gnp.txt"
IMPORTED_TITLE = hostile("IMPORTED")
DESCRIPTION = hostile("DESCRIPTION")

DANGEROUS = [
    re.compile(r"<script>alert", re.I),
    re.compile(r"<img[^>]*onerror", re.I),
    re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I),
]


def escaped(value: str) -> str:
    """How Django's autoescape writes `value` into HTML."""
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


def assert_inert(html: str, where: str):
    for pattern in DANGEROUS:
        match = pattern.search(html)
        near = html[match.start() - 200 : match.end() + 50] if match else ""
        assert match is None, f"{where}: live markup {near!r}"


@pytest.fixture
def hostile_project(demo, demo_users, login):
    """Everything a hostile member can type or upload, sent through the pages."""
    owner, annotator, reviewer = (login(demo_users[r]) for r in ("owner", "annotator", "reviewer"))
    slug = demo.slug
    # The project's own description, which only the admin edits, goes into the dataset card.
    demo.description = DESCRIPTION
    demo.save()

    pasted = annotator.post(
        reverse("articles:paste", args=[slug]),
        {
            "text": TEXT,
            "title": TITLE,
            "outlet": SOURCE,
            "published": "12 March 2025",
            "language": "en",
        },  # fmt: skip
    )
    assert pasted.status_code == 302, pasted.content.decode()[:2000]
    article = Article.objects.get(project=demo, title=TITLE)

    start = article.text.index(CLAIM_QUOTE)
    span = {"start": start, "end": start + len(CLAIM_QUOTE), "quote": CLAIM_QUOTE, "kind": "claim"}
    created = annotator.post(reverse("annotations:create", args=[slug, article.pk]), span)
    assert created.status_code == 302
    claim = Annotation.objects.get(article=article, quote=CLAIM_QUOTE)
    saved = annotator.post(
        reverse("annotations:save", args=[slug, claim.pk]),
        {"version": claim.version, "kind": Kind.CLAIM, "note": NOTE, "new_event_title": EVENT},
    )
    assert saved.status_code == 302
    claim.refresh_from_db()
    reviewed = reviewer.post(
        reverse("review:decide", args=[slug, claim.pk]),
        {"decision": "rejected", "comment": COMMENT, "version": claim.version},
    )
    assert reviewed.status_code == 302

    made = owner.post(
        reverse("events:list", args=[slug]),
        {"title": hostile("SECOND EVENT"), "place": PLACE, "description": hostile("ABOUT")},
    )
    assert made.status_code == 302
    source = Source.objects.get(project=demo, name=SOURCE)
    reviewer.post(
        reverse("sources:assess", args=[slug, source.pk]), {"grade": "E", "rationale": RATIONALE}
    )
    reviewer.post(
        reverse("sources:edit", args=[slug, source.pk]),
        {"name": SOURCE, "kind": source.kind, "other_names": hostile("ALIAS"),
         "affiliation_note": AFFILIATION},
    )  # fmt: skip

    upload = SimpleUploadedFile(FILE_NAME, b"An uploaded article whose file name is hostile.")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as folder:
        folder.writestr(MEMBER_NAME, "An article in a zip, under a hostile name.")
    zipped = SimpleUploadedFile(hostile("ZIP") + ".zip", archive.getvalue())
    uploaded = annotator.post(reverse("articles:upload", args=[slug]), {"files": [upload, zipped]})
    assert uploaded.status_code == 302
    batch = ImportBatch.objects.get(project=demo)
    batch_run(batch_id=batch.pk)  # what the background worker does
    Assignment.objects.create(article=article, user=demo_users["annotator"])

    line = {"text": "IMPORTED text with a link.", "title": IMPORTED_TITLE, "url": JS_URL,
            "label": [[0, 8, "claim"]]}  # fmt: skip
    dataset = SimpleUploadedFile("lines.jsonl", json.dumps(line).encode() + b"\n")
    imported = owner.post(reverse("exports:import", args=[slug]), {"file": dataset})
    assert imported.status_code == 200, imported.content.decode()[:3000]
    return {
        "slug": slug,
        "article": article,
        "claim": claim,
        "event": Event.objects.get(project=demo, title=EVENT),
        "source": source,
        "batch": batch,
        "file_article": SourceFile.objects.get(name=FILE_NAME.replace(RLO, "")).article,
        "member_article": SourceFile.objects.get(name=MEMBER_NAME).article,
        "url_article": Article.objects.get(project=demo, title=IMPORTED_TITLE),
        "clients": {"owner": owner, "annotator": annotator, "reviewer": reviewer},
    }


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


def pages(h):
    """(who, url, hostile values the page must show, escaped)."""
    slug, article, claim = h["slug"], h["article"], h["claim"]
    return [
        ("owner", reverse("projects:detail", args=[slug]), [TITLE, IMPORTED_TITLE]),
        ("owner", reverse("articles:list", args=[slug]) + "?q=TEXT", [TITLE]),
        ("owner", reverse("articles:list", args=[slug]), [TITLE, IMPORTED_TITLE]),
        ("owner", reverse("articles:about", args=[slug, article.pk]), [TITLE, SOURCE]),
        (
            "owner",
            reverse("articles:about", args=[slug, h["file_article"].pk]),
            [FILE_NAME.replace(RLO, "")],
        ),
        ("owner", reverse("articles:about", args=[slug, h["member_article"].pk]), [MEMBER_NAME]),
        ("owner", reverse("articles:about", args=[slug, h["url_article"].pk]), [JS_URL]),
        ("owner", reverse("articles:batch", args=[slug, h["batch"].pk]), [MEMBER_NAME]),
        ("owner", reverse("articles:review", args=[slug, h["batch"].pk]), []),
        ("owner", reverse("articles:upload", args=[slug]), [SOURCE]),
        (
            "owner",
            reverse("annotations:workspace", args=[slug, article.pk]) + f"?selected={claim.pk}",
            [TITLE, TEXT.split("\n")[0], NOTE, EVENT, COMMENT],
        ),
        ("owner", reverse("annotations:workspace", args=[slug, h["url_article"].pk]), []),
        ("owner", reverse("sources:list", args=[slug]), [SOURCE]),
        ("owner", reverse("sources:detail", args=[slug, h["source"].pk]), [SOURCE, RATIONALE]),
        ("owner", reverse("events:list", args=[slug]), [EVENT, PLACE]),
        ("owner", reverse("events:detail", args=[slug, h["event"].pk]), [EVENT, SOURCE]),
        ("owner", reverse("review:queue", args=[slug]), []),
        ("owner", reverse("review:article", args=[slug, article.pk]), [TITLE, COMMENT]),
        ("owner", reverse("review:assignments", args=[slug]), [TITLE]),
        ("owner", reverse("review:agreement", args=[slug]), []),
        ("annotator", reverse("review:mine", args=[slug]), [TITLE, COMMENT]),
        ("owner", reverse("exports:page", args=[slug]), []),
        ("owner", reverse("suggestions:stats", args=[slug]), []),
        ("owner", reverse("projects:list"), [DESCRIPTION]),
    ]


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
        reverse("annotations:detail", args=[slug, claim.pk]),
        reverse("annotations:list", args=[slug, claim.article_id]),
        reverse("annotations:source_search", args=[slug, claim.pk]) + "?q=SOURCE",
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
        reverse("annotations:workspace", args=[slug, article.pk]),
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

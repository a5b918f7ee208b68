"""Hostile input for the XSS tests (over HTTP and in the browser): markup, `javascript:`
URLs and right-to-left overrides in every field a member can type or upload."""

import io
import json
import re
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotator.annotations.kinds import CLAIM
from annotator.annotations.models import Annotation
from annotator.articles.batches import batch_run
from annotator.articles.models import Article, ImportBatch, SourceFile
from annotator.events.models import Event
from annotator.review.models import Assignment
from annotator.sources.models import Source

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


def hostile_project_make(demo, demo_users, login):
    """Everything a hostile member can type or upload, sent through the pages; `login(user)`
    gives a logged-in test client."""
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
    created = annotator.post(reverse("workspace:create", args=[slug, article.pk]), span)
    assert created.status_code == 302
    claim = Annotation.objects.get(article=article, quote=CLAIM_QUOTE)
    saved = annotator.post(
        reverse("workspace:save", args=[slug, claim.pk]),
        {"version": claim.version, "kind": CLAIM, "note": NOTE, "new_event_title": EVENT},
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
        {"name": SOURCE, "kind": source.kind, "aliases": hostile("ALIAS"),
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
            reverse("workspace:article", args=[slug, article.pk]) + f"?selected={claim.pk}",
            [TITLE, TEXT.split("\n")[0], NOTE, EVENT, COMMENT],
        ),
        ("owner", reverse("workspace:article", args=[slug, h["url_article"].pk]), []),
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

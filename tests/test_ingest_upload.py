"""Uploading articles on the upload page: the batch, the background worker (the real
`db_worker` command, run in-process), the results, provenance, the review table."""

import hashlib
import io
import zipfile

import factories
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from annotator.articles.models import Article, ImportBatch, ImportItem, SourceFile
from annotator.sources.models import SourceKind

# Articles written for these tests (fictional places and outlets).
ENGLISH = (
    "Updated March 3rd, 2024 at 08:15 GMT\n\n"
    "Ferry service to Lantern Island resumes after storm\n\n"
    "The ferry operator said on Sunday that crossings would restart at noon, two days after "
    "waves damaged the pier.   \n"
    "Harbour officials reportedly expect delays of up to an hour.\n\n"
    "Published March 3rd, 2024 at 07:50 GMT\n"
)
ARABIC = (
    "15 كانون الثاني 2024\n\n"
    "الجيش يعلن انسحاب القوات من قاعدة تل صفرا\n\n"
    "قال مصدر عسكري إن القوات الأجنبية غادرت القاعدة الواقعة قرب مطار قرمل صباح اليوم، "
    "بحسب ما نقلت وكالة الأنباء المحلية.\n"
    "وأضاف المصدر أن الانسحاب جاء بعد هجمات متكررة بطائرات مسيرة.\n"
)
HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Bridge reopens after repairs | The Northern Ledger</title>
<meta property="og:site_name" content="The Northern Ledger">
<meta property="og:title" content="Bridge over the Qarmal river reopens after repairs">
<meta property="og:url" content="https://www.northernledger.example/local/bridge-reopens">
<meta property="article:published_time" content="2024-02-10T16:05:00+03:00">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/local">Local</a></li></ul></nav>
<article><h1>Bridge over the Qarmal river reopens after repairs</h1>
<div class="share"><a href="#">Share on Facebook</a><button>Copy link</button></div>
<div><button>Listen to this article</button><span>2 min read</span></div>
<p>The old stone bridge over the Qarmal river reopened to traffic on Saturday after eight
months of repairs, the provincial roads office said in a statement.</p>
<p>Engineers replaced two of the five arches, which had been weakened by floods last
spring, according to the office.</p>
<p>Residents of the eastern villages said the closure had doubled their journey to the
market town.</p>
</article>
<aside><h2>Related</h2><a href="/x">Ten things about rivers</a></aside>
<footer>© 2024 The Northern Ledger</footer></body></html>"""
MARKDOWN = (
    "---\ntitle: Grain prices steady in Qarmal market\noutlet: Al-Sahil Daily\n"
    "date: 2024-01-20\nurl: https://alsahil.example/grain\n---\n\n"
    "# A different heading\n\nTraders in the covered market said wheat prices held steady "
    "this week despite the closure of the northern road.\n"
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256))


def txt(name, content, encoding="utf-8"):
    data = content.encode(encoding) if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def make_zip(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def outlets(team):
    """The outlets the test articles name, as the team's project knows them."""
    project = team.project
    return {
        source.name: source
        for source in [
            factories.source(
                project, "Meridian Wire", kind=SourceKind.AGENCY, domain="meridianwire.example"
            ),
            factories.source(project, "The Northern Ledger", domain="northernledger.example"),
            factories.source(
                project,
                "Al-Sahil Daily",
                aliases=["الساحل", "صحيفة الساحل"],
                domain="alsahil.example",
            ),
            factories.source(
                project, "Rased Network", kind=SourceKind.SOCIAL, aliases=["شبكة راصد", "راصد"]
            ),
        ]
    }


def results(batch):
    return {item.name: item for item in ImportItem.objects.filter(batch=batch)}


def test_upload_imports_text_arabic_html_and_markdown_with_metadata(
    login, team, outlets, run_worker
):
    client = login(team["annotator"])
    files = [
        txt("ferry.txt", ENGLISH.replace("\n", "\r\n")),
        txt("arabic.txt", ARABIC, "cp1256"),
        txt("bridge.html", HTML),
        txt("grain.md", MARKDOWN),
    ]
    batch = run_worker(client, team.slug, files)
    assert batch.status == "done"
    by_name = results(batch)
    assert {item.status for item in by_name.values()} == {"imported"}

    ferry = by_name["ferry.txt"].article
    assert ferry.title == "Ferry service to Lantern Island resumes after storm"
    assert "\r" not in ferry.text and "pier.   \n" in ferry.text  # trailing spaces kept
    assert ferry.language == "en"
    assert ferry.published_at.isoformat() == "2024-03-03T07:50:00+00:00"  # "Published" wins
    assert (ferry.published_precision, ferry.published_tz) == ("minute", "+00:00")
    assert ferry.outlet is None

    arabic = by_name["arabic.txt"].article
    assert arabic.title == "الجيش يعلن انسحاب القوات من قاعدة تل صفرا"
    assert arabic.text.startswith("15 كانون الثاني 2024\n")
    assert arabic.language == "ar"
    assert (arabic.published_at.date().isoformat(), arabic.published_precision) == (
        "2024-01-15",
        "day",
    )

    bridge = by_name["bridge.html"].article
    assert bridge.title == "Bridge over the Qarmal river reopens after repairs"
    assert bridge.outlet.name == "The Northern Ledger"
    assert bridge.url == "https://www.northernledger.example/local/bridge-reopens"
    assert bridge.published_at.isoformat() == "2024-02-10T13:05:00+00:00"
    assert bridge.published_tz == "+03:00"
    assert "Listen to this article" not in bridge.text
    assert "Share on Facebook" not in bridge.text and "Ten things" not in bridge.text
    assert "Engineers replaced two of the five arches" in bridge.text

    grain = by_name["grain.md"].article
    assert grain.title == "Grain prices steady in Qarmal market"
    assert grain.outlet.name == "Al-Sahil Daily"
    assert grain.text.startswith("# A different heading")  # front matter is metadata

    page = client.get(reverse("articles:batch", args=[team.slug, batch.pk])).content.decode()
    assert "100%" in page and "4 imported" in page


def test_original_bytes_and_sha256_are_kept_for_provenance(login, team, run_worker):
    client = login(team["annotator"])
    raw = ARABIC.encode("cp1256")
    batch = run_worker(client, team.slug, [txt("arabic.txt", raw)])
    article = results(batch)["arabic.txt"].article
    about = client.get(reverse("articles:about", args=[team.slug, article.pk]))
    html = about.content.decode()
    assert hashlib.sha256(raw).hexdigest() in html
    assert "arabic.txt" in html and "annotator" in html and "cp1256" in html
    download = client.get(reverse("articles:original", args=[team.slug, article.pk]))
    assert download.content == raw
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "The file is empty."),
        ("blank.txt", b"  \r\n\t\n   ", "only whitespace"),
        ("picture.txt", PNG, "This is a PNG image"),
        ("garbled.txt", b"\x81\x8d\x8f\x90\x9d" * 30, "could not be read as text"),
        ("menu.html", b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "No article"),
        ("report.docx", b"some text", "are not read"),
        ("big.txt", b"word " * 300, "the limit is"),
    ],
)
def test_bad_files_are_rejected_with_a_reason_and_nothing_is_stored(
    login, team, run_worker, settings, name, data, message
):
    settings.ARTICLE_MAX_BYTES = 1000
    client = login(team["annotator"])
    articles_before = Article.objects.count()
    batch = run_worker(client, team.slug, [txt(name, data), txt("good.txt", ENGLISH)])
    by_name = results(batch)
    assert by_name[name].status == "rejected"
    assert message in by_name[name].reason
    assert by_name["good.txt"].status == "imported"  # the batch went on
    assert Article.objects.count() == articles_before + 1
    assert SourceFile.objects.count() == 1  # only the imported file's bytes are kept
    page = client.get(reverse("articles:batch", args=[team.slug, batch.pk])).content.decode()
    assert "1 rejected" in page


def test_script_in_title_and_text_is_stored_as_text_and_escaped(login, team, run_worker):
    client = login(team["annotator"])
    evil = (
        "<script>alert('x')</script> Ferry news from the island\n\n"
        "The body <script>alert(2)</script> goes on.\n"
    )
    batch = run_worker(client, team.slug, [txt("evil.txt", evil)])
    article = results(batch)["evil.txt"].article
    assert article.title.startswith("<script>alert('x')</script>")
    assert "<script>alert(2)</script>" in article.text
    for url in [
        reverse("articles:about", args=[team.slug, article.pk]),
        reverse("projects:detail", args=[team.slug]),
        reverse("articles:batch", args=[team.slug, batch.pk]),
        reverse("articles:review", args=[team.slug, batch.pk]),
    ]:
        html = client.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert "&lt;script&gt;alert" in html, url


def test_same_text_again_is_a_duplicate_with_a_link(login, team, run_worker):
    client = login(team["annotator"])
    first = run_worker(client, team.slug, [txt("a.txt", ENGLISH)])
    original = results(first)["a.txt"].article
    # Same text with Windows line ends and a BOM is still the same text.
    second = run_worker(
        client, team.slug, [txt("b.txt", b"\xef\xbb\xbf" + ENGLISH.replace("\n", "\r\n").encode())]
    )
    item = results(second)["b.txt"]
    assert item.status == "duplicate" and item.article == original
    page = client.get(reverse("articles:batch", args=[team.slug, second.pk])).content.decode()
    assert reverse("workspace:article", args=[team.slug, original.pk]) in page
    assert SourceFile.objects.count() == 1


def test_zip_is_unpacked_with_unsafe_and_nested_members_refused(login, team, run_worker):
    archive = make_zip(
        {
            "news/ferry.txt": ENGLISH,
            "news/arabic.txt": ARABIC.encode("cp1256"),
            "../escape.txt": "Path traversal attempt with enough words in it.",
            "inner.zip": make_zip({"x.txt": "hello there friends"}),
            "__MACOSX/._ferry.txt": b"\x00\x05\x16\x07",
        }
    )
    client = login(team["annotator"])
    batch = run_worker(client, team.slug, [txt("bundle.zip", archive)])
    by_name = results(batch)
    assert by_name["bundle.zip"].status == "unpacked"
    assert by_name["bundle.zip/news/ferry.txt"].status == "imported"
    assert by_name["bundle.zip/news/arabic.txt"].article.language == "ar"
    assert "Unsafe file name" in by_name["bundle.zip/../escape.txt"].reason
    assert "inside archives" in by_name["bundle.zip/inner.zip"].reason
    assert not any("MACOSX" in name for name in by_name)
    source = SourceFile.objects.get(article=by_name["bundle.zip/news/ferry.txt"].article)
    assert (source.name, source.archive_name, source.origin) == (
        "news/ferry.txt",
        "bundle.zip",
        "archive",
    )


def test_zip_with_too_many_files_is_refused_whole(login, team, run_worker, settings):
    settings.IMPORT_BATCH_MAX_FILES = 3
    archive = make_zip({f"{n}.txt": f"Article number {n} with some words." for n in range(5)})
    batch = run_worker(login(team["annotator"]), team.slug, [txt("many.zip", archive)])
    item = results(batch)["many.zip"]
    assert item.status == "rejected" and "holds 5 files; the limit is 3" in item.reason
    assert Article.objects.filter(title__startswith="Article number").count() == 0


def test_zip_bomb_stops_at_the_unpacked_size_limit(login, team, run_worker, settings):
    settings.IMPORT_BATCH_MAX_BYTES = 3_000_000
    bomb = make_zip({f"part{n}.txt": b"a" * 1_000_000 for n in range(4)})  # 4 MB from ~16 KB
    assert len(bomb) < 50_000
    batch = run_worker(login(team["annotator"]), team.slug, [txt("bomb.zip", bomb)])
    item = results(batch)["bomb.zip"]
    assert item.status == "rejected" and "more than the 2.9\xa0MB allowed" in item.reason
    assert ImportItem.objects.filter(batch=batch).count() == 1
    assert not SourceFile.objects.exists()


def test_too_many_files_or_bytes_at_once_are_refused_before_anything_is_stored(
    login, team, settings
):
    settings.IMPORT_BATCH_MAX_FILES = 2
    client = login(team["annotator"])
    url = reverse("articles:upload", args=[team.slug])
    files = [txt(f"{n}.txt", ENGLISH + str(n)) for n in range(3)]
    page = client.post(url, {"files": files})
    assert page.status_code == 422
    assert "3 files is more than the 2 allowed at once" in page.content.decode()
    settings.IMPORT_BATCH_MAX_FILES = 10
    settings.IMPORT_BATCH_MAX_BYTES = 100
    page = client.post(url, {"files": [txt("a.txt", ENGLISH)]})
    assert page.status_code == 422 and "more than the 100" in page.content.decode()
    assert not ImportBatch.objects.exists() and not SourceFile.objects.exists()


def test_batch_page_shows_waiting_state_and_polls_until_done(login, team, run_worker):
    client = login(team["annotator"])
    batch = run_worker(client, team.slug, [txt("a.txt", ENGLISH)], run=False)
    url = reverse("articles:batch", args=[team.slug, batch.pk])
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in partial and "<html" not in partial
    assert "Waiting for the import worker" in partial and "0%" in partial
    # Coming back later (any page load) shows the state kept in the database.
    upload_page = client.get(reverse("articles:upload", args=[team.slug])).content.decode()
    assert f"Import #{batch.pk}" in upload_page and "Waiting for the worker" in upload_page
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial and "100%" in partial and "Done" in partial


def test_stalled_batch_can_be_resumed(login, team, run_worker):
    client = login(team["annotator"])
    batch = run_worker(client, team.slug, [txt("a.txt", ENGLISH)], run=False)
    old = "2020-01-01T00:00:00Z"  # queued long ago, and no worker took it since
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=old, heartbeat_at=old)
    page = client.get(reverse("articles:batch", args=[team.slug, batch.pk])).content.decode()
    assert "Resume import" in page
    client.post(reverse("articles:resume", args=[team.slug, batch.pk]))
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    batch.refresh_from_db()
    assert batch.status == "done"
    assert results(batch)["a.txt"].status == "imported"  # imported once, not twice


def test_upload_overrides_outlet_and_language_for_the_batch(login, team, outlets, run_worker):
    outlet = outlets["Meridian Wire"]
    batch = run_worker(
        login(team["annotator"]),
        team.slug,
        [txt("a.txt", ENGLISH)],
        outlet=outlet.pk,
        language="fr",
    )
    article = results(batch)["a.txt"].article
    assert (article.outlet, article.language) == (outlet, "fr")


def test_review_table_fixes_metadata_of_all_new_articles(login, team, outlets, run_worker):
    client = login(team["annotator"])
    batch = run_worker(client, team.slug, [txt("a.txt", ENGLISH), txt("b.txt", ARABIC)])
    a, b = results(batch)["a.txt"].article, results(batch)["b.txt"].article
    url = reverse("articles:review", args=[team.slug, batch.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'value="Ferry service' in page.content.decode()
    data = {"action": "rows"}
    for article, title, outlet, published, language in [
        (a, "Ferry back", "Island Radio", "2024-03-03 09:50 +02:00", "en"),
        (b, b.title, "الساحل", "15 كانون الثاني 2024", "ar"),
    ]:
        prefix = f"a{article.pk}"
        data |= {
            f"{prefix}-title": title,
            f"{prefix}-outlet": outlet,
            f"{prefix}-published": published,
            f"{prefix}-language": language,
        }
    bad = data | {f"a{a.pk}-published": "someday soon"}
    response = client.post(url, bad)
    assert response.status_code == 422 and "Not a date we can read" in response.content.decode()
    assert client.post(url, data).status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.title == "Ferry back" and a.outlet.name == "Island Radio"  # new source created
    assert a.published_at.isoformat() == "2024-03-03T07:50:00+00:00"
    assert a.published_tz == "+02:00"
    assert b.outlet.name == "Al-Sahil Daily"  # matched by its Arabic other name
    client.post(url, {"action": "all", "all_outlet": "Meridian Wire", "all_language": "en"})
    assert set(
        Article.objects.filter(pk__in=[a.pk, b.pk]).values_list("outlet__name", "language")
    ) == {("Meridian Wire", "en")}


def test_roles_members_upload_outsiders_get_404_and_review_is_for_uploader_or_reviewer(
    login, team, outsider, run_worker
):
    batch = run_worker(login(team["annotator"]), team.slug, [txt("a.txt", ENGLISH)])
    article = results(batch)["a.txt"].article
    stranger = login(outsider)
    for url in [
        reverse("articles:upload", args=[team.slug]),
        reverse("articles:list", args=[team.slug]),
        reverse("articles:batch", args=[team.slug, batch.pk]),
        reverse("articles:review", args=[team.slug, batch.pk]),
        reverse("articles:about", args=[team.slug, article.pk]),
        reverse("articles:original", args=[team.slug, article.pk]),
    ]:
        assert stranger.get(url).status_code == 404, url
    assert (
        stranger.post(
            reverse("articles:upload", args=[team.slug]), {"files": [txt("x.txt", ENGLISH)]}
        ).status_code
        == 404
    )
    review = reverse("articles:review", args=[team.slug, batch.pk])
    assert login(team["annotator2"]).get(review).status_code == 403
    assert login(team["reviewer"]).get(review).status_code == 200
    assert login(team["owner"]).get(review).status_code == 200
    for role in ["owner", "reviewer", "annotator2"]:
        assert (
            login(team[role]).get(reverse("articles:upload", args=[team.slug])).status_code == 200
        )


def test_every_post_needs_the_csrf_token(team):
    client = Client(enforce_csrf_checks=True)
    client.force_login(team["owner"])
    for url, data in [
        (reverse("articles:upload", args=[team.slug]), {"files": [txt("a.txt", ENGLISH)]}),
        (reverse("articles:paste", args=[team.slug]), {"text": ENGLISH}),
    ]:
        assert client.post(url, data).status_code == 403
    assert not ImportBatch.objects.exists()


def test_paste_form_imports_text_with_given_metadata(login, team, outlets):
    client = login(team["annotator"])
    response = client.post(
        reverse("articles:paste", args=[team.slug]),
        {
            "text": ARABIC,
            "title": "",
            "outlet": "Rased Network",
            "url": "https://t.me/rased/1",
            "published": "2024-01-15 10:30 +03:00",
            "language": "",
        },
    )
    assert response.status_code == 302
    article = Article.objects.latest("pk")
    assert article.title == "الجيش يعلن انسحاب القوات من قاعدة تل صفرا"
    assert article.outlet.name == "Rased Network" and article.language == "ar"
    assert article.published_at.isoformat() == "2024-01-15T07:30:00+00:00"
    assert article.source_file.origin == "paste"
    empty = client.post(reverse("articles:paste", args=[team.slug]), {"text": "   \n "})
    assert empty.status_code == 422 and "The text is empty" in empty.content.decode()

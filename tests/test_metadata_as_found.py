"""Metadata kept as found: the review table saves only what a person changed; publication
times are shown as published (local time and zone, UTC on hover); titles skip section
paths, bylines and interface labels; a mixed-language text keeps its main language and
each paragraph is read by the suggesters in its own."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotator.annotations.models import Annotation, Status
from annotator.articles.models import ImportItem
from annotator.suggestions.runs import suggestions_run

# Articles written for these tests (fictional places and outlets).
DATELINE_ARABIC = (
    "الأخبار | السبت 3 شباط 2024 | 15:45 دمشق\n\n"
    "افتتاح جسر النهر الجديد في بلدة الوادي بعد سنتين من العمل\n\n"
    "قال رئيس البلدية إن الجسر سيفتح أمام السيارات يوم الأحد، بحسب وكالة السهل.\n"
)
NAVIGATION_ENGLISH = (
    "World | Middle East | Gulf\n"
    "By Staff Reporter\n"
    "Listen to this article\n"
    "Fishermen return to Coral Bay as the storm season ends\n\n"
    "Boats left the harbour at dawn on Monday, the port office said.\n"
)
MIXED = (
    "Traders reopen the covered market in Qarmal after the floods\n\n"
    "Stalls reopened on Friday evening for the first time since the floods, the market "
    "committee said. Shoppers reportedly queued for an hour before the gates opened. "
    "Prices of bread and vegetables were unchanged, traders told the local radio.\n\n"
    "وقال أحد التجار إن الأسعار لم تتغير، بحسب وكالة السهل.\n\n"
    "The committee said the roof would be repaired before the winter rains.\n"
)
# Mostly English, with one long Arabic quotation: read whole, it looks Arabic.
QUOTING = (
    "Qarmal market reopens\n\nStalls reopened on Friday, the committee said.\n\n"
    "A banner over the gate read:\n\n"
    "وقال أحد التجار إن الأسعار لم تتغير منذ الفيضانات، "
    "وإن الزبائن عادوا بسرعة إلى السوق القديم\n\n"
    "Prices were unchanged, traders said.\n"
)


def txt(name, content):
    return SimpleUploadedFile(name, content.encode(), content_type="text/plain")


def imported(batch, name):
    return ImportItem.objects.get(batch=batch, name=name).article


def rows_as_the_page_fills_them(page: str) -> dict:
    """The review table's fields as the browser would post them back untouched."""
    data = {"action": "rows"}
    for name, value in re.findall(r'<input[^>]*name="(a\d+-[a-z]+)"[^>]*value="([^"]*)"', page):
        data[name] = value.replace("&amp;", "&").replace("&quot;", '"')
    for name, value in re.findall(
        r'<select name="(a\d+-language)"[^>]*>.*?<option value="([^"]*)"[^>]*selected', page, re.S
    ):
        data[name] = value
    return data


def test_untouched_rows_keep_their_date_and_its_provenance(login, team, run_worker):
    client = login(team["annotator"])
    batch = run_worker(
        client, team.slug, [txt("dateline.txt", DATELINE_ARABIC), txt("nav.txt", MIXED)]
    )
    dateline, other = imported(batch, "dateline.txt"), imported(batch, "nav.txt")
    assert dateline.published_tz == "Asia/Damascus"
    assert "15:45 دمشق" in dateline.published_raw
    url = reverse("articles:review", args=[team.slug, batch.pk])
    page = client.get(url).content.decode()
    assert 'value="2024-02-03 15:45 Asia/Damascus"' in page  # the zone, by name
    data = rows_as_the_page_fills_them(page)
    assert data[f"a{dateline.pk}-published"] == "2024-02-03 15:45 Asia/Damascus"
    data[f"a{other.pk}-title"] = "Covered market reopens"
    assert client.post(url, data).status_code == 302
    dateline.refresh_from_db()
    other.refresh_from_db()
    assert other.title == "Covered market reopens"
    assert dateline.published_tz == "Asia/Damascus"  # not rewritten as "+03:00"
    assert "15:45 دمشق" in dateline.published_raw  # "found in" is kept
    about = client.get(reverse("articles:about", args=[team.slug, dateline.pk])).content.decode()
    assert "15:45 دمشق" in about


def test_a_date_typed_with_a_zone_name_reads_back_as_typed(login, team, run_worker):
    client = login(team["annotator"])
    batch = run_worker(client, team.slug, [txt("m.txt", MIXED)])
    article = imported(batch, "m.txt")
    url = reverse("articles:review", args=[team.slug, batch.pk])
    data = rows_as_the_page_fills_them(client.get(url).content.decode())
    data[f"a{article.pk}-published"] = "2024-02-03 15:45 Asia/Beirut"
    assert client.post(url, data).status_code == 302
    article.refresh_from_db()
    assert article.published_at.isoformat() == "2024-02-03T13:45:00+00:00"
    assert article.published_tz == "Asia/Beirut"
    assert 'value="2024-02-03 15:45 Asia/Beirut"' in client.get(url).content.decode()
    data[f"a{article.pk}-published"] = "2024-02-03 15:45 Mars/Olympus"
    response = client.post(url, data)
    assert response.status_code == 422 and "Not a date we can read" in response.content.decode()


def test_workspace_shows_the_time_as_published_and_utc_on_hover(login, team, run_worker):
    client = login(team["annotator"])
    batch = run_worker(client, team.slug, [txt("dateline.txt", DATELINE_ARABIC)])
    article = imported(batch, "dateline.txt")
    page = client.get(reverse("workspace:article", args=[team.slug, article.pk])).content.decode()
    published = re.search(r"<time [^>]*>.*?</time>", page, re.S)[0]
    assert 'title="3 Feb 2024, 12:45 UTC"' in published
    assert "3 Feb 2024, 15:45" in published and "Asia/Damascus (+03:00)" in published


def test_titles_skip_section_paths_bylines_and_interface_labels(login, team, run_worker):
    client = login(team["annotator"])
    batch = run_worker(
        client, team.slug, [txt("nav.txt", NAVIGATION_ENGLISH), txt("d.txt", DATELINE_ARABIC)]
    )
    assert imported(batch, "nav.txt").title == (
        "Fishermen return to Coral Bay as the storm season ends"
    )
    assert imported(batch, "d.txt").title.startswith("افتتاح جسر النهر الجديد")


@pytest.mark.parametrize(
    "text, language",
    [(MIXED, "en"), (QUOTING, "en"), (DATELINE_ARABIC + "\nThe mayor said: we are ready.\n", "ar")],
)
def test_mixed_text_keeps_its_main_language(login, team, run_worker, text, language):
    batch = run_worker(login(team["annotator"]), team.slug, [txt("a.txt", text)])
    assert imported(batch, "a.txt").language == language


def test_each_paragraph_is_suggested_in_its_own_language(login, team, run_worker):
    batch = run_worker(login(team["annotator"]), team.slug, [txt("m.txt", MIXED)])
    article = imported(batch, "m.txt")
    suggestions_run(article=article)  # what the task queued on import does
    suggested = Annotation.objects.filter(article=article, status=Status.SUGGESTED)
    quotes = {(s.kind, s.quote) for s in suggested}
    arabic_line = MIXED.index("وقال")
    arabic = [s for s in suggested if arabic_line <= s.start < MIXED.index("\n", arabic_line)]
    assert ("attribution", "بحسب وكالة السهل") in {(s.kind, s.quote) for s in arabic}
    assert ("hedge", "reportedly") in quotes  # the English paragraphs are still read as English
    for s in suggested:
        assert article.text[s.start : s.end] == s.quote

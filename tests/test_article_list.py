"""The project's article list: full-text search in English and Arabic, filters, sort,
pagination, counts, and a bounded number of queries with 10,000 articles."""

import hashlib
import json
from datetime import UTC, datetime, timedelta

import factories
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.management.commands import db_worker

from annotator.annotations.kinds import ATTRIBUTION, HEDGE
from annotator.articles.indexing import articles_search_index_task
from annotator.articles.models import Article
from annotator.articles.services import article_metadata_update

WIRE = (
    "QARMAL, March 12 (Meridian Wire) - Foreign troops withdrew from the Tal Safra base "
    "on Tuesday, two local officials told Meridian Wire.\n\n"
    "The base lies 3 km west of Qarmal airport and housed about 300 personnel."
)


@pytest.fixture
def articles(team):
    """Three plain articles (one with an outlet, one Arabic and ready, one undated) and an
    annotated wire report: two claims, an attribution and a hedge."""
    gazette = factories.source(team.project, "Lantern Gazette")
    day = datetime(2024, 5, 1, tzinfo=UTC)
    wire = factories.article(
        team.project,
        WIRE,
        title="Foreign troops withdraw from Tal Safra base, officials say",
        outlet=factories.source(team.project, "Meridian Wire"),
        published_at=datetime(2025, 3, 12, 9, 40, tzinfo=UTC),
    )
    withdrew = factories.span(wire, "Foreign troops withdrew from the Tal Safra base")
    factories.link(factories.span(wire, "two local officials told", kind=ATTRIBUTION), withdrew)
    factories.link(factories.span(wire, "about", kind=HEDGE), factories.span(wire, "300"))
    return {
        "lighthouse": factories.article(
            team.project,
            "The keepers were protesting against longer night shifts.",
            title="Lighthouse keepers protest new rota",
            outlet=gazette,
            published_at=day,
            published_precision="day",
        ),
        "fishermen": factories.article(
            team.project,
            "عاد الصيادون إلى البحر بعد أسبوع من العواصف، وقالوا إن المراكب تضررت.",
            title="الصيادون يعودون إلى البحر",
            language="ar",
            published_at=day + timedelta(days=10),
            published_precision="day",
            status="ready",
        ),
        "orchard": factories.article(
            team.project, "Apples ripened early.", title="Orchard harvest begins early"
        ),
        "wire": wire,
    }


def titles(page):
    return [a.title for a in page.context["listing"].articles]


def get(client, team, **params):
    return client.get(reverse("articles:list", args=[team.slug]), params)


def test_search_finds_english_words_by_stem_and_arabic_words(login, team, articles):
    client = login(team["annotator"])
    assert titles(get(client, team, q="protests")) == ["Lighthouse keepers protest new rota"]
    assert titles(get(client, team, q="shift")) == ["Lighthouse keepers protest new rota"]
    assert titles(get(client, team, q="العواصف")) == ["الصيادون يعودون إلى البحر"]
    assert titles(get(client, team, q="المراكب")) == ["الصيادون يعودون إلى البحر"]
    assert titles(get(client, team, q="submarine")) == []


def worker():
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)


def test_the_worker_indexes_new_articles_and_the_search_finds_them_before_and_after(
    login, team, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    client = login(team["owner"])  # imports datasets
    lines = [
        {"text": "Keepers protesting longer shifts.", "title": "Rota", "language": "en"},
        {"text": "عاد الصيادون إلى البحر بعد أسبوع من العواصف.", "language": "ar"},
    ]
    upload = SimpleUploadedFile(
        "lines.jsonl", "".join(json.dumps(line) + "\n" for line in lines).encode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("exports:import", args=[team.slug]),
            {"file": upload, "doccano_offsets": "codepoint"},
        )
    assert response.status_code == 200 and "2 articles" in response.content.decode()
    assert Article.objects.not_indexed().count() == 2  # one task queued for the batch
    assert titles(get(client, team, q="protests")) == ["Rota"]
    worker()
    assert not Article.objects.not_indexed().exists()
    assert titles(get(client, team, q="protests")) == ["Rota"]
    assert len(titles(get(client, team, q="العواصف"))) == 1


def test_an_edit_reindexes_at_once_indexed_or_not(login, team, articles):
    client = login(team["owner"])
    article_metadata_update(article=articles["orchard"], title="Cider presses reopen")
    assert titles(get(client, team, q="cider")) == ["Cider presses reopen"]
    assert articles_search_index_task.call() == {"indexed": 3, "more": False}
    article_metadata_update(article=articles["lighthouse"], title="Harbour pilots strike")
    assert titles(get(client, team, q="pilots")) == ["Harbour pilots strike"]
    assert titles(get(client, team, q="lighthouse")) == []
    assert titles(get(client, team, q="cider")) == ["Cider presses reopen"]


def test_filters_sort_and_counts(login, team, articles):
    client = login(team["annotator"])
    gazette = articles["lighthouse"].outlet
    assert titles(get(client, team, outlet=gazette.pk)) == ["Lighthouse keepers protest new rota"]
    assert "الصيادون يعودون إلى البحر" in titles(get(client, team, language="ar"))
    assert "Orchard harvest begins early" not in titles(get(client, team, language="ar"))
    assert titles(get(client, team, status="ready")) == ["الصيادون يعودون إلى البحر"]
    in_may = titles(get(client, team, date_from="2024-05-01", date_to="2024-05-05"))
    assert in_may == ["Lighthouse keepers protest new rota"]
    oldest = titles(get(client, team, sort="oldest"))
    assert oldest.index("Lighthouse keepers protest new rota") < oldest.index(
        "الصيادون يعودون إلى البحر"
    )
    assert oldest[-1] == "Orchard harvest begins early"  # undated ones last
    # Per-article counts of the annotated article (claims / attributions / hedges).
    page = get(client, team)
    annotated = next(a for a in page.context["listing"].articles if a.counts.get("claim"))
    assert annotated.counts["claim"] == annotated.annotations.filter(kind="claim").count()


def test_htmx_gets_only_the_list_and_bad_filters_are_ignored(login, team, articles):
    client = login(team["annotator"])
    partial = client.get(
        reverse("articles:list", args=[team.slug]), {"q": "apples"}, HTTP_HX_REQUEST="true"
    )
    html = partial.content.decode()
    assert "<html" not in html and 'id="article-list"' in html
    assert "Orchard harvest begins early" in html
    page = get(client, team, date_from="yesterday", page="x")
    assert page.status_code == 200 and "were not understood" in page.content.decode()


OUTLETS = ["Meridian Wire", "The Northern Ledger", "Al-Sahil Daily", "Rased Network"]


@pytest.fixture
def ten_thousand(team):
    outlets = [factories.source(team.project, name) for name in OUTLETS]
    start = datetime(2020, 1, 1, tzinfo=UTC)
    rows = []
    for n in range(10_000):
        arabic = n % 4 == 0
        text = (
            f"تقرير رقم {n} عن الميناء بعد العواصف في المدينة."
            if arabic
            else f"Report number {n} about the harbour and the storms in town."
        )
        rows.append(
            Article(
                project=team.project,
                title=f"Report {n}",
                text=text,
                text_sha256=hashlib.sha256(text.encode()).hexdigest(),
                language="ar" if arabic else "en",
                published_at=start + timedelta(hours=n),
                published_precision="minute",
                outlet=outlets[n % len(outlets)],
            )
        )
    Article.objects.bulk_create(rows, batch_size=2000)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "storms"},
        {"q": "العواصف", "language": "ar"},
        {"sort": "oldest", "page": "150", "date_from": "2020-02-01"},
    ],
)
def test_list_with_10000_articles_needs_a_fixed_number_of_queries(
    login, team, ten_thousand, django_assert_max_num_queries, params
):
    client = login(team["annotator"])
    with django_assert_max_num_queries(6):
        page = get(client, team, **params)
    assert page.status_code == 200
    listing = page.context["listing"]
    assert len(listing.articles) == 50 and listing.total > 1000
    with django_assert_max_num_queries(6):
        project_page = client.get(reverse("projects:detail", args=[team.slug]), params)
    assert f"of {listing.total} articles" in project_page.content.decode()

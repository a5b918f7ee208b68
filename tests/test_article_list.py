"""The project's article list: full-text search in English and Arabic, filters, sort,
pagination, counts, and a bounded number of queries with 10,000 articles."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from annotator.articles.models import Article
from annotator.sources.models import Source


def add(project, title, text, language, published=None, outlet=None, status="new"):
    return Article.objects.create(
        project=project,
        title=title,
        text=text,
        text_sha256=hashlib.sha256(text.encode()).hexdigest(),
        language=language,
        published_at=published,
        published_precision="day" if published else "",
        outlet=outlet,
        status=status,
    )


@pytest.fixture
def articles(demo):
    gazette = Source.objects.create(project=demo, name="Lantern Gazette")
    day = datetime(2024, 5, 1, tzinfo=UTC)
    return {
        "lighthouse": add(
            demo,
            "Lighthouse keepers protest new rota",
            "The keepers were protesting against longer night shifts.",
            "en",
            day,
            gazette,
        ),
        "fishermen": add(
            demo,
            "الصيادون يعودون إلى البحر",
            "عاد الصيادون إلى البحر بعد أسبوع من العواصف، وقالوا إن المراكب تضررت.",
            "ar",
            day + timedelta(days=10),
            status="ready",
        ),
        "orchard": add(demo, "Orchard harvest begins early", "Apples ripened early.", "en"),
    }


def titles(page):
    return [a.title for a in page.context["listing"].articles]


def get(client, demo, **params):
    return client.get(reverse("articles:list", args=[demo.slug]), params)


def test_search_finds_english_words_by_stem_and_arabic_words(login, demo, demo_users, articles):
    client = login(demo_users["annotator"])
    assert titles(get(client, demo, q="protests")) == ["Lighthouse keepers protest new rota"]
    assert titles(get(client, demo, q="shift")) == ["Lighthouse keepers protest new rota"]
    assert titles(get(client, demo, q="العواصف")) == ["الصيادون يعودون إلى البحر"]
    assert titles(get(client, demo, q="المراكب")) == ["الصيادون يعودون إلى البحر"]
    assert titles(get(client, demo, q="submarine")) == []


def test_filters_sort_and_counts(login, demo, demo_users, articles):
    client = login(demo_users["annotator"])
    gazette = articles["lighthouse"].outlet
    assert titles(get(client, demo, outlet=gazette.pk)) == ["Lighthouse keepers protest new rota"]
    assert "الصيادون يعودون إلى البحر" in titles(get(client, demo, language="ar"))
    assert "Orchard harvest begins early" not in titles(get(client, demo, language="ar"))
    assert titles(get(client, demo, status="ready")) == ["الصيادون يعودون إلى البحر"]
    in_may = titles(get(client, demo, date_from="2024-05-01", date_to="2024-05-05"))
    assert in_may == ["Lighthouse keepers protest new rota"]
    oldest = titles(get(client, demo, sort="oldest"))
    assert oldest.index("Lighthouse keepers protest new rota") < oldest.index(
        "الصيادون يعودون إلى البحر"
    )
    assert oldest[-1] == "Orchard harvest begins early"  # undated ones last
    # Per-article counts of the demo's annotated articles (claims / attributions / hedges).
    page = get(client, demo)
    demo_article = next(a for a in page.context["listing"].articles if a.claim_count)
    assert demo_article.claim_count == demo_article.annotations.filter(kind="claim").count()


def test_htmx_gets_only_the_list_and_bad_filters_are_ignored(login, demo, demo_users, articles):
    client = login(demo_users["annotator"])
    partial = client.get(
        reverse("articles:list", args=[demo.slug]), {"q": "apples"}, HTTP_HX_REQUEST="true"
    )
    html = partial.content.decode()
    assert "<html" not in html and 'id="article-list"' in html
    assert "Orchard harvest begins early" in html
    page = get(client, demo, date_from="yesterday", page="x")
    assert page.status_code == 200 and "were not understood" in page.content.decode()


@pytest.fixture
def ten_thousand(demo):
    outlets = list(Source.objects.filter(project=demo))
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
                project=demo,
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
    login, demo, demo_users, ten_thousand, django_assert_max_num_queries, params
):
    client = login(demo_users["annotator"])
    with django_assert_max_num_queries(6):
        page = get(client, demo, **params)
    assert page.status_code == 200
    listing = page.context["listing"]
    assert len(listing.articles) == 50 and listing.total > 1000
    with django_assert_max_num_queries(6):
        project_page = client.get(reverse("projects:detail", args=[demo.slug]), params)
    assert f"of {listing.total} articles" in project_page.content.decode()

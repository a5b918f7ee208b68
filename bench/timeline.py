"""Event page benchmark: an event with 2,000 claims across 500 articles.

    .venv/bin/python bench/timeline.py [--runs 20]

Builds (once) the event in its own database (annotator_bench): 500 articles from 25
outlets, 4 claims each with a claimed time, half of them attributed (some through a
second hop), and same / contradicts links between outlets. Then renders the event page
(SVG and table) in-process with production settings and prints the median, p95 and
the number of queries.
"""

import argparse
import hashlib
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEV_DATABASE_NAME", "annotator_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "k" * 60)
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from annotator.annotations.models import Annotation, Link  # noqa: E402
from annotator.articles.models import Article  # noqa: E402
from annotator.events.models import ClaimRelation, Event  # noqa: E402
from annotator.projects.models import Membership, Project, Role  # noqa: E402
from annotator.sources.models import ReliabilityAssessment, Source  # noqa: E402

ARTICLES, CLAIMS_PER_ARTICLE, OUTLETS = 500, 4, 25
TEMPLATE = (
    "Residents said the convoy left the northern base on day {n}. "
    "The agency reported that about {k} vehicles were involved. "
    "Officials told the paper the road was closed for {h} hours. "
    "A spokesman said the area was calm by evening."
)
CLAIM_QUOTES = [
    "the convoy left the northern base on day {n}",
    "about {k} vehicles were involved",
    "the road was closed for {h} hours",
    "the area was calm by evening",
]


def build(user):
    project, created = Project.objects.get_or_create(
        slug="timeline-bench", defaults={"name": "Timeline benchmark"}
    )
    Membership.objects.get_or_create(project=project, user=user, defaults={"role": Role.OWNER})
    event, _ = Event.objects.get_or_create(project=project, title="Convoy")
    if Annotation.objects.filter(event=event).count() >= ARTICLES * CLAIMS_PER_ARTICLE:
        return project, event
    outlets = [Source.objects.create(project=project, name=f"Outlet {i}") for i in range(OUTLETS)]
    agency = Source.objects.create(project=project, name="The Agency")
    for source in [*outlets, agency]:
        ReliabilityAssessment.objects.create(
            source=source,
            grade="BCDE"[source.pk % 4],
            rationale="bench",
            assessed_by=user,
            assessed_at=datetime.now(UTC),
        )
    start = datetime(2025, 1, 1, tzinfo=UTC)
    articles = []
    for i in range(ARTICLES):
        text = TEMPLATE.format(n=i % 30, k=10 + i % 7, h=2 + i % 5)
        text = f"{text} (report {i})"
        articles.append(
            Article(
                project=project,
                outlet=outlets[i % OUTLETS],
                title=f"Report {i}",
                text=text,
                text_sha256=hashlib.sha256(text.encode()).hexdigest(),
                language="en",
                published_at=start + timedelta(hours=7 * i),
                published_precision="minute",
            )
        )
    Article.objects.bulk_create(articles)
    claims, attributions = [], []
    for i, article in enumerate(articles):
        for j, pattern in enumerate(CLAIM_QUOTES):
            quote = pattern.format(n=i % 30, k=10 + i % 7, h=2 + i % 5)
            begin = article.text.index(quote)
            claims.append(
                Annotation(
                    article=article,
                    kind="claim",
                    start=begin,
                    end=begin + len(quote),
                    quote=quote,
                    event=event,
                    claimed_at=start + timedelta(days=(i % 30) + j),
                    claimed_precision=["day", "minute", "month", "approximate"][j],
                    created_by=user,
                )
            )
        if i % 2 == 0:
            quote = "The agency reported"
            begin = article.text.index(quote)
            attributions.append(
                Annotation(
                    article=article,
                    kind="attribution",
                    start=begin,
                    end=begin + len(quote),
                    quote=quote,
                    cited_source=agency,
                    created_by=user,
                )
            )
    Annotation.objects.bulk_create(claims + attributions)
    by_article = {}
    for claim in claims:
        by_article.setdefault(claim.article_id, []).append(claim)
    Link.objects.bulk_create(
        [
            Link(from_annotation=a, to_annotation=by_article[a.article_id][1], kind="attributes")
            for a in attributions
        ]
    )
    relations = []
    for i in range(0, len(claims) - CLAIMS_PER_ARTICLE * 3, CLAIMS_PER_ARTICLE * 3):
        a, b = claims[i], claims[i + CLAIMS_PER_ARTICLE]
        relations.append(ClaimRelation(claim_a=a, claim_b=b, kind="same"))
        c = claims[i + CLAIMS_PER_ARTICLE * 2]
        relations.append(ClaimRelation(claim_a=a, claim_b=c, kind="contradicts"))
    ClaimRelation.objects.bulk_create(relations)
    return project, event


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    # Production settings serve hashed static files: they need collecting first.
    call_command("collectstatic", "--noinput", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="bench")
    project, event = build(user)
    client = Client()
    client.force_login(user)
    url = f"/p/{project.slug}/events/{event.pk}/"
    response = client.get(url)  # warm up
    assert response.status_code == 200, response.status_code
    queries = []
    with connection.execute_wrapper(lambda run, sql, *args: queries.append(sql) or run(sql, *args)):
        client.get(url)
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    claims = Annotation.objects.filter(event=event, kind="claim").count()
    articles = Article.objects.filter(annotations__event=event).distinct().count()
    times.sort()
    print(
        f"event page: {claims} claims in {articles} articles, {len(response.content) / 1e6:.1f} "
        f"MB of HTML, {len(queries)} queries"
    )
    print(
        f"render: median {statistics.median(times):.0f} ms, "
        f"p95 {times[int(0.95 * (len(times) - 1))]:.0f} ms over {args.runs} runs"
    )


if __name__ == "__main__":
    main()

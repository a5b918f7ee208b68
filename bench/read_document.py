"""Reading benchmark: open a 500-span article through the API and the workspace page.

    DEV_DATABASE_NAME=annotator_bench .venv/bin/python bench/read_document.py [--runs 30]

Builds (once) an article of about 3,000 characters with 500 spans, as the peers harness
(../shared/peers) does: one span every len/500 characters, each one character shorter than
the stride, kinds in turn, each created through the service. Then measures, in process
through Django's test client (the whole middleware stack, no network): the API article
detail without and with ?context=1, and the workspace page. Prints the median and p95 of
--runs requests after a warm-up, the median CPU time this process spent on one (the
database's excluded: steadier than wall time on a busy machine) and the answer's size in KB.
"""

import argparse
import hashlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEV_DATABASE_NAME", "annotator_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from annotator.accounts.services import api_token_create  # noqa: E402
from annotator.annotations.models import Annotation  # noqa: E402
from annotator.annotations.services import annotation_create  # noqa: E402
from annotator.articles.models import Article  # noqa: E402
from annotator.projects.models import Membership, Project, Role  # noqa: E402

SPANS = 500
SENTENCE = (
    "Officials said about 300 troops left the Tal Safra base on Tuesday, sources told "
    "Meridian Wire. وقال مسؤول إن نحو 300 عنصر غادروا القاعدة. "
)


def build_article():
    """A 3,000-character article with 500 dense spans, created through the service."""
    call_command("migrate", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="bench")
    project, _ = Project.objects.get_or_create(slug="bench-read", defaults={"name": "Reading"})
    Membership.objects.get_or_create(project=project, user=user, defaults={"role": Role.OWNER})
    text = (SENTENCE * 30)[:3_000].strip()
    article, _ = Article.objects.get_or_create(
        project=project,
        title="Dense article",
        defaults={
            "text": text,
            "language": "en",
            "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
        },
    )
    if not Annotation.objects.filter(article=article).exists():
        stride = len(text) // SPANS
        for index in range(SPANS):
            start, end = index * stride, index * stride + stride - 1
            annotation_create(
                article=article,
                kind=["claim", "attribution", "hedge"][index % 3],
                start=start,
                end=end,
                quote=text[start:end],
                created_by=user,
            )
    return user, project, article


def measure(client, path, runs):
    for _ in range(5):
        client.get(path)  # warm up
    times, cpu, size = [], [], 0
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        size = len(response.content)
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code}")
    ordered = sorted(times)
    p95 = ordered[int(0.95 * (runs - 1))]
    return statistics.median(times), p95, statistics.median(cpu), size / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    user, project, article = build_article()
    settings.DEBUG = False  # as in production: no query log (static files stay development's)
    token = api_token_create(user=user, name="bench-read")[1]
    # Two clients, as the peers harness has: the API one sends only its token; the
    # browser one has a session. localhost: one of the development ALLOWED_HOSTS.
    api_client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
    browser = Client(HTTP_HOST="localhost")
    browser.force_login(user)
    api = f"/api/projects/{project.slug}/articles/{article.pk}/"
    page = f"/p/{project.slug}/articles/{article.pk}/"
    rows = [
        ("API article detail", measure(api_client, api, args.runs)),
        ("API article detail ?context=1", measure(api_client, api + "?context=1", args.runs)),
        ("workspace page", measure(browser, page, args.runs)),
    ]
    spans = Annotation.objects.filter(article=article).count()
    print(
        f"\nreading benchmark: {spans} spans on {len(article.text)} characters, in process, "
        f"PostgreSQL {settings.DATABASES['default']['NAME']}, "
        f"load {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores\n"
    )
    print(f"{'measure':32} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms':>8} {'KB':>8}")
    for name, (median, p95, cpu, kb) in rows:
        print(f"{name:32} {median:>8.1f} {p95:>8.1f} {cpu:>8.1f} {kb:>8.1f}")


if __name__ == "__main__":
    main()

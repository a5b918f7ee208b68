"""Article import speed: 1,000 generated articles of about 3,000 characters (a quarter
Arabic) through the import service, then through the upload endpoint (one batch, run by
the worker code), printing articles per second and peak Python memory.

    DEV_DATABASE_NAME=annotator_bench .venv/bin/python bench/ingest.py [--count 1000]

Uses its own project ("bench-ingest"), emptied first, and drops the background tasks it
queued (no worker runs them here; left, they would slow the next runs' queueing). Target:
≥ 300 articles/s through the worker; memory should not grow with the number of articles.
"""

import argparse
import functools
import os
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

# With DEBUG on, Django keeps every query in memory: that would be the growth we measure.
settings.DEBUG = False

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from annotator.articles.batches import batch_run  # noqa: E402
from annotator.articles.models import ImportBatch, Origin  # noqa: E402
from annotator.articles.parsing import parse_upload  # noqa: E402
from annotator.articles.services import article_import  # noqa: E402
from annotator.projects.models import Membership, Project, Role  # noqa: E402
from annotator.sources.services import SourceMatcher  # noqa: E402

EN_WORDS = str.split(
    "the officials said convoy base troops withdrew reportedly according to sources near "
    "airport village residents on Tuesday morning drones struck statement ministry denied "
    "local council confirmed about hundred vehicles border crossing province"
)
AR_WORDS = str.split(
    "قال مسؤولون إن القوات انسحبت من القاعدة قرب المطار بحسب مصادر محلية صباح الثلاثاء "
    "وأكد المجلس المحلي أن نحو مئة آلية عبرت الحدود في المحافظة بعد هجمات بطائرات مسيرة"
)


def article(n: int, rng: random.Random) -> bytes:
    arabic = n % 4 == 0
    words = AR_WORDS if arabic else EN_WORDS
    date_line = f"{rng.randint(1, 28)} كانون الثاني 2024" if arabic else "Published March 3rd, 2024"
    title = " ".join(rng.choice(words) for _ in range(8))
    paragraphs, length = [], 0
    while length < 3000:
        paragraph = " ".join(rng.choice(words) for _ in range(60)) + "."
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
    text = f"{date_line}\n\n{title} {n}\n\n" + "\n\n".join(paragraphs) + "\n"
    return text.encode("utf-8")


def import_all(project, files):
    matcher = SourceMatcher(project)
    for data in files:
        article_import(
            project=project, name="x.txt", data=data, origin=Origin.COMMAND, matcher=matcher
        )


STARTED = timezone.now()


def fresh_project(user):
    Project.objects.filter(slug="bench-ingest").delete()
    DBTaskResult.objects.filter(enqueued_at__gte=STARTED, status="READY").delete()
    project = Project.objects.create(name="Bench: ingest", slug="bench-ingest")
    Membership.objects.create(project=project, user=user, role=Role.OWNER)
    return project


def timed(label, count, run, memory=False):
    """Times run(); with memory=True under tracemalloc, which slows Python down two to three
    times: those runs give the peak memory, not the speed."""
    if memory:
        tracemalloc.start()
    start = time.perf_counter()
    run()
    elapsed = time.perf_counter() - start
    line = f"{label:<34} {count:>5} articles  {elapsed:6.2f} s  {count / elapsed:7.1f} articles/s"
    if memory:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        line = f"{label:<34} {count:>5} articles  peak Python memory {peak / 1e6:6.1f} MB"
    print(line)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    count = parser.parse_args().count
    rng = random.Random(4)
    user, _ = get_user_model().objects.get_or_create(username="bench-ingest")
    files = [article(n, rng) for n in range(count)]
    print(f"{count} articles, {sum(len(f) for f in files) / count:.0f} bytes each on average")

    project = fresh_project(user)
    matcher = SourceMatcher(project)
    start = time.perf_counter()
    for data in files[:20]:  # loads the language model once, outside the timings
        article_import(project=project, name="warm.txt", data=data, origin=Origin.COMMAND)
    print(f"warm-up (language model load, 20 articles): {time.perf_counter() - start:.2f} s")
    project = fresh_project(user)

    def through_service():
        for n, data in enumerate(files):
            result = article_import(
                project=project,
                name=f"{n}.txt",
                data=data,
                origin=Origin.COMMAND,
                uploaded_by=user,
                matcher=matcher,
            )
            assert result.status == "imported", result.reason

    timed("service (article_import)", count, through_service)
    for size in (count // 10, count):  # memory must not grow with the batch
        project = fresh_project(user)
        run = functools.partial(import_all, project, files[:size])
        timed(f"service, {size} articles", size, run, memory=True)
    start = time.perf_counter()
    for data in files:
        parse_upload("x.txt", data)
    print(
        "parsing alone (decode, title, date, language):"
        f" {count / (time.perf_counter() - start):.0f} articles/s"
    )

    setup_test_environment()
    client = Client()
    client.force_login(user)
    client.get("/")  # the URL map's imports, outside the timings
    project = fresh_project(user)
    split = {}

    def through_upload():
        uploads = [SimpleUploadedFile(f"{n}.txt", data) for n, data in enumerate(files)]
        start = time.perf_counter()
        response = client.post(f"/p/{project.slug}/articles/upload/", {"files": uploads})
        assert response.status_code == 302, response.status_code
        split["upload"], start = time.perf_counter() - start, time.perf_counter()
        batch = ImportBatch.objects.filter(project=project).latest("pk")
        batch = batch_run(batch_id=batch.pk)  # what the db_worker task does
        assert batch.status == "done"
        split["worker"] = time.perf_counter() - start

    timed("upload endpoint + worker", count, through_upload)
    print(
        f"  of which the upload request {split['upload']:.2f} s, the worker"
        f" {split['worker']:.2f} s ({count / split['worker']:.1f} articles/s)"
    )
    project = fresh_project(user)
    timed("upload endpoint + worker", count, through_upload, memory=True)
    fresh_project(user)
    Project.objects.filter(slug="bench-ingest").delete()


if __name__ == "__main__":
    main()

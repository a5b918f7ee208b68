"""Export benchmark: time, output size and peak memory of a JSONL export at two sizes.

    .venv/bin/python bench/export.py [--articles 10000] [--annotations 100000] [--keep]

Builds two projects in their own database (annotator_bench_export, dropped at the end
unless --keep): the full one, by default 10,000 articles with 100,000 annotations,
30,000 links and 20,000 claim relations, and one a tenth of that size (bulk inserts:
set-up, not what is measured). Each export runs in a fresh child process that prints its
wall time, bytes written, peak RSS (VmHWM, else resource.getrusage) and, in a second run,
the peak of Python allocations (tracemalloc, which slows the run, so its time is not
reported). Memory that does not grow from the small project to the large one is the
point: the export streams.
"""

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEV_DATABASE_NAME", "annotator_bench_export")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402

from annotator.annotations.kinds import (  # noqa: E402
    ATTRIBUTES,
    ATTRIBUTION,
    CLAIM,
    HEDGE,
    QUALIFIES,
    VIA,
)
from annotator.annotations.models import Annotation, Link, Status  # noqa: E402
from annotator.articles.models import Article, DatePrecision  # noqa: E402
from annotator.events.models import ClaimRelation, Event  # noqa: E402
from annotator.exports.records import Selection  # noqa: E402
from annotator.exports.streams import export_stream  # noqa: E402
from annotator.projects.models import Project  # noqa: E402
from annotator.sources.models import ReliabilityAssessment, Source  # noqa: E402

# One paragraph, English and Arabic with an emoji; spans are found in it by quote.
PARAGRAPH = (
    "Officials said about 300 troops left the Tal Safra base on Tuesday, sources told "
    "Meridian Wire. The base is reportedly 3 km west of the airport 🚚. "
    "وقال مسؤول إن نحو 300 عنصر غادروا القاعدة يوم الاثنين، بحسب مصادر محلية. "
    "Residents believed to be near the gate saw a convoy leave at dawn.\n\n"
)
SPANS = [  # (kind, quote, extra fields)
    (ATTRIBUTION, "Officials said", {}),
    (HEDGE, "about", {"hedge_type": "approximator"}),
    (CLAIM, "300 troops left the Tal Safra base on Tuesday", {}),
    (ATTRIBUTION, "sources told Meridian Wire", {}),
    (HEDGE, "reportedly", {"hedge_type": "hearsay"}),
    (CLAIM, "The base is reportedly 3 km west of the airport 🚚", {}),
    (ATTRIBUTION, "وقال مسؤول", {}),
    (CLAIM, "نحو 300 عنصر غادروا القاعدة يوم الاثنين", {}),
    (HEDGE, "believed to be", {"hedge_type": "epistemic"}),
    (CLAIM, "saw a convoy leave at dawn", {}),
]
LINKS = [(0, 2, ATTRIBUTES), (1, 2, QUALIFIES), (3, 0, VIA)]
RELATIONS = [(2, 5, "same"), (7, 9, "contradicts")]  # claims of one event


def build(slug: str, articles: int, annotations: int) -> Project:
    """A project with `articles` articles and `annotations` spans (10 per paragraph)."""
    Project.objects.filter(slug=slug).delete()
    user, _ = get_user_model().objects.get_or_create(username="bench")
    project = Project.objects.create(name=f"Benchmark {slug}", slug=slug, guidelines="Bench.")
    sources = Source.objects.bulk_create(
        Source(project=project, name=f"Outlet {i}", aliases=[f"مصدر {i}"]) for i in range(50)
    )
    ReliabilityAssessment.objects.bulk_create(
        ReliabilityAssessment(
            source=s,
            grade="ABCDEF"[i % 6],
            rationale="Bench.",
            assessed_by=user,
            assessed_at=datetime(2025, 1, 1 + i % 28, tzinfo=UTC),
        )
        for i, s in enumerate(sources)
    )
    events = Event.objects.bulk_create(
        Event(project=project, title=f"Event {i}") for i in range(100)
    )
    paragraphs = max(1, annotations // articles // len(SPANS))
    spans_per_article = paragraphs * len(SPANS)
    batch = 1000
    for first in range(0, articles, batch):
        with transaction.atomic():
            rows = []
            for n in range(first, min(first + batch, articles)):
                text = f"Report {n}.\n\n" + PARAGRAPH * paragraphs
                rows.append(
                    Article(
                        project=project,
                        outlet=sources[n % 50],
                        title=f"Report {n}",
                        url=f"https://example.org/{n}",
                        language="en",
                        published_at=datetime(2025, 3, 1, tzinfo=UTC),
                        published_precision=DatePrecision.DAY,
                        text=text,
                        text_sha256=hashlib.sha256(text.encode()).hexdigest(),
                        uploaded_by=user,
                    )
                )
            made = Article.objects.bulk_create(rows)
            spans = []
            for article in made:
                for p in range(paragraphs):
                    offset = len(article.text) - (paragraphs - p) * len(PARAGRAPH)
                    for kind, quote, fields in SPANS:
                        start = offset + PARAGRAPH.index(quote)
                        extra = dict(fields)
                        if kind == CLAIM:
                            extra["event"] = events[article.pk % 100]
                        if kind == ATTRIBUTION:
                            extra["cited_source"] = sources[(article.pk + start) % 50]
                        spans.append(
                            Annotation(
                                article=article,
                                kind=kind,
                                start=start,
                                end=start + len(quote),
                                quote=quote,
                                status=Status.APPROVED,
                                created_by=user,
                                reviewed_by=user,
                                **extra,
                            )
                        )
            spans = Annotation.objects.bulk_create(spans)
            Link.objects.bulk_create(
                Link(from_annotation=spans[i + a], to_annotation=spans[i + b], kind=kind)
                for i in range(0, len(spans), len(SPANS))
                for a, b, kind in LINKS
            )
            ClaimRelation.objects.bulk_create(
                ClaimRelation(claim_a=spans[i + a], claim_b=spans[i + b], kind=kind)
                for i in range(0, len(spans), len(SPANS))
                for a, b, kind in RELATIONS
            )
    print(
        f"  built {slug}: {articles:,} articles, {articles * spans_per_article:,} annotations",
        flush=True,
    )
    return project


def measure(slug: str, trace: bool) -> dict:
    """Run in a child process: export the project to a file, report time and memory."""
    project = Project.objects.get(slug=slug)
    baseline_rss = peak_rss_mb()
    if trace:
        tracemalloc.start()
    out = Path(tempfile.gettempdir()) / f"bench-export-{slug}.jsonl"
    started = time.perf_counter()
    size = 0
    with open(out, "wb") as f:
        for chunk in export_stream(Selection(project, include_all=True), "jsonl").chunks:
            f.write(chunk)
            size += len(chunk)
    seconds = time.perf_counter() - started
    result = {
        "seconds": seconds,
        "bytes": size,
        "baseline_rss_mb": baseline_rss,
        "peak_rss_mb": peak_rss_mb(),
    }
    with open(out, "rb") as f:
        result["lines"] = sum(1 for _ in f)
    if trace:
        result["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    out.unlink()
    return result


def peak_rss_mb() -> float:
    """Peak resident memory of this process. Linux's VmHWM, because ru_maxrss keeps the
    parent's peak across fork and exec (the builder is bigger than the export)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(slug: str, trace: bool) -> dict:
    command = [sys.executable, __file__, "--measure", slug] + (["--trace"] if trace else [])
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def drop_database():
    name = connection.settings_dict["NAME"]
    params = {k: v for k, v in connection.get_connection_params().items() if k != "dbname"}
    connections.close_all()
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"Dropped database {name}.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--annotations", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="Keep the benchmark database.")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.trace)))
        return
    print(f"Database {connection.settings_dict['NAME']}; building (bulk inserts)…", flush=True)
    call_command("migrate", verbosity=0)
    sizes = [
        ("bench-small", args.articles // 10, args.annotations // 10),
        ("bench-large", args.articles, args.annotations),
    ]
    try:
        for slug, articles, annotations in sizes:
            build(slug, articles, annotations)
        connections.close_all()
        print()
        print("| project | articles | annotations | time | output | peak RSS | Python peak |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for slug, articles, annotations in sizes:
            timed, traced = child(slug, trace=False), child(slug, trace=True)
            assert timed["lines"] == articles
            print(
                f"| {slug} | {articles:,} | {annotations:,} | {timed['seconds']:.2f} s "
                f"| {timed['bytes'] / 2**20:.1f} MB | {timed['peak_rss_mb']:.0f} MB "
                f"(at start {timed['baseline_rss_mb']:.0f} MB) "
                f"| {traced['traced_peak_mb']:.1f} MB |",
                flush=True,
            )
    finally:
        if not args.keep:
            drop_database()


if __name__ == "__main__":
    main()

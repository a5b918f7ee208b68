"""How soon a newly saved claim's proposals appear, and what the model costs the worker.

    .venv/bin/python bench/matching_latency.py [--claims 200] [--saves 10]

In its own database (annotator_bench_matching): an event whose claims come from the gold
set (bench/gold/matching/, English and Arabic, --claims of them), embedded once. Then a
real worker (`manage.py db_worker --interval 1`, as make run and docs/deploy.md start it)
runs idle in a subprocess; each of --saves new claims is saved through the service, and
the time from its commit to its first MatchCandidate row is measured (the worker polls
once a second when idle, so up to 1 s of it is waiting). The worker's RSS is read before
its first matching task and after the last one: the model and numpy's share.
"""

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEV_DATABASE_NAME", "annotator_bench_matching")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "k" * 60)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from annotator.annotations.services import annotation_create  # noqa: E402
from annotator.articles.services import article_create  # noqa: E402
from annotator.events.services import event_create  # noqa: E402
from annotator.matching.models import ClaimEmbedding, MatchCandidate  # noqa: E402
from annotator.projects.models import Project  # noqa: E402

GOLD = ROOT / "bench" / "gold" / "matching"
PUBLISHED = datetime(2025, 4, 16, 9, tzinfo=UTC)


def gold_texts(claims: int, saves: int) -> tuple[list, list]:
    """The pool (English claims and Arabic paraphrases of the gold set) and the claims to
    save: the Arabic paraphrases of the last `saves` items, held back from the pool, each
    with the English claim it should find."""
    items = []
    for path in sorted(GOLD.glob("*.jsonl")):
        items += [json.loads(line) for line in path.read_text().splitlines()]
    items = items[: max(claims // 2, saves + 1)]
    pool = [(item["en"], "en") for item in items]
    pool += [(item["ar"], "ar") for item in items[:-saves]]
    return pool, [(item["ar"], item["en"]) for item in items[-saves:]]


def claim_in(project, event, text: str, language: str):
    """An article holding just the claim, and the claim (through the services)."""
    article = article_create(
        project=project,
        title=text[:80],
        text=text,
        text_sha256=hashlib.sha256(text.encode()).hexdigest(),
        language=language,
        published_at=PUBLISHED,
        published_precision="minute",
    )
    with transaction.atomic():
        return annotation_create(
            article=article,
            kind="claim",
            start=0,
            end=len(text),
            quote=text,
            created_by=None,
            event=event,
        )


def _matched(claim) -> bool:
    """The worker is done with the claim: embedded, and no matching task left to run."""
    embedded = ClaimEmbedding.objects.filter(annotation=claim, annotation_version=claim.version)
    waiting = DBTaskResult.objects.filter(status__in=["READY", "RUNNING"])
    return embedded.exists() and not waiting.exists()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=200)
    parser.add_argument("--saves", type=int, default=10)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    Project.objects.filter(slug="bench-matching").delete()
    project = Project.objects.create(name="Bench matching", slug="bench-matching")
    event = event_create(project=project, title="One event")
    pool, fresh = gold_texts(args.claims, args.saves)
    claim_of = {text: claim_in(project, event, text, language).pk for text, language in pool}
    started = time.perf_counter()
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    print(
        f"{len(pool)} claims of one event embedded and matched in "
        f"{time.perf_counter() - started:.1f} s (one worker, in this process)"
    )

    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "db_worker", "--interval", "1", "--no-reload"],
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "annotator.settings"},
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)  # started and idle
        idle = rss_mb(worker.pid)
        waits, found = [], 0
        for text, english in fresh:
            claim = claim_in(project, event, text, "ar")
            saved = time.perf_counter()
            while not _matched(claim):
                if time.perf_counter() - saved > 30:
                    raise SystemExit(f"claim {claim.pk} not matched after 30 s")
                time.sleep(0.02)
            waits.append(time.perf_counter() - saved)
            best = MatchCandidate.objects.touching(claim.pk).order_by("-score").first()
            found += best is not None and best.other(claim.pk) == claim_of[english]
            time.sleep(0.5)
        after = rss_mb(worker.pid)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    print(
        f"saved claim → its proposals written: median {statistics.median(waits):.2f} s, "
        f"max {max(waits):.2f} s over {len(waits)} saves (pool of {len(pool)})"
    )
    print(f"its English original proposed first for {found} of {len(fresh)}")
    print(
        f"worker RSS: {idle:.0f} MB idle before matching, {after:.0f} MB after "
        f"(+{after - idle:.0f} MB: the model, numpy and the fact rules)"
    )
    Project.objects.filter(pk=project.pk).delete()


if __name__ == "__main__":
    main()

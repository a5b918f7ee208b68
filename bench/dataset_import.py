"""Dataset import speed: N generated documents of about 3,000 characters (a quarter with
Arabic), each with --spans spans (claims, attributions, hedges, whole words), written as
doccano JSONL to a temporary file and imported through dataset_import (what the API, the
page, the worker and `manage.py import_dataset` call), streaming the file. Prints seconds,
documents per second, spans per second and the peak RSS of the process.

    DEV_DATABASE_NAME=annotator_bench .venv/bin/python bench/dataset_import.py \
        [--count 1000] [--spans 10]

--spans 0 measures plain articles through the dataset path. Each run imports into a new
project ("bench-dataset-…") and leaves it there (deleting 100,000 tracked spans takes far
longer than importing them): use a database of its own. Targets (issue 16): 1,000 x 10
spans in <= 0.5 s, 10,000 x 10 in <= 4 s with memory flat, plain articles >= 4,000/s.
"""

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

# With DEBUG on, Django keeps every query in memory: that would be the growth we measure.
settings.DEBUG = False

from django.contrib.auth import get_user_model  # noqa: E402

from annotator.exports.dataset_import import dataset_import  # noqa: E402
from annotator.projects.models import Membership, Project, Role  # noqa: E402

EN_WORDS = str.split(
    "the officials said convoy base troops withdrew reportedly according to sources near "
    "airport village residents on Tuesday morning drones struck statement ministry denied "
    "local council confirmed about hundred vehicles border crossing province"
)
AR_WORDS = str.split(
    "قال مسؤولون إن القوات انسحبت من القاعدة قرب المطار بحسب مصادر محلية صباح الثلاثاء "
    "وأكد المجلس المحلي أن نحو مئة آلية عبرت الحدود في المحافظة بعد هجمات بطائرات مسيرة"
)
LABELS = ("CLAIM", "ATTRIBUTION", "HEDGE")


def document(n: int, spans: int, rng: random.Random) -> dict:
    """A doccano line: text and `spans` non-overlapping word spans (code points)."""
    arabic = n % 4 == 0
    sentences, length = [], 0
    while length < 3000:
        words = AR_WORDS if arabic and rng.random() < 0.3 else EN_WORDS
        sentence = " ".join(rng.choice(words) for _ in range(12)) + "."
        sentences.append(sentence)
        length += len(sentence) + 1
    text = f"Report {n}: " + " ".join(sentences)
    words = [(m, m + len(w)) for m, w in _words(text)]
    step = max(1, len(words) // max(spans, 1))
    labels = [[*words[i * step], LABELS[i % 3]] for i in range(min(spans, len(words)))]
    return {"text": text, "label": labels}


def _words(text: str):
    position = 0
    for word in text.split(" "):
        yield position, word
        position += len(word) + 1


def write_file(path: Path, count: int, spans: int) -> None:
    rng = random.Random(16)
    with open(path, "w", encoding="utf-8") as out:
        for n in range(count):
            out.write(json.dumps(document(n, spans, rng), ensure_ascii=False) + "\n")


def fresh_project(user):
    slug = f"bench-dataset-{time.time_ns()}"
    project = Project.objects.create(name="Bench: dataset import", slug=slug)
    Membership.objects.create(project=project, user=user, role=Role.OWNER)
    return project


def peak_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--spans", type=int, default=10)
    options = parser.parse_args()
    user, _ = get_user_model().objects.get_or_create(username="bench-dataset")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dataset.jsonl"
        write_file(path, options.count, options.spans)
        size = path.stat().st_size
        project = fresh_project(user)
        rss_before = peak_rss_mb()
        start = time.perf_counter()
        with open(path, "rb") as lines:
            report = dataset_import(
                project=project, lines=lines, user=user, doccano_offsets="codepoint"
            )
        elapsed = time.perf_counter() - start
    assert report.ok, report.errors[:3]
    assert report.articles == options.count, report.summary()
    print(
        f"{options.count} documents x {options.spans} spans ({size / 1e6:.1f} MB):"
        f" {elapsed:.2f} s, {options.count / elapsed:,.0f} docs/s,"
        f" {report.spans / elapsed:,.0f} spans/s;"
        f" peak RSS {peak_rss_mb():.0f} MB (before the import {rss_before:.0f} MB)"
    )


if __name__ == "__main__":
    main()

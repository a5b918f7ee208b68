"""Span saves through the JSON API, against /healthz on the same server (issue 16, concurrency).

    .venv/bin/python bench/saves.py profile [--saves 300]     one save's queries and CPU, in process
    .venv/bin/python bench/saves.py load [--threads 20] [--seconds 15] [--port 8231]

Both start from a fresh database of their own (DEV_DATABASE_NAME, default annotator_saves):
a user with an API token, owner of a project of --articles generated articles of about 3,000
characters (a quarter Arabic), as the peers' workload (../shared/peers) has them. Each client
saves one-word spans over its own 20 articles in text order, kinds claim, attribution, hedge
in turn: `POST /api/projects/<slug>/articles/<id>/annotations/` with {kind, start, end, quote}.

- profile: production settings in this process (DEBUG=0), requests through Django's test
  Client with the Bearer header and X-Forwarded-Proto: https. Prints the queries of one save
  (a claim, an attribution, a hedge) and of /healthz, then CPU ms per request over --saves
  saves and as many /healthz, and writes a cProfile of the saves ($TMPDIR/saves.prof; the top
  functions printed).
- load: gunicorn gthread --workers 3 --threads 8 (DEBUG=0) and `manage.py db_worker --interval
  0.2`, as the peers' harness runs them; --threads clients save for --seconds, then as many
  GET /healthz for --seconds. Prints req/s, p50/p99 and their ratio, and CPU ms per request of
  gunicorn, the worker and PostgreSQL in each phase (the machine is shared: CPU per request
  is the steadier figure).

Every request goes to 127.0.0.1; the loops stop by themselves.
"""

import argparse
import contextlib
import cProfile
import ctypes
import hashlib
import os
import pstats
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(tempfile.gettempdir())  # the server's log, the profile
sys.path.insert(0, str(ROOT))
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "saves-bench-only-" + "k" * 60,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "LOG_LEVEL": "ERROR",
    "PYTHONUNBUFFERED": "1",
}
os.environ.update(PRODUCTION_ENV)
os.environ.setdefault("DEV_DATABASE_NAME", "annotator_saves")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")

import django  # noqa: E402

django.setup()

import psutil  # noqa: E402
import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from annotator import devdb  # noqa: E402
from annotator.accounts.services import api_token_create  # noqa: E402
from annotator.articles.models import Article  # noqa: E402
from annotator.projects.models import Membership, Project, Role  # noqa: E402

DB = os.environ["DEV_DATABASE_NAME"]
SLUG = "saves"
KINDS = ("claim", "attribution", "hedge")
EN = str.split(
    "the officials said convoy base troops withdrew reportedly according to sources near "
    "airport village residents on Tuesday morning drones struck statement ministry denied "
    "local council confirmed about hundred vehicles border crossing province witnesses"
)
AR = str.split(
    "قال مسؤولون إن القوات انسحبت من القاعدة قرب المطار بحسب مصادر محلية صباح الثلاثاء "
    "وأكد المجلس المحلي أن نحو مئة آلية عبرت الحدود في المحافظة بعد هجمات بطائرات مسيرة"
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["profile", "load"])
    parser.add_argument("--articles", type=int, default=420, help="20 per client, and spares")
    parser.add_argument("--saves", type=int, default=300, help="profile: saves measured")
    parser.add_argument("--threads", type=int, default=20, help="load: clients")
    parser.add_argument("--seconds", type=float, default=15, help="load: seconds per phase")
    parser.add_argument("--port", type=int, default=8231)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--gthreads", type=int, default=8)
    return parser.parse_args()


# --- Data -------------------------------------------------------------------------------


def fresh_database() -> None:
    connection.close()
    params = devdb.start(settings.DATABASES["default"]["EMBEDDED"]["data_dir"])
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    devdb.ensure_database(params, DB)


def text_of(n: int, rng: random.Random) -> str:
    words = AR if n % 4 == 0 else EN
    paragraphs, length = [], 0
    while length < 3000:
        paragraph = " ".join(rng.choice(words) for _ in range(50)) + "."
        paragraphs.append(paragraph)
        length += len(paragraph) + 1
    return unicodedata.normalize("NFC", " ".join(paragraphs))


def build(articles: int) -> tuple[str, list[tuple[int, str]]]:
    """The token's key and the articles (id, text)."""
    fresh_database()
    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password="bench-pass-123")
    project = Project.objects.create(slug=SLUG, name="Saves")
    Membership.objects.create(project=project, user=user, role=Role.OWNER)
    rng = random.Random(1)
    texts = [text_of(n, rng) for n in range(articles)]
    made = Article.objects.bulk_create(
        Article(
            project=project,
            title=f"Article {n}",
            text=text,
            text_sha256=hashlib.sha256(text.encode()).hexdigest(),
            language="ar" if n % 4 == 0 else "en",
        )
        for n, text in enumerate(texts)
    )
    key = api_token_create(user=user, name="bench")[1]
    connection.close()
    return key, [(article.pk, article.text) for article in made]


def word_spans(text: str):
    """One-word spans in text order (code points), as the peers' workload makes them."""
    position = 0
    for word in text.split(" "):
        if word:
            yield position, position + len(word)
        position += len(word) + 1


def span_bodies(articles):
    """(article id, body) of one client's articles, kinds in turn."""
    n = 0
    for article_id, text in articles:
        for start, end in word_spans(text):
            yield (
                article_id,
                {"kind": KINDS[n % 3], "start": start, "end": end, "quote": text[start:end]},
            )
            n += 1


def path_of(article_id: int) -> str:
    return f"/api/projects/{SLUG}/articles/{article_id}/annotations/"


# --- In process -------------------------------------------------------------------------


def profile(args):
    from django.test import Client

    key, articles = build(args.articles)
    headers = {"Authorization": f"Bearer {key}", "X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
    client = Client(headers=headers)
    bodies = span_bodies(articles)

    def save():
        article_id, body = next(bodies)
        response = client.post(path_of(article_id), body, content_type="application/json")
        assert response.status_code == 201, (response.status_code, response.content[:300])

    def healthz():
        assert client.get("/healthz").status_code == 200

    for _ in range(30):  # warm: imports, the token's last use recorded, the articles started
        save()
        healthz()
    for name in KINDS:
        with CaptureQueriesContext(connection) as queries:
            save()
        print(f"\n--- queries of one save ({name}): {len(queries)}")
        for query in queries:
            print("  ", query["sql"][:220])
    with CaptureQueriesContext(connection) as queries:
        healthz()
    print(f"\n--- queries of GET /healthz: {len(queries)}")
    for query in queries:
        print("  ", query["sql"][:220])

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = psutil.Process(cursor.fetchone()[0])  # this process's PostgreSQL server
    figures = {}
    for name, request in (("save", save), ("healthz", healthz)):
        started, wall, database = time.process_time(), time.perf_counter(), cpu_of([backend])
        for _ in range(args.saves):
            request()
        figures[name] = (
            (time.process_time() - started) / args.saves * 1000,
            (cpu_of([backend]) - database) / args.saves * 1000,
            (time.perf_counter() - wall) / args.saves * 1000,
        )
    print()
    for name, (cpu, database, wall) in figures.items():
        print(
            f"{name}: {cpu:.2f} ms CPU in Django, {database:.2f} ms in PostgreSQL, "
            f"{wall:.2f} ms wall per request"
        )
    print(f"CPU ratio healthz/save: {figures['healthz'][0] / figures['save'][0]:.0%}")

    profiler = cProfile.Profile(time.process_time)  # CPU, not waits for the database
    profiler.enable()
    for _ in range(args.saves):
        save()
    profiler.disable()
    profiler.dump_stats(OUT / "saves.prof")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(60)
    stats.sort_stats("tottime").print_stats(30)


# --- Against gunicorn -------------------------------------------------------------------


def _die_with_parent():
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start(argv, log):
    return subprocess.Popen(
        argv, cwd=ROOT, env=dict(os.environ), stdout=log, stderr=log, preexec_fn=_die_with_parent
    )


def stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cpu_of(processes) -> float:
    total = 0.0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system
    return total


class Cpu:
    """CPU seconds of gunicorn (all its processes), the worker and PostgreSQL's backends of
    this database."""

    def __init__(self, server, worker):
        self.server, self.worker = psutil.Process(server.pid), psutil.Process(worker.pid)

    def backends(self):
        found = []
        for process in psutil.process_iter(["name", "cmdline"]):
            with contextlib.suppress(psutil.Error, TypeError):
                if process.info["name"] == "postgres" and DB in " ".join(process.info["cmdline"]):
                    found.append(process)
        return found

    def read(self):
        return {
            "gunicorn": cpu_of([self.server, *self.server.children(recursive=True)]),
            "worker": cpu_of([self.worker]),
            "postgres": {p.pid: cpu_of([p]) for p in self.backends()},
            "clients": cpu_of([psutil.Process()]),
        }

    @staticmethod
    def used(before, after):
        used = {key: after[key] - before[key] for key in ("gunicorn", "worker", "clients")}
        used["postgres"] = sum(
            s - before["postgres"].get(pid, 0.0) for pid, s in after["postgres"].items()
        )
        return used


def closed_loop(threads, seconds, make):
    """Each thread sends make(index)'s requests back to back until the deadline."""
    import requests

    deadline = time.perf_counter() + seconds
    latencies, errors = [[] for _ in range(threads)], [0] * threads

    def run(index):
        session = requests.Session()
        session.headers.update({"X-Forwarded-Proto": "https"})
        request = make(index, session)
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            try:
                ok = request()
            except (requests.RequestException, StopIteration):
                ok = False
            if ok:
                latencies[index].append(time.perf_counter() - began)
            else:
                errors[index] += 1

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(seconds + 120)
    wall = time.perf_counter() - began
    times = sorted(t for per_thread in latencies for t in per_thread)
    return {
        "ok": len(times),
        "errors": sum(errors),
        "rps": len(times) / wall,
        "p50": statistics.median(times) * 1000 if times else 0,
        "p99": times[int(len(times) * 0.99)] * 1000 if times else 0,
    }


def load(args):
    import requests

    key, articles = build(args.articles)
    base = f"http://127.0.0.1:{args.port}"
    log = open(OUT / "saves-server.log", "wb")  # noqa: SIM115
    bin_dir = Path(sys.executable).parent
    server = start(
        [
            str(bin_dir / "gunicorn"),
            "annotator.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.gthreads),
        ],
        log,
    )
    worker = start([sys.executable, "manage.py", "db_worker", "--interval", "0.2"], log)
    try:
        for _ in range(300):
            with contextlib.suppress(requests.RequestException):
                if requests.get(
                    base + "/healthz", headers={"X-Forwarded-Proto": "https"}, timeout=2
                ).ok:
                    break
            time.sleep(0.1)
        else:
            raise SystemExit(f"gunicorn did not start; see {OUT / 'saves-server.log'}")
        auth = {"Authorization": f"Bearer {key}"}
        per_client = [articles[i * 20 : (i + 1) * 20] for i in range(args.threads)]
        spare = span_bodies(articles[args.threads * 20 :])

        for _ in range(3 * args.workers * 2):  # every worker process imports the API once
            article_id, body = next(spare)
            requests.post(
                base + path_of(article_id),
                json=body,
                timeout=60,
                headers={**auth, "X-Forwarded-Proto": "https"},
            ).raise_for_status()

        def saver(index, session):
            session.headers.update(auth)
            bodies = span_bodies(per_client[index])

            def request():
                article_id, body = next(bodies)
                return (
                    session.post(base + path_of(article_id), json=body, timeout=60).status_code
                    == 201
                )

            return request

        def healthz(index, session):
            return lambda: session.get(base + "/healthz", timeout=60).status_code == 200

        cpu = Cpu(server, worker)
        results = {}
        for name, make in (("saves", saver), ("healthz", healthz)):
            before = cpu.read()
            results[name] = closed_loop(args.threads, args.seconds, make)
            results[name]["cpu"] = Cpu.used(before, cpu.read())
        load_average = os.getloadavg()
    finally:
        stop(server)
        stop(worker)
        log.close()

    print(
        f"\n{args.threads} clients x {args.seconds:.0f} s per phase, gunicorn gthread "
        f"{args.workers} x {args.gthreads}, db_worker --interval 0.2 (load average after: "
        f"{load_average[0]:.2f})"
    )
    for name, r in results.items():
        per = {k: v / max(r["ok"], 1) * 1000 for k, v in r["cpu"].items()}
        print(
            f"{name:8} {r['rps']:7.1f} req/s  p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms  "
            f"errors {r['errors']}  CPU ms/request: gunicorn {per['gunicorn']:.2f}, "
            f"postgres {per['postgres']:.2f}, worker {per['worker']:.2f}, "
            f"clients {per['clients']:.2f}"
        )
    print(f"saves / healthz: {results['saves']['rps'] / results['healthz']['rps']:.0%}")


if __name__ == "__main__":
    arguments = parse_args()
    profile(arguments) if arguments.mode == "profile" else load(arguments)

"""Load test: editors working at once against gunicorn with production settings, while a
dataset export and a bulk import run; then a check that no write was lost.

    .venv/bin/python bench/load.py [--editors 50] [--seconds 60] [--think 1.0]

What it does, all on 127.0.0.1:
- a fresh database of its own (DEV_DATABASE_NAME, default annotator_load; dropped at the
  end unless --keep) with the demo project plus --articles generated articles (a quarter
  Arabic), one annotator account per editor, collectstatic;
- gunicorn (gthread) with DEBUG=0, requests sent as the TLS proxy would (X-Forwarded-Proto:
  https, Origin), and `manage.py db_worker` as the task worker;
- for --seconds, each editor (arriving within the first two think times) opens articles
  (workspace page), creates, edits (with the version it read) and deletes spans, links
  attributions and hedges to claims, and reads the event's timeline, through the htmx
  endpoints the page uses (session cookie, CSRF header) or the JSON API (token), waiting
  0.5 to 1.5 think times between actions; each editor stops after --max-requests;
- meanwhile one reviewer downloads the JSONL export (streamed) over and over, and one
  uploads --import-files files through the upload page, which the worker imports;
- then the save endpoint's throughput against a cheap page's, with clients that do not
  wait between requests.

It prints requests/s, p50/p95/p99 per action and the errors, then compares the database
with what the clients were told: every span answered as saved is there with its exact
quote and last saved values, deleted ones are gone, links are as created, nothing else
changed (the demo's annotations, the articles), and the import stored each file once.
Exit status 1 if a target is missed: no errors, no lost writes, save p99 <= 250 ms.
"""

import argparse
import contextlib
import ctypes
import hashlib
import http.client
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import uuid
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Production settings in this process too: the sessions it creates must be valid on the
# server (same SECRET_KEY), and collectstatic must write the hashed manifest.
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "load-bench-only-" + "k" * 60,
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "LOG_LEVEL": "WARNING",
}
os.environ.update(PRODUCTION_ENV)
os.environ.setdefault("DEV_DATABASE_NAME", "annotator_load")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")

import django  # noqa: E402
import psutil  # noqa: E402
import psycopg  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret  # noqa: E402

from annotator import devdb  # noqa: E402
from annotator.accounts.services import api_token_create  # noqa: E402
from annotator.annotations.models import Annotation, Link  # noqa: E402
from annotator.articles.models import Article, ImportItem, SourceFile  # noqa: E402
from annotator.demo.data import DEMO_SLUG, demo_load  # noqa: E402
from annotator.events.models import Event  # noqa: E402
from annotator.projects.models import Membership, Project, Role  # noqa: E402

SAVE_P99_TARGET_MS = 250
EN_WORDS = str.split(
    "the officials said convoy base troops withdrew reportedly according to sources near "
    "airport village residents on Tuesday morning drones struck statement ministry denied "
    "local council confirmed about hundred vehicles border crossing province witnesses"
)
AR_WORDS = str.split(
    "قال مسؤولون إن القوات انسحبت من القاعدة قرب المطار بحسب مصادر محلية صباح الثلاثاء "
    "وأكد المجلس المحلي أن نحو مئة آلية عبرت الحدود في المحافظة بعد هجمات بطائرات مسيرة"
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--editors", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60, help="length of the editors' run")
    parser.add_argument("--max-requests", type=int, default=5000, help="per editor, at most")
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean seconds an editor waits between actions"
    )
    parser.add_argument("--articles", type=int, default=200, help="generated articles")
    parser.add_argument("--import-files", type=int, default=100)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    parser.add_argument("--ratio-seconds", type=float, default=10, help="0 skips the ratio run")
    parser.add_argument("--ratio-clients", type=int, default=8)
    parser.add_argument("--port", type=int, default=8105)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


# --- Database and data ------------------------------------------------------------------


def fresh_database(name: str, *, create: bool = True) -> None:
    """Drop (and create again) the load test's database: every run starts from the same
    data. Only on the embedded server; with DATABASE_URL the database is used as it is."""
    if os.environ.get("DATABASE_URL"):
        return
    connection.close()
    params = devdb.start()
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if create:
        devdb.ensure_database(params, name)


def generated_text(n: int, rng: random.Random) -> str:
    arabic = n % 4 == 0
    words = AR_WORDS if arabic else EN_WORDS
    title = " ".join(rng.choice(words) for _ in range(7)) + f" {n}"
    paragraphs, length = [], 0
    while length < 3000:
        paragraph = " ".join(rng.choice(words) for _ in range(50)) + "."
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
    return title + "\n\n" + "\n\n".join(paragraphs)


def build_data(args):
    """Demo project, generated articles, editors with sessions and tokens."""
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    demo_load()
    project = Project.objects.get(slug=DEMO_SLUG)
    rng = random.Random(args.seed)
    articles = []
    for n in range(args.articles):
        text = unicodedata.normalize("NFC", generated_text(n, rng))
        articles.append(
            Article(
                project=project,
                title=text.split("\n", 1)[0],
                text=text,
                text_sha256=hashlib.sha256(text.encode()).hexdigest(),
                language="ar" if n % 4 == 0 else "en",
            )
        )
    Article.objects.bulk_create(articles)
    User = get_user_model()
    editors = []
    for n in range(1, args.editors + 1):
        user = User.objects.create_user(f"editor{n:02}")
        Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
        editors.append(user)
    owner = User.objects.get(username="owner")
    tokens = {user.pk: api_token_create(user=user, name="load")[1] for user in editors}
    event = Event.objects.filter(project=project).order_by("pk").first()
    texts = dict(Article.objects.filter(project=project).values_list("pk", "text"))
    return project, editors, owner, tokens, event, texts


def snapshot():
    """What the load must not change: the annotations, links and articles there before."""
    fields = ("article_id", "kind", "start", "end", "quote", "note", "version", "status")
    return {
        "annotations": {a["pk"]: a for a in Annotation.objects.values("pk", *fields)},
        "links": set(Link.objects.values_list("from_annotation_id", "to_annotation_id", "kind")),
        "articles": dict(Article.objects.values_list("pk", "text_sha256")),
    }


def session_cookie(user) -> tuple[str, str]:
    """A logged-in session for `user` and a CSRF token: (Cookie header, X-CSRFToken)."""
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    secret = _get_new_csrf_string()
    return f"sessionid={session.session_key}; csrftoken={secret}", _mask_cipher_secret(secret)


# --- Processes --------------------------------------------------------------------------


def _die_with_parent():
    """Children get SIGTERM if this script dies, so nothing outlives it (Linux)."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_process(argv, log_path):
    log = open(log_path, "wb")  # noqa: SIM115 (closed when the process is stopped)
    env = {**os.environ, **PRODUCTION_ENV}
    process = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=log, stderr=log, preexec_fn=_die_with_parent
    )
    process.log = log
    return process


def stop_process(process, timeout=20):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    process.log.close()


def start_gunicorn(args, log_path):
    server = start_process(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "annotator.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(args.threads),
            "--timeout",
            "60",
        ],
        log_path,
    )
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {log_path}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
            conn.request("GET", "/login/")
            conn.getresponse().read()
            return server
        except OSError:
            time.sleep(0.1)
    stop_process(server)
    raise SystemExit("gunicorn did not start")


# --- HTTP -------------------------------------------------------------------------------


class Recorder:
    """Latencies and errors per action, from every thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.errors = defaultdict(int)
        self.error_samples = []
        self.slowest = []  # (seconds, action, path, when)
        self.started = time.monotonic()

    def add(self, action, elapsed, ok, detail="", path=""):
        with self.lock:
            self.times[action].append(elapsed)
            self.slowest.append((elapsed, action, path, time.monotonic() - self.started))
            if len(self.slowest) > 50:
                self.slowest = sorted(self.slowest, reverse=True)[:5]
            if not ok:
                self.errors[action] += 1
                if len(self.error_samples) < 20:
                    self.error_samples.append(f"{action}: {detail}")


class Client:
    """One browser (session cookie, CSRF header) or API user (token), keep-alive."""

    def __init__(self, port, recorder, *, cookie=None, csrf=None, token=None):
        self.port, self.recorder = port, recorder
        self.origin = f"https://127.0.0.1:{port}"
        # As the reverse proxy sends them: the request came in over TLS.
        self.headers = {"X-Forwarded-Proto": "https", "Host": f"127.0.0.1:{port}"}
        if cookie:
            self.headers["Cookie"] = cookie
        if csrf:
            self.headers.update({"X-CSRFToken": csrf, "Origin": self.origin})
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.conn = None

    def request(
        self,
        action,
        method,
        path,
        *,
        body=None,
        content_type=None,
        htmx=False,
        expect=(200,),
    ):
        """(status, body text) and the latency recorded under `action`; status 599 when
        the connection failed."""
        headers = dict(self.headers)
        if content_type:
            headers["Content-Type"] = content_type
        if htmx:
            headers["HX-Request"] = "true"
        if isinstance(body, str):
            body = body.encode()
        started = time.perf_counter()
        for attempt in (1, 2):
            reused = self.conn is not None
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
                status = response.status
                location = response.getheader("Location", "")
                break
            except (http.client.HTTPException, OSError) as exc:
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                # The server closed a kept-alive connection while it was idle: the request
                # never reached it, so send it again on a new one, as browsers do.
                if attempt == 1 and reused and isinstance(exc, IDLE_CLOSED):
                    continue
                self.recorder.add(action, time.perf_counter() - started, False, repr(exc), path)
                return 599, "", ""
        ok = status in expect
        text = payload.decode("utf-8", "replace")
        elapsed = time.perf_counter() - started
        self.recorder.add(action, elapsed, ok, f"{status} {text[:200]!r}", path)
        return status, text, location

    def form(self, action, path, fields, **kwargs):
        return self.request(
            action,
            "POST",
            path,
            body=urlencode(fields),
            content_type="application/x-www-form-urlencoded",
            **kwargs,
        )

    def json(self, action, method, path, payload, **kwargs):
        return self.request(
            action,
            method,
            path,
            body=json.dumps(payload),
            content_type="application/json",
            **kwargs,
        )


IDLE_CLOSED = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
SELECTED = re.compile(r'data-selected="(\d+)" data-version="(\d+)"')


def selected_in(html: str) -> tuple[int, int] | None:
    """(annotation id, version) shown in the detail panel of an htmx answer."""
    found = SELECTED.search(html)
    return (int(found.group(1)), int(found.group(2))) if found else None


# --- Editors ----------------------------------------------------------------------------


class Ledger:
    """What one editor was told was saved: the expected state of its spans and links."""

    def __init__(self):
        self.spans = {}  # id -> expected fields
        self.deleted = set()
        self.links = set()  # (from id, to id, kind)
        self.uncertain = set()  # ids whose last write got no answer

    def drop_links_of(self, span_id):
        self.links = {link for link in self.links if span_id not in link[:2]}


class Editor:
    """One person annotating: stays on an article for a while, then opens another."""

    def __init__(self, n, user, cookie, csrf, token, ctx, rng):
        self.n, self.user, self.ctx, self.rng = n, user, ctx, rng
        # Passages this editor marked: the app refuses a second identical mark (422), which
        # is right and not what the load test measures.
        self.marked = set()
        self.page = Client(ctx.port, ctx.recorder, cookie=cookie, csrf=csrf)
        self.api = Client(ctx.port, ctx.recorder, token=token)
        self.ledger = Ledger()
        self.article = None
        self.mine = defaultdict(list)  # article id -> my live span ids
        self.requests = 0

    # Helpers

    def use_api(self) -> bool:
        return self.rng.random() < 0.3  # most work goes through the page

    def random_span(self, article_id):
        text = self.ctx.texts[article_id]
        words = self.ctx.words[article_id]
        first = self.rng.randrange(len(words))
        last = min(len(words) - 1, first + self.rng.randint(0, 6))
        start, end = words[first][0], words[last][1]
        return start, end, text[start:end]

    def expect(self, span_id, **fields):
        self.ledger.spans[span_id] = {**self.ledger.spans.get(span_id, {}), **fields}
        self.ledger.uncertain.discard(span_id)

    # Actions

    def open_article(self):
        self.article = self.rng.choice(self.ctx.article_ids)
        self.page.request("open article", "GET", f"{self.ctx.base}/articles/{self.article}/")

    def create(self, kind=None):
        kind = kind or self.rng.choice(["claim", "claim", "attribution", "hedge"])
        for _ in range(20):
            start, end, quote = self.random_span(self.article)
            if (self.article, kind, start, end) not in self.marked:
                break
        self.marked.add((self.article, kind, start, end))
        if self.use_api():
            status, body, _ = self.api.json(
                "create span (API)",
                "POST",
                f"/api/projects/{self.ctx.slug}/articles/{self.article}/annotations/",
                {"kind": kind, "start": start, "end": end, "quote": quote},
                expect=(201,),
            )
            found = (json.loads(body)["id"], json.loads(body)["version"]) if status == 201 else None
        else:
            status, body, _ = self.page.form(
                "create span (htmx)",
                f"{self.ctx.base}/articles/{self.article}/annotations/new/",
                {"kind": kind, "start": start, "end": end, "quote": quote},
                htmx=True,
            )
            found = selected_in(body) if status == 200 else None
        if found:
            span_id, version = found
            self.expect(
                span_id,
                article_id=self.article,
                kind=kind,
                start=start,
                end=end,
                quote=quote,
                note="",
                version=version,
                event_id=None,
            )
            self.mine[self.article].append(span_id)
            return span_id
        return None

    def my_span(self, kinds=None):
        ids = [
            i
            for i in self.mine[self.article]
            if kinds is None or self.ledger.spans[i]["kind"] in kinds
        ]
        return self.rng.choice(ids) if ids else None

    def edit(self):
        span_id = self.my_span()
        if span_id is None:
            return self.create()
        state = self.ledger.spans[span_id]
        note = f"checked by editor {self.n} #{uuid.uuid4().hex[:8]}"
        respan = self.rng.random() < 0.3
        if self.use_api():
            payload = {"version": state["version"], "note": note}
            if respan:
                start, end, quote = self.random_span(self.article)
                payload = {"version": state["version"], "start": start, "end": end, "quote": quote}
            status, body, _ = self.api.json(
                "edit span (API)",
                "PATCH",
                f"/api/projects/{self.ctx.slug}/annotations/{span_id}/",
                payload,
            )
            if status == 200:
                data = json.loads(body)
                changed = {k: v for k, v in payload.items() if k != "version"}
                self.expect(span_id, version=data["version"], **changed)
        elif respan:
            start, end, quote = self.random_span(self.article)
            status, body, _ = self.page.form(
                "edit span (htmx)",
                f"/p/{self.ctx.slug}/annotations/{span_id}/span/",
                {"version": state["version"], "start": start, "end": end, "quote": quote},
                htmx=True,
            )
            found = selected_in(body) if status == 200 else None
            if found:
                self.expect(span_id, version=found[1], start=start, end=end, quote=quote)
        else:
            # The detail panel's form: every field is sent; a claim goes onto the event.
            event_id = self.ctx.event_id if state["kind"] == "claim" else None
            status, body, _ = self.page.form(
                "edit span (htmx)",
                f"/p/{self.ctx.slug}/annotations/{span_id}/save/",
                {
                    "version": state["version"],
                    "kind": state["kind"],
                    "note": note,
                    "event": event_id or "",
                    "new_event_title": "",
                    "claimed_date": "",
                    "claimed_time": "",
                    "claimed_precision": "",
                    "cited_source": "",
                    "new_source_name": "",
                    "hedge_type": "",
                },
                htmx=True,
            )
            found = selected_in(body) if status == 200 else None
            if found:
                self.expect(span_id, version=found[1], note=note, event_id=event_id)
        if status == 599:
            self.ledger.uncertain.add(span_id)

    def delete(self):
        span_id = self.my_span()
        if span_id is None:
            return
        if self.use_api():
            path = f"/api/projects/{self.ctx.slug}/annotations/{span_id}/"
            status = self.api.request("delete span (API)", "DELETE", path, expect=(204,))[0]
            ok = status == 204
        else:
            path = f"/p/{self.ctx.slug}/annotations/{span_id}/delete/"
            status = self.page.form("delete span (htmx)", path, {}, htmx=True)[0]
            ok = status == 200
        if ok:
            self.mine[self.article].remove(span_id)
            self.ledger.spans.pop(span_id)
            self.ledger.deleted.add(span_id)
            self.ledger.drop_links_of(span_id)
        elif status == 599:
            self.ledger.uncertain.add(span_id)

    def link(self):
        source = self.my_span({"attribution", "hedge"}) or self.create(
            self.rng.choice(["attribution", "hedge"])
        )
        claim = self.my_span({"claim"}) or self.create("claim")
        if source is None or claim is None:
            return
        kind = "attributes" if self.ledger.spans[source]["kind"] == "attribution" else "qualifies"
        if self.use_api():
            status = self.api.json(
                "link (API)",
                "POST",
                f"/api/projects/{self.ctx.slug}/links/",
                {"from_id": source, "to_id": claim, "kind": kind},
                expect=(201,),
            )[0]
            ok = status == 201
        else:
            path = f"/p/{self.ctx.slug}/annotations/{source}/links/"
            status = self.page.form("link (htmx)", path, {"to": claim}, htmx=True)[0]
            ok = status == 200
        if ok:
            self.ledger.links.add((source, claim, kind))

    def timeline(self):
        path = f"{self.ctx.base}/events/{self.ctx.event_id}/"
        self.page.request("read timeline", "GET", path)

    def run(self):
        actions = [self.create, self.edit, self.delete, self.link, self.timeline]
        weights = [30, 30, 10, 12, 8]
        # People do not all click at the same moment: each editor arrives in the first
        # two think times.
        time.sleep(self.rng.uniform(0, 2 * self.ctx.think))
        while time.monotonic() < self.ctx.deadline and self.requests < self.ctx.max_requests:
            if self.article is None or self.rng.random() < 0.08:
                self.open_article()
            else:
                self.rng.choices(actions, weights)[0]()
            self.requests += 1
            pause = self.rng.uniform(0.5, 1.5) * self.ctx.think
            time.sleep(max(0.0, min(pause, self.ctx.deadline - time.monotonic())))


# --- The export and the import running alongside ----------------------------------------


def exporter(ctx, client, results):
    """A reviewer downloads the JSONL export, one download after the other, while the
    editors work. The last download is checked: text[start:end] == quote for every span."""
    query = urlencode({"formats": "jsonl", "annotations": "all"})
    body = ""
    while time.monotonic() < ctx.deadline:
        status, body, _ = client.request(
            "export JSONL (stream)", "GET", f"{ctx.base}/export/download/?{query}"
        )
        if status != 200:
            time.sleep(1)
            continue
        results["exports"] += 1
        results["export_bytes"] = len(body)
    lines = [json.loads(line) for line in body.splitlines() if line.strip()]
    results["export_articles"] = len(lines)
    results["export_spans"] = sum(len(line["spans"]) for line in lines)
    results["export_bad_quotes"] = sum(
        line["text"][s["start"] : s["end"]] != s["quote"] for line in lines for s in line["spans"]
    )


def multipart(fields, files):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    body = "".join(parts).encode()
    for name, data in files:
        body += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                f'filename="{name}"\r\nContent-Type: text/plain\r\n\r\n'
            ).encode()
            + data
            + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def importer(ctx, client, csrf, count, results):
    """Upload `count` files through the upload page, then follow the batch as the page does."""
    time.sleep(2)
    rng = random.Random(ctx.seed + 7)
    files = [
        (f"import-{n:03}.txt", f"Published March 3rd, 2024\n\n{generated_text(10_000 + n, rng)}")
        for n in range(count)
    ]
    results["import_texts"] = [unicodedata.normalize("NFC", text) for _, text in files]
    body, content_type = multipart(
        {"csrfmiddlewaretoken": csrf, "outlet": "", "language": ""},
        [(name, text.encode()) for name, text in files],
    )
    started = time.monotonic()
    status, _, location = client.request(
        f"upload {count} files",
        "POST",
        f"{ctx.base}/articles/upload/",
        body=body,
        content_type=content_type,
        expect=(302,),
    )
    match = re.search(r"/imports/(\d+)/", location or "")
    if not match:
        return
    results["batch_id"] = int(match.group(1))
    path = f"{ctx.base}/imports/{results['batch_id']}/"
    while time.monotonic() < ctx.deadline + ctx.import_grace:
        status, body, _ = client.request("import progress (htmx poll)", "GET", path, htmx=True)
        if 'data-status="done"' in body:
            results["import_seconds"] = time.monotonic() - started
            return
        time.sleep(1)


# --- The throughput ratio ---------------------------------------------------------------


def closed_loop(make_request, clients, seconds):
    """Requests per second with `clients` threads sending back to back."""
    deadline = time.monotonic() + seconds
    counts = [0] * clients

    def run(index):
        client, rng = make_request.client(index), random.Random(index)
        while time.monotonic() < deadline:
            make_request(client, rng)
            counts[index] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started)


def throughput_ratio(ctx, editors, args):
    """The save endpoint's requests/s against a cheap page's on the same server."""
    probe = Client(ctx.port, ctx.recorder)
    status = probe.request("probe /healthz", "GET", "/healthz", expect=(200, 404))[0]
    ctx.recorder.times.pop("probe /healthz", None)
    if status == 200:
        cheap_name, cheap_path = "GET /healthz (checks the database)", "/healthz"
    else:
        cheap_name, cheap_path = "GET /login/ (anonymous, renders the form)", "/login/"

    def cheap(client, rng):
        client.request("ratio: " + cheap_name, "GET", cheap_path)

    cheap.client = lambda i: Client(ctx.port, ctx.recorder)

    def save(client, rng):
        editor = client.editor
        editor.article = editor.article or rng.choice(ctx.article_ids)
        editor.create()

    def save_client(index):
        client = Client(ctx.port, ctx.recorder)
        client.editor = editors[index % len(editors)]
        return client

    save.client = save_client
    results = {cheap_name: closed_loop(cheap, args.ratio_clients, args.ratio_seconds)}
    # The editors' clients make the saves, so the ledger checks them too.
    for name, api in (("save span (htmx create)", False), ("save span (API create)", True)):
        for editor in editors:
            editor.use_api = lambda api=api: api
        ctx.deadline = time.monotonic() + args.ratio_seconds + 5
        results[name] = closed_loop(save, args.ratio_clients, args.ratio_seconds)
    return cheap_name, results


# --- Checks -----------------------------------------------------------------------------


def verify(before, editors, import_results, import_count):
    """Compare the database with what the clients were told. Returns a list of problems."""
    problems = []
    expected, deleted, links, uncertain = {}, set(), set(), set()
    for editor in editors:
        expected.update(editor.ledger.spans)
        deleted |= editor.ledger.deleted
        links |= editor.ledger.links
        uncertain |= editor.ledger.uncertain
    editor_ids = [editor.user.pk for editor in editors]
    rows = {
        row["pk"]: row
        for row in Annotation.objects.filter(created_by_id__in=editor_ids).values(
            "pk",
            "article_id",
            "kind",
            "start",
            "end",
            "quote",
            "note",
            "version",
            "event_id",
            "article__text",
        )
    }
    lost = [pk for pk in expected if pk not in rows]
    problems += [f"span {pk} was answered as saved but is not in the database" for pk in lost]
    for pk, want in expected.items():
        row = rows.get(pk)
        if row is None or pk in uncertain:
            continue
        if row["article__text"][row["start"] : row["end"]] != row["quote"]:
            problems.append(f"span {pk}: its quote is not text[start:end]")
        differ = {k: (v, row[k]) for k, v in want.items() if row[k] != v}
        if differ:
            problems.append(f"span {pk}: expected vs stored {differ}")
    unknown = set(rows) - set(expected) - uncertain
    problems += [f"span {pk} is in the database but no client saved it" for pk in unknown]
    back = deleted & set(rows)
    problems += [f"span {pk} was deleted but is still there" for pk in back]

    stored_links = set(
        Link.objects.filter(from_annotation__created_by_id__in=editor_ids).values_list(
            "from_annotation_id", "to_annotation_id", "kind"
        )
    )
    if stored_links != links:
        problems.append(
            f"links: {len(links - stored_links)} missing, {len(stored_links - links)} unexpected"
        )

    # The demo's annotations and links: nobody in the load touched them.
    fields = ("article_id", "kind", "start", "end", "quote", "note", "version", "status")
    now = {
        a["pk"]: a
        for a in Annotation.objects.filter(pk__in=before["annotations"]).values("pk", *fields)
    }
    changed = [pk for pk, row in before["annotations"].items() if now.get(pk) != row]
    problems += [f"annotation {pk} from before the load changed" for pk in changed]
    old_links = set(
        Link.objects.filter(from_annotation_id__in=before["annotations"]).values_list(
            "from_annotation_id", "to_annotation_id", "kind"
        )
    )
    if old_links != before["links"]:
        problems.append("links from before the load changed")
    others = Annotation.objects.exclude(created_by_id__in=editor_ids).exclude(
        pk__in=before["annotations"]
    )
    imported_ids = set()
    batch_id = import_results.get("batch_id")
    if batch_id:
        imported_ids = set(
            ImportItem.objects.filter(batch_id=batch_id, status="imported").values_list(
                "article_id", flat=True
            )
        )
    # The only new annotations not made by an editor: the worker's suggestions on the
    # imported articles.
    strays = others.exclude(article_id__in=imported_ids, status="suggested", created_by=None)
    stray_ids = strays.values_list("pk", flat=True)
    problems += [f"annotation {pk} appeared from nowhere" for pk in stray_ids]

    # Articles: the ones from before unchanged; the import added each file exactly once.
    articles = dict(Article.objects.values_list("pk", "text_sha256"))
    if any(articles.get(pk) != sha for pk, sha in before["articles"].items()):
        problems.append("an article from before the load changed or disappeared")
    new = set(articles) - set(before["articles"])
    if new != imported_ids:
        problems.append(f"{len(new)} new articles, but the batch imported {len(imported_ids)}")
    if not batch_id:
        problems.append("the upload did not create a batch")
    elif len(imported_ids) != import_count:
        problems.append(f"the batch imported {len(imported_ids)} of {import_count} files")
    else:
        wanted = {hashlib.sha256(t.encode()).hexdigest() for t in import_results["import_texts"]}
        got = set(Article.objects.filter(pk__in=imported_ids).values_list("text_sha256", flat=True))
        if got != wanted:
            problems.append("the imported texts are not the uploaded ones")
        kept = SourceFile.objects.filter(article_id__in=imported_ids).count()
        if kept != import_count:
            problems.append(f"{kept} original files kept for {import_count} imported articles")
    return problems, len(expected), len(deleted), len(links)


# --- Report -----------------------------------------------------------------------------


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def print_table(recorder, seconds):
    print(f"{'action':36} {'n':>7} {'err':>4} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'/s':>7}")
    for action in sorted(recorder.times):
        ms = [t * 1000 for t in recorder.times[action]]
        print(
            f"{action:36} {len(ms):>7} {recorder.errors[action]:>4} "
            f"{statistics.median(ms):>8.1f} {percentile(ms, 95):>8.1f} "
            f"{percentile(ms, 99):>8.1f} {len(ms) / seconds:>7.1f}"
        )


def save_times(recorder):
    return [
        t * 1000
        for action, times in recorder.times.items()
        if action.startswith(("create span", "edit span"))
        for t in times
    ]


class Context:
    """What every thread of the run shares."""


def setup(args):
    database = os.environ["DEV_DATABASE_NAME"]
    fresh_database(database)
    print(
        f"Setting up {database}: demo project, {args.articles} articles, {args.editors} editors…",
        flush=True,
    )
    project, users, owner, tokens, event, texts = build_data(args)
    ctx = Context()
    ctx.port, ctx.recorder, ctx.seed = args.port, Recorder(), args.seed
    ctx.slug, ctx.base = project.slug, f"/p/{project.slug}"
    ctx.event_id, ctx.texts, ctx.think = event.pk, texts, args.think
    ctx.article_ids = sorted(texts)
    ctx.words = {pk: [m.span() for m in re.finditer(r"\S+", text)] for pk, text in texts.items()}
    ctx.max_requests, ctx.import_grace = args.max_requests, 120
    ctx.deadline = time.monotonic() + 3600
    editors = []
    for n, user in enumerate(users, start=1):
        cookie, csrf = session_cookie(user)
        rng = random.Random(args.seed * 1000 + n)
        editors.append(Editor(n, user, cookie, csrf, tokens[user.pk], ctx, rng))
    ctx.owner_cookie, ctx.owner_csrf = session_cookie(owner)
    return ctx, editors


def warm_up(ctx, editors, args):
    """Every gunicorn process loads its templates and opens its connections on first use:
    a server that has run for a while has done that, so do it before measuring."""
    recorder = Recorder()
    client = Client(ctx.port, recorder, cookie=ctx.owner_cookie, csrf=ctx.owner_csrf)
    for _ in range(4 * args.workers):
        client.request("warm", "GET", f"{ctx.base}/articles/{ctx.article_ids[0]}/")
        client.request("warm", "GET", f"{ctx.base}/events/{ctx.event_id}/")
        client.request("warm", "GET", f"{ctx.base}/export/download/?formats=jsonl")
    for editor in editors[: 2 * args.workers]:
        editor.page.recorder = editor.api.recorder = recorder
        editor.open_article()
        editor.edit()  # creates one first
        editor.edit()
        editor.page.recorder = editor.api.recorder = ctx.recorder
    if sum(recorder.errors.values()):
        raise SystemExit(f"warm-up failed: {recorder.error_samples}")


class CpuMeter:
    """CPU seconds used by the server, the worker, PostgreSQL for this database, this script
    and the whole machine (other programs included) while the load runs."""

    def __init__(self, server, worker, database):
        self.server, self.worker = psutil.Process(server.pid), psutil.Process(worker.pid)
        self.database = database
        self.start, self.started = self.read(), time.monotonic()

    @staticmethod
    def cpu(processes):
        total = 0.0
        for process in processes:
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system
        return total

    def backends(self):
        """PostgreSQL processes serving this database (their title names it)."""
        found = []
        for process in psutil.process_iter(["name", "cmdline"]):
            with contextlib.suppress(psutil.Error, TypeError):
                if process.info["name"] == "postgres" and self.database in " ".join(
                    process.info["cmdline"]
                ):
                    found.append(process)
        return found

    def read(self):
        machine = psutil.cpu_times()
        return {
            "gunicorn": self.cpu([self.server, *self.server.children(recursive=True)]),
            "db_worker": self.cpu([self.worker]),
            "PostgreSQL": {p.pid: self.cpu([p]) for p in self.backends()},
            "this script": self.cpu([psutil.Process()]),
            # guest time is already counted in user time
            "machine, busy": sum(machine)
            - machine.idle
            - getattr(machine, "iowait", 0)
            - getattr(machine, "guest", 0)
            - getattr(machine, "guest_nice", 0),
        }

    def used(self):
        """CPU seconds since the start (PostgreSQL: backends alive at the end)."""
        end = self.read()
        used = {key: end[key] - self.start[key] for key in end if key != "PostgreSQL"}
        used["PostgreSQL"] = sum(
            seconds - self.start["PostgreSQL"].get(pid, 0.0)
            for pid, seconds in end["PostgreSQL"].items()
        )
        used["available"] = (time.monotonic() - self.started) * psutil.cpu_count()
        return used


def run_load(ctx, editors, args):
    """The editors, the export and the import, together; returns what happened beside."""
    side = defaultdict(int)
    ctx.deadline = time.monotonic() + args.seconds
    threads = [threading.Thread(target=e.run, daemon=True) for e in editors]
    export_client = Client(ctx.port, ctx.recorder, cookie=ctx.owner_cookie, csrf=ctx.owner_csrf)
    upload_client = Client(ctx.port, ctx.recorder, cookie=ctx.owner_cookie, csrf=ctx.owner_csrf)
    threads.append(threading.Thread(target=exporter, args=(ctx, export_client, side), daemon=True))
    import_thread = threading.Thread(
        target=importer,
        args=(ctx, upload_client, ctx.owner_csrf, args.import_files, side),
        daemon=True,
    )
    started = ctx.recorder.started = time.monotonic()
    for thread in [*threads, import_thread]:
        thread.start()
    for thread in threads:
        thread.join(timeout=args.seconds + 90)
    side["elapsed"] = time.monotonic() - started
    side["load_average"] = os.getloadavg()[0]
    import_thread.join(timeout=ctx.import_grace + 30)
    return side


def report(args, recorder, side, cpu):
    elapsed = side["elapsed"]
    print(
        f"\nload: {args.editors} editors for {elapsed:.0f} s, think time {args.think} s; "
        f"gunicorn gthread {args.workers} workers x {args.threads} threads; "
        f"{os.cpu_count()} cores; load average {side['load_average']:.1f} at the end\n"
    )
    print_table(recorder, elapsed)
    total = sum(len(t) for t in recorder.times.values())
    errors = sum(recorder.errors.values())
    saves = save_times(recorder)
    print(f"\nall requests: {total} in {elapsed:.0f} s = {total / elapsed:.1f}/s, errors {errors}")
    print(
        f"saves (create + edit): {len(saves)}, p50 {statistics.median(saves):.1f} ms, "
        f"p95 {percentile(saves, 95):.1f} ms, p99 {percentile(saves, 99):.1f} ms"
    )
    print(
        f"export: {side['exports']} JSONL downloads, one after the other; the last one: "
        f"{side['export_articles']} articles, {side['export_spans']} spans, "
        f"{side['export_bytes'] / 1e6:.1f} MB, spans whose quote is not text[start:end]: "
        f"{side['export_bad_quotes']}"
    )
    if "import_seconds" in side:
        print(
            f"import: {args.import_files} files uploaded and imported by the worker in "
            f"{side['import_seconds']:.1f} s ({args.import_files / side['import_seconds']:.1f} "
            "files/s)"
        )
    else:
        print("import: did not finish in time")
    print(
        "CPU seconds while it ran (import included): "
        + ", ".join(f"{name} {seconds:.0f}" for name, seconds in cpu.items())
    )
    print("slowest requests:")
    for seconds, action, path, when in sorted(recorder.slowest, reverse=True)[:5]:
        print(f"  {seconds * 1000:8.0f} ms  {action}: {path.split('?')[0]} ({when:.0f} s in)")
    for sample in recorder.error_samples:
        print("  error:", sample)
    return errors, percentile(saves, 99) if saves else float("inf")


def report_ratio(args, ratio, recorder):
    cheap_name, rates = ratio
    print(
        f"\nthroughput with {args.ratio_clients} clients sending back to back, "
        f"{args.ratio_seconds:.0f} s each:"
    )
    for name, rate in rates.items():
        ratio_text = "" if name == cheap_name else f"  ratio {rate / rates[cheap_name]:.3f}"
        print(f"  {name:44} {rate:8.1f}/s{ratio_text}")
    for sample in recorder.error_samples:
        print("  error:", sample)
    return sum(recorder.errors.values())


def main():
    args = parse_args()
    ctx, editors = setup(args)
    before = snapshot()
    connection.close()  # the server and the worker need the database, not this process
    logs = Path(tempfile.gettempdir())
    server = start_gunicorn(args, logs / "annotator-load-gunicorn.log")
    worker = start_process(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.5"],
        logs / "annotator-load-worker.log",
    )
    ratio = None
    try:
        warm_up(ctx, editors, args)
        print(
            f"Running {args.editors} editors for {args.seconds:.0f} s (think time "
            f"{args.think} s) with one export and one import of {args.import_files} files…",
            flush=True,
        )
        meter = CpuMeter(server, worker, os.environ["DEV_DATABASE_NAME"])
        side = run_load(ctx, editors, args)
        cpu = meter.used()
        main_recorder = ctx.recorder
        if args.ratio_seconds > 0:
            ctx.recorder = Recorder()
            for editor in editors:
                editor.page.recorder = editor.api.recorder = ctx.recorder
            print("Measuring the save endpoint against a cheap page…", flush=True)
            ratio = throughput_ratio(ctx, editors, args)
    finally:
        stop_process(worker)
        stop_process(server)

    errors, save_p99 = report(args, main_recorder, side, cpu)
    if ratio:
        errors += report_ratio(args, ratio, ctx.recorder)
    problems, live, gone, links = verify(before, editors, side, args.import_files)
    print(f"\nchecked: {live} spans answered as saved, {gone} deleted, {links} links")
    for problem in problems[:30]:
        print("  LOST/CHANGED:", problem)
    print(f"lost or unexpected writes: {len(problems)}")
    targets = [
        ("no errors", errors == 0),
        ("no lost writes", not problems),
        (f"save p99 <= {SAVE_P99_TARGET_MS} ms", save_p99 <= SAVE_P99_TARGET_MS),
    ]
    print("targets: " + ", ".join(f"{name}: {'ok' if ok else 'MISSED'}" for name, ok in targets))
    if not args.keep:
        fresh_database(os.environ["DEV_DATABASE_NAME"], create=False)
    sys.exit(0 if all(ok for _, ok in targets) else 1)


if __name__ == "__main__":
    main()

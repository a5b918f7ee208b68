"""Settings for annotator: one module, driven by environment variables.

Development defaults are safe to run locally; production sets DEBUG=0, SECRET_KEY,
ALLOWED_HOSTS and DATABASE_URL (see README.md).
"""

import importlib.util
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import pghistory
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(int(default))).lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG=0.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "template_partials",
    "pgtrigger",
    "pghistory",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "annotator.accounts",
    "annotator.projects",
    "annotator.sources",
    "annotator.articles",
    "annotator.events",
    "annotator.annotations",
    "annotator.workspace",
    "annotator.exports",
    "annotator.review",
    "annotator.suggestions",
    "annotator.matching",
    "annotator.teams",
    "annotator.demo",
]

# History tables are read by object (pgh_obj) and by the few indexes their models declare
# (a project's role changes, an article's review decisions); the index pghistory copies from
# each foreign key would cost every recorded row one more insertion (a bulk import's
# 100,000 spans: a third of their history's cost) and serve no query.
PGHISTORY_FOREIGN_KEY_FIELD = pghistory.ForeignKey(db_index=False)
PGHISTORY_CONTEXT_FIELD = pghistory.ContextForeignKey(db_index=False)
PGHISTORY_OBJ_FIELD = pghistory.ObjForeignKey(db_index=True)

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Database away: a "try again" page (503), not an error; disk full or upload folder not
    # writable: a clear message before anything is stored (annotator/health.py).
    "annotator.health.DatabaseUnavailableMiddleware",
    "annotator.health.UploadStorageMiddleware",
    "annotator.health.UnstorableTextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs login unless its view is marked @login_not_required (the API
    # authenticates with tokens instead).
    "annotator.accounts.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Records who made each change in the history tables (pghistory context).
    "pghistory.middleware.HistoryMiddleware",
    # Login throttling (django-axes); last, as its documentation asks.
    "axes.middleware.AxesMiddleware",
]

# django-ninja is no installed app: Django would import it in django.setup(), and with it
# pydantic (11 MB, 0.1 s), which the task worker never needs and a web process needs on its
# first request only (tests/test_startup_imports.py). Its /api/docs page and script are
# found by folder instead (below, and annotator/api.py); find_spec imports nothing.
NINJA_DIR = Path(importlib.util.find_spec("ninja").origin).parent

ROOT_URLCONF = "annotator.urls"
WSGI_APPLICATION = "annotator.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates", NINJA_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# PostgreSQL only. Without DATABASE_URL, an embedded server in .pgdata/ inside the project
# (annotator/devdb), started when a process first connects: importing the settings
# starts nothing.
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.config()}
else:
    _dev_database = os.environ.get("DEV_DATABASE_NAME", "annotator")
    DATABASES = {
        "default": {
            "ENGINE": "annotator.devdb",
            "NAME": _dev_database,
            "EMBEDDED": {
                "data_dir": Path(os.environ.get("DEV_DATABASE_DIR", BASE_DIR / ".pgdata")),
                "database": _dev_database,
            },
        }
    }
# Keep connections between requests (a new one costs more than a whole span save), and
# check them before use so a restarted database is reconnected to, not an error.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", 60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "projects:list"
LOGOUT_REDIRECT_URL = "login"
# Who may create projects from the project list (and POST /api/projects/): "anyone" logged
# in, or "staff" only (a newsroom whose administrators set projects up).
PROJECT_CREATORS = os.environ.get("PROJECT_CREATORS", "anyone").strip().lower()
if PROJECT_CREATORS not in ("anyone", "staff"):
    raise RuntimeError('PROJECT_CREATORS must be "anyone" or "staff".')
# Sessions end SESSION_COOKIE_AGE (a working day) after their last change, and sooner if
# SESSION_EXPIRE_AT_BROWSER_CLOSE=1 (shared computers). Not refreshed on every request
# (SESSION_SAVE_EVERY_REQUEST): that would add a database write to each click.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 60 * 60 * 12))
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", False)
SESSION_SAVE_EVERY_REQUEST = False
# No script reads the CSRF cookie: pages put the token in the htmx header themselves.
CSRF_COOKIE_HTTPONLY = True

# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one user name
# from one address, that pair waits LOGIN_LOCKOUT_MINUTES (accounts/views.login_locked_out).
# Locking the pair, not the address, keeps one newsroom behind a shared address working.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "annotator.accounts.views.login_locked_out"
AXES_VERBOSE = False
# Behind a reverse proxy REMOTE_ADDR is the proxy's, so every client would share one
# address: read it from X-Forwarded-For, believing only the entries those many proxies
# appended (accounts/client_ip.py; django-ipware is not installed, so axes' IPWARE settings
# would do nothing).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT") or 0)
AXES_CLIENT_IP_CALLABLE = "annotator.accounts.client_ip.client_ip_address"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static", NINJA_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# In development and tests, serve static/ as it is now, not an old collectstatic copy.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# No inline script or style anywhere: behaviour lives in static/js modules.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Background tasks (imports, suggesters, exports) are rows in the database; `manage.py
# db_worker` runs them (`make run` starts one next to the web server).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Seconds a task may run before it is stopped and recorded as failed (annotator/tasklimits.py);
# one worker serves every project, so no task may hold it for long.
TASK_TIME_LIMITS = {
    "default": float(os.environ.get("TASK_TIME_LIMIT", 3600)),  # exports, dataset imports
    "annotator.articles.tasks.batch_import_task": 300,  # a part of a batch, one file at most
    "annotator.suggestions.tasks.suggestions_run_task": 120,  # one article
    # An import's articles: new ones for 10 s (IMPORT_RUN_SECONDS), the last one 120 s.
    "annotator.suggestions.tasks.suggestions_import_task": 130,
    "annotator.suggestions.tasks.claim_ranker_train_task": 600,
    "annotator.matching.tasks.claims_match_task": 120,  # 200 claims, then it queues the rest
    "annotator.articles.indexing.articles_search_index_task": 60,  # 20 s, then it queues the rest
}
# An import task takes new files for this long, then queues the rest of its batch behind
# the work queued meanwhile, so one project's 1,000 files do not hold up another's upload.
IMPORT_TASK_SECONDS = float(os.environ.get("IMPORT_TASK_SECONDS", 5))

# Article imports: limits per file, per batch (all files, or a .zip unpacked) and files per batch.
ARTICLE_MAX_BYTES = int(os.environ.get("ARTICLE_MAX_BYTES", 5 * 1024 * 1024))
IMPORT_BATCH_MAX_BYTES = int(os.environ.get("IMPORT_BATCH_MAX_BYTES", 200 * 1024 * 1024))
IMPORT_BATCH_MAX_FILES = int(os.environ.get("IMPORT_BATCH_MAX_FILES", 1000))
# Django refuses more files outright; leave room so the upload page can say what the limit is.
DATA_UPLOAD_MAX_NUMBER_FILES = IMPORT_BATCH_MAX_FILES * 2
# Uploads over 2.5 MB are written here while the request is read (default: the system's
# temporary folder). Full or not writable: annotator/health.py answers with a clear message.
FILE_UPLOAD_TEMP_DIR = os.environ.get("FILE_UPLOAD_TEMP_DIR") or None

# Mail (password resets) goes out by SMTP to EMAIL_HOST. Without one, development prints
# each mail on the console; production hands it to Django's default, a mail server on
# localhost (the reset pages say the reset is by e-mail either way).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST or not DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = EMAIL_HOST or "localhost"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_PORT = int(os.environ.get("EMAIL_PORT") or 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10  # a mail server that does not answer must not hold a worker for long
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "annotator@localhost")

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # Django's own loggers print to the console already; don't print their lines twice.
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # trafilatura warns "discarding data" for every page without article text; the
        # importer reports that itself.
        "trafilatura": {"level": "ERROR"},
    },
}

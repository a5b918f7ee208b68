"""What the app answers when the database or the disk is not there.

- `/healthz` (no login): 200 {"status": "ok"} when the database answers SELECT 1, else 503,
  for load balancers and monitoring; `manage.py healthcheck` runs the same check.
- While the database is away, every request gets a "try again" page (HTML, or JSON for the
  API) with status 503 instead of an error page. Nothing needs restarting afterwards: with
  CONN_HEALTH_CHECKS, Django drops the dead connection and opens a new one.
- Uploads are read before anything else looks at the request; when the disk is full or the
  upload folder (FILE_UPLOAD_TEMP_DIR) cannot be written, the person is told so, and nothing
  has been stored.
- Text that PostgreSQL cannot store (a NUL character, half a surrogate pair) is refused at
  the door with a clear answer, rather than failing in the database as a server error.
"""

import errno
import json
import logging

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import BadRequest
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from annotator.storable import first_unstorable, strings_in

logger = logging.getLogger(__name__)

# Not IntegrityError or DataError: those are about the data, and the views handle them.
DATABASE_ERRORS = (OperationalError, InterfaceError)
JSON_PATHS = ("/api/", "/healthz")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
RETRY_AFTER_SECONDS = 15
DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DATABASE_ERRORS as error:
        logger.warning("Health check: the database does not answer: %s", error)
        return False


@login_not_required
@never_cache
@require_safe
def healthz(request):
    if database_ok():
        return JsonResponse({"status": "ok"})
    return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)


def _answer(request, status: int, title: str, message: str) -> HttpResponse:
    """The error as JSON for the API, else as a page. Rendered without the request: its
    context (user, messages) would need the database."""
    if request.path_info.startswith(JSON_PATHS):
        response = JsonResponse({"status": "unavailable", "detail": message}, status=status)
    else:
        page = render_to_string("503.html", {"title": title, "message": message})
        response = HttpResponse(page, status=status)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def database_unavailable(request, error) -> HttpResponse:
    logger.error("Database unavailable during %s %s: %s", request.method, request.path, error)
    return _answer(
        request,
        503,
        "The database is not available",
        "The database is not answering at the moment, so nothing could be read or saved. "
        "This is usually over in a minute: try again shortly. Work saved before is safe.",
    )


class DatabaseUnavailableMiddleware:
    """Checks the connection before the request (sessions and logins need the database too,
    before any view runs), and catches the database failing inside a view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            # The health check Django would run at the first query anyway (done once per
            # request): a connection broken by a database restart is replaced here.
            connection.close_if_health_check_failed()
            connection.ensure_connection()
        except DATABASE_ERRORS as error:
            return database_unavailable(request, error)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            return database_unavailable(request, exception)
        return None


class UploadStorageMiddleware:
    """Reads a multipart body here, before the CSRF check does, so that a full disk or an
    unwritable FILE_UPLOAD_TEMP_DIR gives a clear answer instead of a server error. The
    half-written temporary file is removed; no view has run, so nothing is stored."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                request.POST  # noqa: B018 (parses the body, files included)
            except OSError as error:
                for handler in request.upload_handlers:
                    handler.upload_interrupted()  # removes a half-written temporary file
                return upload_not_stored(request, error)
        return self.get_response(request)


class UnstorableTextMiddleware:
    """Query parameters, form fields and JSON bodies may not hold text the database cannot
    store: 400 (a page) or 422 (the API, like its other refusals) that says what is wrong.
    Uploaded files are not looked at here: the importers read and check those."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            problem = self._problem(request)
        except BadRequest:  # Django reads forms only as UTF-8 (e.g. charset=latin-1 is refused)
            message = "The form was not sent as UTF-8 text, so it could not be read."
            return self._refuse(request, "This form could not be read", message, "not_utf8")
        if problem is None:
            return self.get_response(request)
        message = f"The request holds {problem}, which cannot be stored. Remove it and try again."
        return self._refuse(request, "This cannot be stored", message, "unstorable_text")

    @staticmethod
    def _refuse(request, title: str, message: str, kind: str) -> HttpResponse:
        if request.path_info.startswith(JSON_PATHS):
            errors = [{"loc": ["request"], "msg": message, "type": kind}]
            return JsonResponse({"detail": message, "errors": errors}, status=422)
        page = render_to_string("503.html", {"title": title, "message": message})
        return HttpResponse(page, status=400)

    @staticmethod
    def _json_like(request) -> bool:
        """The API parses any body as JSON, whatever its Content-Type says (a form type
        included); a multipart body is files, which the importers check."""
        if request.content_type == "multipart/form-data":
            return False
        return request.content_type == "application/json" or request.path_info.startswith("/api/")

    def _problem(self, request) -> str | None:
        texts = [text for key, values in request.GET.lists() for text in (key, *values)]
        if request.method == "POST" and request.content_type in FORM_TYPES:
            texts += [text for key, values in request.POST.lists() for text in (key, *values)]
        if self._json_like(request) and request.body:
            try:
                texts += strings_in(json.loads(request.body))
            except RecursionError:
                return "JSON nested too deeply"
            except ValueError:
                pass  # not JSON: the API says so itself
        return first_unstorable(texts)


def upload_not_stored(request, error: OSError) -> HttpResponse:
    full = error.errno in DISK_FULL
    logger.error("Upload not stored (%s %s): %s", request.method, request.path, error)
    return _answer(
        request,
        507 if full else 503,
        "The upload could not be stored",
        (
            "The server's disk is full"
            if full
            else "The server's folder for uploads cannot be written to"
        )
        + ", so the files were not received. Nothing was saved. Try again later, and tell "
        "the person who runs this server.",
    )

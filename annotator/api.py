"""The JSON API: token-authenticated, documented by its OpenAPI schema at /api/openapi.json
(browsable at /api/docs). Each domain adds its router here; every endpoint calls the
same services and access checks as the pages."""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404
from ninja import NinjaAPI, Swagger
from ninja.errors import ValidationError
from ninja.security import HttpBearer

from annotator import health
from annotator.accounts.services import api_token_authenticate
from annotator.annotations.api import router as annotations_router
from annotator.articles.api import router as articles_router
from annotator.events.api import router as events_router
from annotator.exports.api import router as exports_router
from annotator.matching.api import router as matching_router
from annotator.projects.api import router as projects_router
from annotator.review.api import router as review_router
from annotator.sources.api import router as sources_router
from annotator.teams.api import router as teams_router  # also adds POST /api/projects/


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; tokens are created on the API tokens page."""

    def authenticate(self, request, token):
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class BundledSwagger(Swagger):
    """The /api/docs page with ninja's bundled script. As ninja is no installed app (settings.py
    says why), it renders `template_cdn`, its page that fetches the script from a CDN (which
    the Content-Security-Policy refuses): that is pointed at the bundled page instead."""

    template_cdn = str(Path(Swagger.template_cdn).with_name("swagger.html"))


api = NinjaAPI(
    title="annotator API",
    version="1",
    description=(
        "Offsets (`start`, `end`) are Unicode code points into the article's stored text "
        "(NFC, `\\n` line ends), not UTF-16 units or bytes: `text[start:end] == quote`."
    ),
    auth=TokenAuth(),
    urls_namespace="api",
    docs=BundledSwagger(),
)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Forbidden."}, status=403)


@api.exception_handler(ValidationError)
def invalid_request(request, exc):
    """A request that does not fit the schema: 422 whose `detail` is a sentence, like every
    other refusal of this API (the 422 schemas say so), and `errors` the list of problems."""
    problems = [
        f"{'.'.join(str(part) for part in error.get('loc', ())[1:]) or 'request'}: "
        f"{error.get('msg', 'invalid')}"
        for error in exc.errors
    ]
    detail = "Invalid request: " + "; ".join(problems[:5]) + ("; …" if len(problems) > 5 else "")
    return api.create_response(request, {"detail": detail, "errors": exc.errors}, status=422)


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def database_unavailable(request, exc):
    """503 with a JSON reason, as the pages do (annotator/health.py), never a traceback."""
    return health.database_unavailable(request, exc)


api.add_router("/projects/", projects_router)
api.add_router("/", annotations_router)
api.add_router("/", exports_router)
api.add_router("/", articles_router)
api.add_router("/", review_router)
api.add_router("/", events_router)
api.add_router("/", matching_router)
api.add_router("/", sources_router)
api.add_router("/", teams_router)

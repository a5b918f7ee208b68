"""Small factories for tests: each makes one thing with plain defaults, through the app's
services where there is one, so a test builds exactly the scenario it checks.

    owner = user("ruth"); newsroom = project(owner=owner)
    wire = source(newsroom, "Meridian Wire", grade="B")
    text = article(newsroom, "Troops left the base on Tuesday, officials said.", outlet=wire)
    claim = span(text, "Troops left the base on Tuesday")
    said = span(text, "officials said", kind=ATTRIBUTION)
    link(said, claim)

The `team` fixture (conftest.py) is a project with an owner, a reviewer and two annotators.
"""

import hashlib
import itertools
import unicodedata
from datetime import datetime

from django.contrib.auth import get_user_model

from annotator.annotations.kinds import CLAIM, link_between
from annotator.annotations.models import Annotation, Link
from annotator.annotations.services import annotation_create, link_create
from annotator.articles.models import Article, ArticleStatus
from annotator.articles.services import article_create
from annotator.events.models import Event
from annotator.events.services import event_create
from annotator.projects.models import Membership, Project, Role
from annotator.sources.models import Source, SourceKind
from annotator.sources.services import assessment_create, source_create

PASSWORD = "pw-test"
_numbers = itertools.count(1)


def user(username: str | None = None, *, password: str = PASSWORD, **fields):
    username = username or f"user{next(_numbers)}"
    return get_user_model().objects.create_user(username, password=password, **fields)


def project(name: str = "", *, slug: str = "", owner=None, guidelines: str = "") -> Project:
    number = next(_numbers)
    made = Project.objects.create(
        name=name or f"Newsroom {number}", slug=slug or f"newsroom-{number}", guidelines=guidelines
    )
    if owner is not None:
        Membership.objects.create(project=made, user=owner, role=Role.OWNER)
    return made


def member(in_project: Project, role: str = Role.ANNOTATOR, username: str | None = None):
    """A new user with `role` in the project."""
    person = user(username)
    Membership.objects.create(project=in_project, user=person, role=role)
    return person


def source(
    in_project: Project,
    name: str = "",
    *,
    kind: str = SourceKind.OUTLET,
    aliases=(),
    grade: str = "",
    graded_by=None,
    **fields,
) -> Source:
    made = source_create(
        project=in_project,
        name=name or f"Outlet {next(_numbers)}",
        kind=kind,
        aliases=aliases,
        **fields,
    )
    if grade:
        assessor = graded_by or _someone(in_project, Role.REVIEWER)
        assessment_create(source=made, grade=grade, rationale="Graded in a test.", user=assessor)
    return made


def article(
    in_project: Project,
    text: str = "",
    *,
    title: str = "",
    outlet: Source | None = None,
    language: str = "en",
    published_at: datetime | None = None,
    published_precision: str = "",
    status: str = ArticleStatus.NEW,
    uploaded_by=None,
    url: str = "",
) -> Article:
    """An article whose text is stored as given (made NFC)."""
    text = unicodedata.normalize("NFC", text or f"Report number {next(_numbers)}: all is calm.")
    return article_create(
        project=in_project,
        title=title or text.split("\n", 1)[0][:80],
        text=text,
        text_sha256=hashlib.sha256(text.encode()).hexdigest(),
        outlet=outlet,
        language=language,
        published_at=published_at,
        published_precision=published_precision or ("minute" if published_at else ""),
        status=status,
        uploaded_by=uploaded_by,
        url=url,
    )


def span(
    of_article: Article, quote: str, kind: str = CLAIM, *, occurrence: int = 0, by=None, **fields
) -> Annotation:
    """An annotation of the `occurrence`-th appearance of `quote` in the article's text."""
    start = -1
    for _ in range(occurrence + 1):
        start = of_article.text.index(quote, start + 1)
    return annotation_create(
        article=of_article,
        kind=kind,
        start=start,
        end=start + len(quote),
        quote=quote,
        created_by=by,
        **fields,
    )


def link(source_span: Annotation, target_span: Annotation, kind: str = "", by=None) -> Link:
    """A link of the kind that joins the two spans' kinds (kinds.LINKS), unless named."""
    kind = kind or link_between(source_span.kind, target_span.kind).name
    return link_create(
        from_annotation=source_span, to_annotation=target_span, kind=kind, created_by=by
    )


def event(in_project: Project, title: str = "", **fields) -> Event:
    return event_create(project=in_project, title=title or f"Event {next(_numbers)}", **fields)


def _someone(in_project: Project, role: str):
    found = (
        Membership.objects.filter(project=in_project, role__in=[role, Role.OWNER])
        .select_related("user")
        .first()
    )
    return found.user if found else member(in_project, Role.REVIEWER)

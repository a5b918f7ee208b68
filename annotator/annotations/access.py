"""Who may do what with annotations: one rule, checked by the services every door calls.

The doors (workspace, API) find the project and the annotation with the *_for_member
helpers (404 for outsiders); the services then check edit rights with edit_check.
"""

from functools import cache

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from annotator.annotations.models import Annotation, Status
from annotator.articles.models import Article
from annotator.projects.access import (
    membership_of,
    membership_or_404,
    minimum_role_check,
    writable_check,
)
from annotator.projects.models import Membership, Project, Role
from annotator.rows import columns, fetch_one
from annotator.sources.models import Source

# An id outside PostgreSQL's bigint finds nothing (as the ORM's lookups do), not an error.
BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1

CANNOT_EDIT = "You can change only your own annotations."


def can_edit(membership: Membership | None, annotation: Annotation) -> bool:
    """Annotators edit their own spans (and open suggestions); reviewers and owners any."""
    if membership is None:
        return False
    return (
        membership.has_role(Role.REVIEWER)
        or annotation.created_by_id == membership.user_id
        or annotation.status == Status.SUGGESTED
    )


def can_decide(membership: Membership | None, annotation: Annotation) -> bool:
    """Reviewers and owners decide (approve, or keep approved through an edit) others'
    spans; their own only when nobody else could: they are the project's only reviewer."""
    if membership is None or not membership.has_role(Role.REVIEWER):
        return False
    if annotation.created_by_id != membership.user_id:
        return True
    others = Membership.objects.filter(
        project_id=membership.project_id, role__in=[Role.REVIEWER, Role.OWNER]
    ).exclude(user_id=membership.user_id)
    return not others.exists()


def edit_check(*, user, annotation: Annotation) -> Membership | None:
    """The editor's membership; PermissionDenied unless they may change the annotation.
    `user` None is the app itself (suggesters, imports run by the system): allowed."""
    if user is None:
        return None
    membership = membership_of(user, annotation.article.project_id)
    if not can_edit(membership, annotation):
        raise PermissionDenied(CANNOT_EDIT)
    writable_check(membership.project)
    return membership


@cache
def _member_article_sql() -> str:
    """The user's membership of the project by slug, the project, its article by id and the
    article's outlet (or NULLs): one constant query (annotator/rows.py says why)."""
    return (
        f"SELECT {columns(Membership, 'm')}, {columns(Project, 'p')},"  # noqa: S608 (no value)
        f" {columns(Article, 'a')}, {columns(Source, 'o')}"
        f" FROM {Membership._meta.db_table} m"
        f" JOIN {Project._meta.db_table} p ON p.id = m.project_id"
        f" JOIN {Article._meta.db_table} a ON a.project_id = p.id"
        f" LEFT JOIN {Source._meta.db_table} o ON o.id = a.outlet_id"
        " WHERE m.user_id = %s AND p.slug = %s AND a.id = %s"
    )


def article_for_member(user, slug: str, article_id: int) -> tuple[Membership, Article]:
    """The user's membership (membership_or_404's rule: 404 for outsiders) and the project's
    article `article_id` (else 404), with its project and outlet, in one query: every span
    save starts here."""
    found = None
    if user.is_authenticated and BIGINT_MIN <= article_id <= BIGINT_MAX:
        found = fetch_one(
            _member_article_sql(),
            [user.pk, slug, article_id],
            *(Membership, Project, Article, Source),
        )
    if found is None:
        membership_or_404(user, slug)  # outsiders: its 404 (and message), as everywhere
        raise Http404(f"No {Article._meta.object_name} matches the given query.")
    membership, project, article, outlet = found
    membership.user, membership.project = user, project
    minimum_role_check(membership, Role.ANNOTATOR)
    # The ones loaded: no query when a page or a service reads them.
    article.project, article.outlet = project, outlet
    return membership, article


def annotation_for_member(
    user, slug: str, annotation_id: int, *, edit: bool = False
) -> tuple[Membership, Annotation]:
    """The annotation if it belongs to the user's project (else 404); with edit=True,
    PermissionDenied (403) at once, before any input is read, unless the user may change
    it (the services check again)."""
    membership = membership_or_404(user, slug)
    annotation = get_object_or_404(
        Annotation.objects.select_related("article"),
        pk=annotation_id,
        article__project=membership.project,
    )
    annotation.article.project = membership.project  # loaded already
    if edit and not can_edit(membership, annotation):
        raise PermissionDenied(CANNOT_EDIT)
    return membership, annotation

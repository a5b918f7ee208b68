"""Who may do what with annotations: one rule, checked by the services every door calls.

The doors (workspace, API) find the project and the annotation with the *_for_member
helpers (404 for outsiders); the services then check edit rights with edit_check.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from annotator.annotations.models import Annotation, Status
from annotator.articles.models import Article
from annotator.projects.access import membership_of, membership_or_404, writable_check
from annotator.projects.models import Membership, Role

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


def article_for_member(user, slug: str, article_id: int) -> tuple[Membership, Article]:
    membership = membership_or_404(user, slug)
    article = get_object_or_404(
        Article.objects.select_related("outlet"), pk=article_id, project=membership.project
    )
    article.project = membership.project  # the one loaded: no query when a service reads it
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

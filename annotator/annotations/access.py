"""Who may do what with annotations: one rule for the pages and the API."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from annotator.annotations.models import Annotation, Status
from annotator.articles.models import Article
from annotator.projects.access import membership_or_404
from annotator.projects.models import Membership, Role


def can_edit(membership: Membership, annotation: Annotation) -> bool:
    """Annotators edit their own spans (and open suggestions); reviewers and owners any."""
    return (
        membership.has_role(Role.REVIEWER)
        or annotation.created_by_id == membership.user_id
        or annotation.status == Status.SUGGESTED
    )


def article_for_member(user, slug: str, article_id: int) -> tuple[Membership, Article]:
    membership = membership_or_404(user, slug)
    article = get_object_or_404(
        Article.objects.select_related("outlet"), pk=article_id, project=membership.project
    )
    return membership, article


def annotation_for_member(
    user, slug: str, annotation_id: int, *, edit: bool = False
) -> tuple[Membership, Annotation]:
    """The annotation if it belongs to the user's project (else 404); with edit=True,
    PermissionDenied (403) unless the user may change it."""
    membership = membership_or_404(user, slug)
    annotation = get_object_or_404(
        Annotation.objects.select_related("article"),
        pk=annotation_id,
        article__project=membership.project,
    )
    if edit and not can_edit(membership, annotation):
        raise PermissionDenied("You can change only your own annotations.")
    return membership, annotation

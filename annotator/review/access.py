"""Who may review: reviewers and owners of the project. Outsiders get 404 (project names do
not leak), annotators 403. One rule for the pages and the API."""

from django.shortcuts import get_object_or_404

from annotator.annotations.models import Annotation
from annotator.articles.models import Article
from annotator.projects.access import membership_or_404
from annotator.projects.models import Membership, Role


def reviewer_or_404(user, slug: str) -> Membership:
    return membership_or_404(user, slug, Role.REVIEWER)


def article_for_reviewer(user, slug: str, article_id: int) -> tuple[Membership, Article]:
    membership = reviewer_or_404(user, slug)
    article = get_object_or_404(
        Article.objects.select_related("outlet"),
        pk=article_id,
        project=membership.project,
    )
    return membership, article


def annotation_for_reviewer(user, slug: str, annotation_id: int) -> tuple[Membership, Annotation]:
    membership = reviewer_or_404(user, slug)
    annotation = get_object_or_404(
        Annotation.objects.select_related("article"),
        pk=annotation_id,
        article__project=membership.project,
    )
    return membership, annotation

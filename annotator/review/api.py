"""JSON API for review: the queue, and approve/reject decisions. Same services and access
rules as the review pages (reviewers and owners; annotators 403, outsiders 404)."""

from datetime import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from annotator.annotations.api import MAX_OFFSET
from annotator.annotations.services import AnnotationConflict
from annotator.api_input import Input
from annotator.articles.models import ArticleStatus
from annotator.review import services
from annotator.review.access import annotation_for_reviewer, reviewer_or_404
from annotator.review.queries import review_queue
from annotator.review.services import COMMENT_MAX
from annotator.sources.models import Source

router = Router(tags=["review"])


class DecisionError(Schema):
    detail: str


class QueueArticle(Schema):
    id: int
    title: str
    outlet: str | None = Field(None, alias="outlet.name")
    language: str
    status: str
    created_at: datetime
    annotators: list[str] = Field(description="Who made its annotations (user names)")
    assigned_to: list[str] = Field(alias="assigned_names")
    assigned_ready: list[str] = Field(
        alias="ready_names", description="The assignees who marked their work ready"
    )
    undecided: int = Field(alias="draft_count")
    approved: int = Field(alias="approved_count")
    rejected: int = Field(alias="rejected_count")


class DecisionIn(Input):
    decision: Literal["approved", "rejected"]
    comment: str = Field("", max_length=COMMENT_MAX, description="Shown to the annotator")
    version: int | None = Field(
        None, description="The version you read: 409 if it changed since (omit to skip)"
    )


class ReviewedAnnotation(Schema):
    id: int
    article_id: int
    kind: str
    start: int
    end: int
    quote: str
    status: str
    version: int
    created_by: str | None = Field(None, alias="created_by.username")
    reviewed_by: str | None = Field(None, alias="reviewed_by.username")
    reviewed_at: datetime | None
    review_comment: str
    article_status: str = Field(alias="article.status")


class ReviewConflict(Schema):
    detail: str
    current: ReviewedAnnotation


@router.get(
    "/projects/{slug}/review/queue/",
    response=list[QueueArticle],
    summary="Articles ready for review, oldest first",
)
def queue(
    request,
    slug: str,
    annotator: str | None = None,
    outlet_id: int | None = None,
    status: Literal["ready", "reviewed", "in_progress"] = "ready",
    offset: int = Query(0, le=MAX_OFFSET),
    limit: int = 100,
):
    """Filter by `annotator` (user name: articles they annotated or are assigned) and by
    `outlet_id`. An unknown annotator or outlet gives an empty list."""
    membership = reviewer_or_404(request.user, slug)
    project = membership.project
    filters = {"status": ArticleStatus(status)}
    if annotator is not None:
        member = project.memberships.filter(user__username=annotator).select_related("user")
        filters["annotator"] = member[0].user if member else None
        if not member:
            return []
    if outlet_id is not None:
        filters["outlet"] = Source.objects.filter(pk=outlet_id, project=project).first()
        if filters["outlet"] is None:
            return []
    offset = max(offset, 0)
    rows = list(review_queue(project, **filters)[offset : offset + min(max(limit, 1), 1000)])
    for article in rows:
        article.annotators = article.annotators or []
        article.assigned_names = [a.user.get_username() for a in article.assignments.all()]
        article.ready_names = [
            a.user.get_username() for a in article.assignments.all() if a.ready_at is not None
        ]
    return rows


@router.post(
    "/projects/{slug}/annotations/{annotation_id}/review/",
    response={200: ReviewedAnnotation, 409: ReviewConflict, 422: DecisionError},
    summary="Approve or reject an annotation (with an optional comment)",
)
def decide(request, slug: str, annotation_id: int, payload: DecisionIn):
    """The article becomes `reviewed` once none of its annotations is undecided."""
    _, annotation = annotation_for_reviewer(request.user, slug, annotation_id)
    try:
        return services.annotation_review(
            annotation=annotation,
            reviewer=request.user,
            decision=payload.decision,
            comment=payload.comment,
            version=payload.version,
        )
    except AnnotationConflict as conflict:
        return Status(409, {"detail": str(conflict), "current": conflict.current})
    except services.ReviewError as error:
        return Status(422, {"detail": str(error)})

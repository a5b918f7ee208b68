"""Review decisions, curation and assignments. Keyword-only functions, one transaction each.

Decisions go through annotator.annotations.services.annotation_update, so each one is in
the annotation's history (pghistory) with who made it, when, the status and the comment.
Access is checked by the callers (annotator.review.access); the functions re-check the
reviewer's role so that no other caller can approve by mistake.
"""

import pghistory
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator

from annotator.annotations.access import can_decide
from annotator.annotations.models import Annotation, Status
from annotator.annotations.services import annotation_update
from annotator.articles.models import Article, ArticleStatus
from annotator.projects.access import membership_of, role_check, writable_check
from annotator.projects.models import Membership, Role
from annotator.review.models import Assignment

DECISIONS = (Status.APPROVED, Status.REJECTED)
COMMENT_MAX = 2000
OWN_SPAN = (
    "You cannot approve your own annotation: another reviewer or an owner decides it "
    "(only a project's sole reviewer approves their own)."
)


class ReviewError(ValueError):
    """The decision cannot be made; the message says why, for the user."""


class AssignmentError(ValueError):
    """The assignment cannot be made; the message says why, for the user."""


def annotation_review(
    *, annotation: Annotation, reviewer, decision: str, comment: str = "", version=None
) -> Annotation:
    """Approve or reject one annotation. `version` is the one the reviewer saw (None: the
    current one); AnnotationConflict if someone changed it since. The article becomes
    reviewed when none of its annotations is left undecided."""
    _check_reviewer(reviewer, annotation.article_id)
    with transaction.atomic():
        decided = _decide(annotation, reviewer, decision, comment, version)
        article_review_complete(article=decided.article)
    return decided


def span_curate(*, annotation: Annotation, reviewer, version=None) -> list[Annotation]:
    """Accept one annotator's version of a span into the reviewed set: approve it, and
    reject the other annotators' spans of the same kind that overlap it (each rejection's
    comment names the accepted span). Returns the rejected spans."""
    _check_reviewer(reviewer, annotation.article_id)
    with transaction.atomic():
        rejected = _curate(annotation, reviewer, version)
        article_review_complete(article=annotation.article)
    return rejected


def spans_curate(*, annotations, reviewer) -> int:
    """span_curate() for several spans of one article at once (accepting the agreed spans).
    Returns how many were accepted."""
    annotations = list(annotations)
    if not annotations:
        return 0
    _check_reviewer(reviewer, annotations[0].article_id)
    membership = membership_of(reviewer, annotations[0].article.project_id)
    accepted = 0
    with transaction.atomic():
        for annotation in annotations:
            # Four eyes: of agreed twins, accept another annotator's; skip the reviewer's own
            # span when it has none (it waits for another reviewer).
            if annotation.created_by_id == reviewer.pk and not can_decide(membership, annotation):
                annotation = _agreed_twin(annotation, reviewer)
                if annotation is None:
                    continue
            _curate(annotation, reviewer, None)
            accepted += 1
        article_review_complete(article=annotations[0].article)
    return accepted


def _agreed_twin(annotation, reviewer):
    """The same span of the same kind marked by someone other than `reviewer`, if any."""
    twins = Annotation.objects.filter(
        article_id=annotation.article_id,
        kind=annotation.kind,
        start=annotation.start,
        end=annotation.end,
    )
    return (
        twins.exclude(status=Status.SUGGESTED)
        .exclude(created_by=reviewer)
        .select_related("article")
        .order_by("pk")
        .first()
    )


def article_review_finish(*, article: Article, user) -> bool:
    """A reviewer marks an article with nothing left to decide as reviewed (e.g. one
    without spans); see article_review_complete."""
    role_check(
        user=user, project_id=article.project_id, minimum=Role.REVIEWER, doing="finish a review"
    )
    return article_review_complete(article=article)


def article_review_complete(*, article: Article) -> bool:
    """Mark the article reviewed if none of its annotations is a draft any more (suggestions
    are not review items). Returns whether it is reviewed now."""
    if Annotation.objects.filter(article_id=article.pk, status=Status.DRAFT).exists():
        return False
    Article.objects.filter(pk=article.pk).exclude(status=ArticleStatus.REVIEWED).update(
        status=ArticleStatus.REVIEWED, updated_at=timezone.now()
    )
    article.status = ArticleStatus.REVIEWED
    return True


def assignments_create(*, articles, users, assigned_by) -> int:
    """Assign every article to every user (all members of the articles' project); pairs
    that exist already are left alone. Owners only. Returns how many assignments are new."""
    articles, users = list(articles), list(users)
    project_ids = {article.project_id for article in articles}
    for project_id in project_ids:
        role_check(
            user=assigned_by, project_id=project_id, minimum=Role.OWNER, doing="assign articles"
        )
    members = set(
        Membership.objects.filter(project_id__in=project_ids, user__in=users).values_list(
            "project_id", "user_id"
        )
    )
    for article in articles:
        for user in users:
            if (article.project_id, user.pk) not in members:
                raise AssignmentError(f"{user.get_username()} is not a member of this project.")
    existing = set(
        Assignment.objects.filter(article__in=articles, user__in=users).values_list(
            "article_id", "user_id"
        )
    )
    new = [
        Assignment(article=article, user=user, assigned_by=assigned_by)
        for article in articles
        for user in users
        if (article.pk, user.pk) not in existing
    ]
    with transaction.atomic(), pghistory.context(user=assigned_by.pk):
        Assignment.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def assignment_delete(*, assignment: Assignment, user) -> None:
    """Owners take an assignment back. When everyone still assigned had marked their work
    ready, the one who left was all it waited for: the article is ready for review."""
    role_check(
        user=user,
        project_id=assignment.article.project_id,
        minimum=Role.OWNER,
        doing="change assignments",
    )
    with transaction.atomic(), pghistory.context(user=user.pk):
        _assignments_delete([assignment])


def assignments_of_removed_member_delete(*, membership, user, **signal) -> None:
    """The projects app's member_removed: the person's assignments in that project go."""
    taken = Assignment.objects.filter(
        user_id=membership.user_id, article__project_id=membership.project_id
    )
    with pghistory.context(user=user.pk):
        _assignments_delete(list(taken))


def _assignments_delete(assignments: list[Assignment]) -> None:
    """Delete them; an article whose remaining assignees have all marked their work ready
    waited only for those who left: it is ready for review. Articles are locked first, as
    article_status_set locks them, so that a mark taken back meanwhile is seen."""
    article_ids = sorted({a.article_id for a in assignments})
    list(Article.objects.select_for_update().filter(pk__in=article_ids).only("pk"))
    Assignment.objects.filter(pk__in=[a.pk for a in assignments]).delete()
    waiting = Assignment.objects.filter(article_id__in=article_ids, ready_at__isnull=True)
    assigned = Assignment.objects.filter(article_id__in=article_ids)
    Article.objects.filter(
        pk__in=assigned.values("article_id"), status=ArticleStatus.IN_PROGRESS
    ).exclude(pk__in=waiting.values("article_id")).update(
        status=ArticleStatus.READY, updated_at=timezone.now()
    )


def _check_reviewer(reviewer, article_id: int) -> None:
    allowed = (
        Membership.objects.select_related("project")
        .filter(project__articles=article_id, user=reviewer, role__in=[Role.REVIEWER, Role.OWNER])
        .first()
    )
    if allowed is None:
        raise PermissionDenied("Only reviewers and owners make review decisions.")
    writable_check(allowed.project)


def _decide(annotation, reviewer, decision, comment, version) -> Annotation:
    if decision not in DECISIONS:
        raise ReviewError(f"Unknown decision {decision!r}: use approved or rejected.")
    if annotation.status == Status.SUGGESTED:
        raise ReviewError(
            "Suggestions are accepted or rejected in the workspace; they are not review items."
        )
    # Four eyes: nobody approves their own span while someone else could (can_decide).
    own = decision == Status.APPROVED and annotation.created_by_id == reviewer.pk
    if own and not can_decide(membership_of(reviewer, annotation.article.project_id), annotation):
        raise PermissionDenied(OWN_SPAN)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ReviewError(f"The comment is too long (at most {COMMENT_MAX} characters).")
    return annotation_update(
        annotation=annotation,
        version=annotation.version if version is None else version,
        user=reviewer,
        status=decision,
        reviewed_by=reviewer,
        reviewed_at=timezone.now(),
        review_comment=comment,
    )


def _curate(annotation, reviewer, version) -> list[Annotation]:
    chosen = _decide(annotation, reviewer, Status.APPROVED, "", version)
    rivals = (
        Annotation.objects.filter(
            article_id=chosen.article_id,
            kind=chosen.kind,
            start__lt=chosen.end,
            end__gt=chosen.start,
        )
        .exclude(pk=chosen.pk)
        .exclude(status__in=[Status.SUGGESTED, Status.REJECTED])
        .order_by("start", "pk")
    )
    if chosen.created_by_id is not None:
        rivals = rivals.exclude(created_by_id=chosen.created_by_id)
    quote = Truncator(chosen.quote).chars(60)
    author = chosen.created_by.get_username() if chosen.created_by else "another annotator"
    rejected = []
    for rival in rivals:
        if (rival.start, rival.end) == (chosen.start, chosen.end):
            comment = f"The same span by {author} was accepted instead."
        else:
            comment = f"The version by {author} was accepted instead: “{quote}”."
        rejected.append(_decide(rival, reviewer, Status.REJECTED, comment, None))
    return rejected

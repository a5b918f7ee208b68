"""Writes for claim matching: a person's decision on a proposed pair. Keyword-only
functions, one transaction each; the page, the API and the keyboard all call them.

Deciding "same" or "contradicts" puts a claim without an event into the other's (the
proposal said "probably event X"), then makes the events app's ClaimRelation, recording
the facts that differ for "contradicts". "Not the same" is remembered on the candidate, so
the worker never proposes the pair again.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from annotator.annotations.models import Annotation
from annotator.annotations.services import AnnotationConflict, annotation_edit
from annotator.events.models import Event, RelationKind
from annotator.events.services import claim_relation_create
from annotator.matching.models import EventRefusal, MatchCandidate, MatchStatus
from annotator.projects.access import role_check
from annotator.projects.models import Role

DECISIONS = {
    "same": MatchStatus.SAME,
    "contradicts": MatchStatus.CONTRADICTS,
    "reject": MatchStatus.REJECTED,
}


class MatchError(ValueError):
    """The decision does not fit the pair; the message says why, for the user. (The
    events and annotations services' refusals, EventError and SpanError, are ValueErrors
    too: the doors catch ValueError.)"""


def match_decide(*, candidate: MatchCandidate, decision: str, user) -> MatchCandidate:
    if decision not in DECISIONS:
        raise MatchError(f"Unknown decision {decision!r}: same, contradicts or reject.")
    role_check(
        user=user, project_id=candidate.project_id, minimum=Role.ANNOTATOR, doing="decide a match"
    )
    with transaction.atomic():
        current = MatchCandidate.objects.select_for_update().filter(pk=candidate.pk).first()
        if current is None:  # the worker withdrew it: a claim changed meanwhile
            raise MatchError("This proposal was withdrawn: one of its claims changed.")
        if current.status != MatchStatus.OPEN:
            raise MatchError(f"Already decided: {current.get_status_display()}.")
        if decision == "contradicts" and not current.differ:
            raise MatchError("No difference was found between these claims to record.")
        if decision != "reject":
            try:
                _relate(current, kind=DECISIONS[decision], user=user)
            except PermissionDenied as refused:  # someone else's claim or relation
                raise MatchError(f"{refused} Ask its author or a reviewer.") from refused
        current.status, current.decided_by, current.decided_at = (
            DECISIONS[decision],
            user,
            timezone.now(),
        )
        current.save(update_fields=["status", "decided_by", "decided_at"])
    return current


def _relate(candidate: MatchCandidate, *, kind: str, user) -> None:
    claims = Annotation.objects.select_related("article").in_bulk(
        [candidate.claim_a_id, candidate.claim_b_id]
    )
    a, b = claims[candidate.claim_a_id], claims[candidate.claim_b_id]
    event_id = a.event_id or b.event_id or candidate.event_id
    if a.event_id and b.event_id and a.event_id != b.event_id:
        raise MatchError("These claims now belong to different events: move one first.")
    for claim in (a, b):
        if claim.event_id is None:
            # As a person's edit: who may move someone else's claim is the usual rule.
            try:
                moved = annotation_edit(
                    annotation=claim, version=claim.version, user=user, event_id=event_id
                )
            except AnnotationConflict as conflict:
                raise MatchError(
                    "A claim changed meanwhile: look again, then decide."
                ) from conflict
            claim.event_id, claim.version = moved.event_id, moved.version
    differences = candidate.differ if kind == RelationKind.CONTRADICTS else None
    claim_relation_create(claim=a, other=b, kind=kind, user=user, differences=differences)


def match_event_reject(*, claim: Annotation, event_id: int, user) -> int:
    """ "Not this event" for a claim without one: its open proposals there are rejected,
    and none is proposed there again (EventRefusal). Returns how many were open."""
    role_check(
        user=user,
        project_id=claim.article.project_id,
        minimum=Role.ANNOTATOR,
        doing="decide a match",
    )
    event = Event.objects.filter(pk=event_id, project_id=claim.article.project_id).first()
    if event is None or claim.event_id is not None:
        return 0
    now = timezone.now()
    with transaction.atomic():
        EventRefusal.objects.get_or_create(
            claim=claim, event=event, defaults={"decided_by": user, "decided_at": now}
        )
        return (
            MatchCandidate.objects.open()
            .touching(claim.pk)
            .filter(event=event)
            .update(status=MatchStatus.REJECTED, decided_by=user, decided_at=now)
        )

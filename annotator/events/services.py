"""Writes for events: claim relations, reviewer credibility, new events."""

import pghistory
from django.db import transaction

from annotator.annotations.models import Annotation, Kind
from annotator.annotations.services import annotation_update
from annotator.events.models import ClaimRelation, Event, RelationKind
from annotator.events.queries import group_independence

CONFIRMED = 1  # Admiralty information scale: 1 = confirmed by other independent sources


class EventError(ValueError):
    """The change does not fit the rules; the message says why, for the user."""


def event_create(
    *, project, title: str, description: str = "", place: str = "", start_date=None, end_date=None
) -> Event:
    title = title.strip()
    if not title:
        raise EventError("An event needs a title.")
    if start_date and end_date and end_date < start_date:
        raise EventError("The event cannot end before it starts.")
    return Event.objects.create(
        project=project,
        title=title,
        description=description,
        place=place,
        start_date=start_date,
        end_date=end_date,
    )


def claim_relation_create(
    *, claim: Annotation, other: Annotation, kind: str, user, note: str = ""
) -> ClaimRelation:
    """Mark two claims of one event as the same assertion or as contradicting."""
    if kind not in RelationKind.values:
        raise EventError(f"Unknown relation {kind!r}.")
    if claim.pk == other.pk:
        raise EventError("A claim cannot be related to itself.")
    if claim.kind != Kind.CLAIM or other.kind != Kind.CLAIM:
        raise EventError("Only claims can be related.")
    if claim.event_id is None or claim.event_id != other.event_id:
        raise EventError("Both claims must belong to the same event.")
    a, b = sorted([claim, other], key=lambda c: c.pk)
    with transaction.atomic(), pghistory.context(user=user.pk if user else None):
        relation, created = ClaimRelation.objects.get_or_create(
            claim_a=a, claim_b=b, defaults={"kind": kind, "note": note, "created_by": user}
        )
        if not created and relation.kind != kind:
            relation.kind = kind
            relation.save(update_fields=["kind"])
    return relation


def claim_relation_delete(*, relation: ClaimRelation, user) -> None:
    with transaction.atomic(), pghistory.context(user=user.pk if user else None):
        ClaimRelation.objects.filter(pk=relation.pk).delete()


def claim_credibility_set(*, claim: Annotation, credibility: int | None, version: int, user):
    """Set the reviewer's credibility (1–6). 1 ("confirmed by other independent sources")
    needs a same-assertion group with at least two independent origins."""
    if credibility is not None and not 1 <= credibility <= 6:
        raise EventError("Credibility is 1 to 6 on the Admiralty scale.")
    if credibility == CONFIRMED:
        independent = group_independence(claim)
        if independent < 2:
            raise EventError(
                "Credibility 1 means confirmed by other independent sources, but this "
                f"claim's group has {independent} independent origin"
                f"{'' if independent == 1 else 's'}. Link it to the same assertion from "
                "an independent outlet first, or choose 2 (probably true)."
            )
    return annotation_update(annotation=claim, version=version, user=user, credibility=credibility)

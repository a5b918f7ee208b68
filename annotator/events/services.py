"""Writes for events: new events, claim relations and the reviewer's credibility.
Keyword-only functions, one transaction each."""

import pghistory
from django.db import transaction

from annotator.annotations.kinds import CLAIM
from annotator.annotations.models import Annotation
from annotator.annotations.services import annotation_update
from annotator.events.analysis import claim_independence
from annotator.events.models import ClaimRelation, Event, RelationKind
from annotator.projects.access import role_check, writable_check
from annotator.projects.models import Role

CONFIRMED = 1  # Admiralty information scale: 1 = confirmed by other independent sources
TITLE_MAX = 300
PLACE_MAX = 300
DIFFERENCES_MAX = 20  # as the dataset schema (exports/schema/article.v1.json) allows
FACET_MAX = 40
VALUE_MAX = 200
FIELDS = ("facet", "a", "b")  # of a difference


class EventError(ValueError):
    """The change does not fit the rules; the message says why, for the user."""


def event_create(
    *, project, title: str, description: str = "", place: str = "", start_date=None, end_date=None
) -> Event:
    title = title.strip()
    if not title:
        raise EventError("An event needs a title.")
    if len(title) > TITLE_MAX:
        raise EventError(f"An event's title has at most {TITLE_MAX} characters.")
    if len(place) > PLACE_MAX:
        raise EventError(f"An event's place has at most {PLACE_MAX} characters.")
    if start_date and end_date and end_date < start_date:
        raise EventError("The event cannot end before it starts.")
    writable_check(project)
    with transaction.atomic():
        return Event.objects.create(
            project=project,
            title=title,
            description=description,
            place=place,
            start_date=start_date,
            end_date=end_date,
        )


def event_get_or_create(*, project, title: str) -> Event:
    """The project's event with this title (in any case), or a new one."""
    title = title.strip()
    existing = Event.objects.filter(project=project, title__iexact=title).order_by("pk").first()
    return existing or event_create(project=project, title=title)


def claim_relation_create(
    *,
    claim: Annotation,
    other: Annotation,
    kind: str,
    user,
    note: str = "",
    differences: list[dict] | None = None,
) -> ClaimRelation:
    """Mark two claims of one event as the same assertion or as contradicting.
    `differences` (for contradicts) are the facts that differ, each {"facet", "a", "b"}
    with a and b as the claim with the smaller id and the other say; None keeps those an
    existing relation of the same kind recorded."""
    if kind not in RelationKind.values:
        raise EventError(f"Unknown relation {kind!r}.")
    if claim.pk == other.pk:
        raise EventError("A claim cannot be related to itself.")
    if claim.kind != CLAIM or other.kind != CLAIM:
        raise EventError("Only claims can be related.")
    if claim.event_id is None or claim.event_id != other.event_id:
        raise EventError("Both claims must belong to the same event.")
    writable_check(claim.article.project_id)
    differences = _differences_clean(differences)
    kept = differences is None  # a relation marked again by hand keeps what it recorded
    differences = (differences or []) if kind == RelationKind.CONTRADICTS else []
    a, b = sorted([claim, other], key=lambda c: c.pk)
    with transaction.atomic(), pghistory.context(user=user.pk if user else None):
        relation, created = ClaimRelation.objects.get_or_create(
            claim_a=a,
            claim_b=b,
            defaults={"kind": kind, "note": note, "created_by": user, "differences": differences},
        )
        if kept and kind == relation.kind:
            differences = relation.differences
        if not created and (relation.kind, relation.differences) != (kind, differences):
            _relation_check(relation, user, "change")
            relation.kind, relation.differences = kind, differences
            relation.save(update_fields=["kind", "differences"])
    return relation


def _differences_clean(differences) -> list[dict] | None:
    """A short list of {"facet", "a", "b"}, each a short non-empty string (other keys
    are dropped); None stays None."""
    if differences is None:
        return None
    if not isinstance(differences, list | tuple) or len(differences) > DIFFERENCES_MAX:
        raise EventError(f"Differences are a list of at most {DIFFERENCES_MAX}.")
    for d in differences:
        if not isinstance(d, dict) or not all(isinstance(d.get(k), str) for k in FIELDS):
            raise EventError('Each difference is {"facet", "a", "b"}, all text.')
        if not 0 < len(d["facet"].strip()) <= FACET_MAX:
            raise EventError(f"A difference's facet has 1 to {FACET_MAX} characters.")
        if not all(0 < len(d[k].strip()) <= VALUE_MAX for k in "ab"):
            raise EventError(f"A difference's values have 1 to {VALUE_MAX} characters.")
    return [{k: d[k].strip() for k in FIELDS} for d in differences]


def claim_relation_delete(*, relation: ClaimRelation, user) -> None:
    """Its maker or a reviewer may remove a relation; another annotator may not."""
    _relation_check(relation, user, "delete")
    writable_check(relation.claim_a.article.project_id)
    with transaction.atomic(), pghistory.context(user=user.pk if user else None):
        ClaimRelation.objects.filter(pk=relation.pk).delete()


def _relation_check(relation: ClaimRelation, user, doing: str) -> None:
    """A same/contradicts judgement is its maker's: others' are for reviewers to undo."""
    if user is not None and relation.created_by_id != user.pk:
        project_id = Annotation.objects.values_list("article__project_id", flat=True).get(
            pk=relation.claim_a_id
        )
        role_check(
            user=user,
            project_id=project_id,
            minimum=Role.REVIEWER,
            doing=f"{doing} a relation another member made",
        )


def claim_credibility_set(*, claim: Annotation, credibility: int | None, version: int, user):
    """Set the reviewer's credibility (1–6). 1 ("confirmed by other independent sources")
    needs a same-assertion group with at least two independent origins."""
    role_check(
        user=user,
        project_id=claim.article.project_id,
        minimum=Role.REVIEWER,
        doing="rate credibility",
    )
    if claim.kind != CLAIM or claim.event_id is None:
        raise EventError("Only claims of an event are rated.")
    if credibility is not None and not 1 <= credibility <= 6:
        raise EventError("Credibility is 1 to 6 on the Admiralty scale.")
    if credibility == CONFIRMED:
        independent = claim_independence(claim)
        if independent < 2:
            raise EventError(
                "Credibility 1 means confirmed by other independent sources, but this "
                f"claim's group has {independent} independent origin"
                f"{'' if independent == 1 else 's'}. Link it to the same assertion from "
                "an independent outlet first, or choose 2 (probably true)."
            )
    return annotation_update(annotation=claim, version=version, user=user, credibility=credibility)

"""Reads for the members page: who changed whose membership (from pghistory's events),
and the invite links still open."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import F, Q, Window
from django.db.models.functions import Lag
from django.utils import timezone

from annotator.projects.models import Invite, MembershipEvent, Role

HISTORY_LIMIT = 50


@dataclass(frozen=True)
class MembershipChange:
    when: datetime
    what: str  # added, joined, role, removed, left
    member: str
    role: str  # the role's label, lower case (added, joined, role)
    by: str | None  # None: the app itself or the admin, without a user in the context

    @property
    def a_role(self) -> str:
        """ "an owner", "a reviewer": the role as the history's sentences say it."""
        return f"{'an' if self.role[:1] in 'aeiou' else 'a'} {self.role}"


def membership_history(project, limit: int = HISTORY_LIMIT) -> list[MembershipChange]:
    """Additions, role changes and removals in the project, newest first. Updates that
    leave the role as it was (e.g. the guidelines marked seen) are not changes of
    membership. Two queries."""
    events = list(
        MembershipEvent.objects.filter(project_id=project.pk)
        .annotate(
            previous_role=Window(Lag("role"), partition_by=[F("pgh_obj_id")], order_by="pgh_id")
        )
        .filter(Q(pgh_label__in=["insert", "delete"]) | ~Q(role=F("previous_role")))
        .select_related("pgh_context")
        .order_by("-pgh_id")[:limit]
    )

    def actor(event):
        return (event.pgh_context.metadata or {}).get("user") if event.pgh_context_id else None

    ids = {e.user_id for e in events} | {actor(e) for e in events} - {None}
    names = dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))
    return [_change(e, actor(e), names) for e in events]


def _change(event, actor_id, names) -> MembershipChange:
    member = names.get(event.user_id, "a deleted account")
    own = actor_id == event.user_id
    what = {"insert": "joined" if own else "added", "delete": "left" if own else "removed"}
    return MembershipChange(
        when=event.pgh_created_at,
        what=what.get(event.pgh_label, "role"),
        member=member,
        role=Role(event.role).label.lower(),
        by=None if own else names.get(actor_id),
    )


def pending_invites(project):
    """The project's invite links that can still be used, newest first."""
    return Invite.objects.filter(
        project_id=project.pk,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).select_related("created_by")

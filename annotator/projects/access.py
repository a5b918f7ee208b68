"""Per-project permission checks.

Doors (pages, API) call membership_or_404 to find the project: outsiders get 404, so
project names do not leak. Services call role_check for the rules about who may do what,
so that every door meets the same rule.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404

from annotator.projects.models import Membership, Project, Role

ARCHIVED = "This project is archived: it is read-only. An owner can unarchive it in Settings."


def membership_or_404(user, slug: str, minimum: str = Role.ANNOTATOR) -> Membership:
    """The user's membership of project `slug`.

    Outsiders get 404, not 403, so that project names do not leak; members whose
    role is below `minimum` get 403.
    """
    if not user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.select_related("project").filter(user=user, project__slug=slug).first()
    )
    if membership is None:
        raise Http404("No such project.")
    membership.user = user  # the one asked for: no query when a page reads it
    minimum_role_check(membership, minimum)
    return membership


def minimum_role_check(membership: Membership, minimum: str) -> None:
    """PermissionDenied (403) for a member whose role is below `minimum`."""
    if not membership.has_role(minimum):
        raise PermissionDenied(f"This needs the {Role(minimum).label.lower()} role.")


WHO_MAY = {
    Role.ANNOTATOR: "Only members of the project",
    Role.REVIEWER: "Only reviewers and owners",
    Role.OWNER: "Only owners",
}


def membership_of(user, project_id: int) -> Membership | None:
    if user is None or not user.is_authenticated:
        return None
    # With its project: the write checks read whether it is archived (writable_check).
    return (
        Membership.objects.select_related("project")
        .filter(user=user, project_id=project_id)
        .first()
    )


def role_check(
    *, user, project_id: int, minimum: str, doing: str, archived_ok: bool = False
) -> Membership:
    """The user's membership if their role is at least `minimum`; PermissionDenied saying
    who may do it (`doing`, e.g. "rate credibility") otherwise. Every caller writes, so an
    archived project refuses too, except for what `archived_ok` (unarchive, delete)."""
    membership = membership_of(user, project_id)
    if membership is None or not membership.has_role(minimum):
        raise PermissionDenied(f"{WHO_MAY[minimum]} {doing}.")
    if not archived_ok:
        writable_check(membership.project)
    return membership


def writable_check(project: Project | int) -> None:
    """PermissionDenied if the project is archived: it is read-only until unarchived. For
    the writes that do not go through role_check (any member's spans, uploads, events).
    Given a loaded project, no query; given only its id, one."""
    archived = (
        project.archived_at is not None
        if isinstance(project, Project)
        else Project.objects.filter(pk=project, archived_at__isnull=False).exists()
    )
    if archived:
        raise PermissionDenied(ARCHIVED)


def may_create_projects(user) -> bool:
    """settings.PROJECT_CREATORS: "anyone" logged in (the default), or "staff" only."""
    if not user.is_authenticated:
        return False
    return settings.PROJECT_CREATORS != "staff" or user.is_staff

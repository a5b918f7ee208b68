"""Per-project permission checks, used by every project-scoped view and API call."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from annotator.projects.models import Membership, Role


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
    if not membership.has_role(minimum):
        raise PermissionDenied(f"This needs the {Role(minimum).label.lower()} role.")
    return membership

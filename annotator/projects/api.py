from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from annotator.api_input import Input
from annotator.projects import services
from annotator.projects.access import membership_or_404
from annotator.projects.models import Membership, Role

router = Router(tags=["projects"])


class ProjectOut(Schema):
    slug: str
    name: str
    description: str
    role: str


@router.get("/", response=list[ProjectOut], summary="Projects you are a member of")
def project_list(request):
    memberships = Membership.objects.filter(user=request.user).select_related("project")
    return [
        ProjectOut(
            slug=m.project.slug, name=m.project.name, description=m.project.description, role=m.role
        )
        for m in memberships
    ]


# --- members ---------------------------------------------------------------------


class Error(Schema):
    detail: str


class MemberOut(Schema):
    username: str = Field(alias="user.username")
    name: str
    role: str
    joined: datetime = Field(alias="created_at")

    @staticmethod
    def resolve_name(membership) -> str:
        return membership.user.get_full_name()


class MemberIn(Input):
    username_or_email: str = Field(description="An existing account's username or e-mail address")
    role: str = Field(Role.ANNOTATOR, description="owner, reviewer or annotator")


class RoleIn(Input):
    role: str = Field(description="owner, reviewer or annotator")


def _member(membership, username: str) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user"),
        project=membership.project,
        user__username=username,
    )


@router.get("/{slug}/members/", response=list[MemberOut], summary="A project's members")
def member_list(request, slug: str):
    membership = membership_or_404(request.user, slug)
    return (
        Membership.objects.filter(project=membership.project)
        .select_related("user")
        .order_by("user__username")
    )


@router.post(
    "/{slug}/members/",
    response={201: MemberOut, 422: Error},
    summary="Add an existing account to the project (owners)",
)
def member_add(request, slug: str, payload: MemberIn):
    membership = membership_or_404(request.user, slug)
    try:
        added = services.member_add(
            user=request.user,
            project=membership.project,
            who=payload.username_or_email,
            role=payload.role,
        )
    except services.MemberError as error:
        return Status(422, {"detail": str(error)})
    return Status(201, added)


@router.patch(
    "/{slug}/members/{username}/",
    response={200: MemberOut, 422: Error},
    summary="Change a member's role (owners); it counts from their next request",
)
def member_role_set(request, slug: str, username: str, payload: RoleIn):
    membership = membership_or_404(request.user, slug)
    target = _member(membership, username)
    try:
        return services.member_role_set(user=request.user, membership=target, role=payload.role)
    except services.MemberError as error:
        return Status(422, {"detail": str(error)})


@router.delete(
    "/{slug}/members/{username}/",
    response={204: None, 422: Error},
    summary="Remove a member (owners); their annotations stay, credited to them",
)
def member_remove(request, slug: str, username: str):
    membership = membership_or_404(request.user, slug)
    target = _member(membership, username)
    try:
        services.member_remove(user=request.user, membership=target)
    except services.MemberError as error:
        return Status(422, {"detail": str(error)})
    return Status(204, None)

"""Creating, setting up, archiving and deleting projects through the JSON API: the same
services as the pages (annotator/teams/services.py)."""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from ninja import Field, Router, Schema, Status

from annotator.annotations.models import HedgeType
from annotator.api_input import Input
from annotator.exports.formats import FORMATS
from annotator.projects.access import may_create_projects, membership_or_404
from annotator.projects.api import router as projects_router
from annotator.projects.models import Project
from annotator.teams import services

router = Router(tags=["projects"])


class Error(Schema):
    detail: str


class ProjectSettingsOut(Schema):
    slug: str
    name: str
    description: str
    guidelines: str = Field(description="Markdown")
    guidelines_updated_at: datetime | None
    hedge_types: list[str] = Field(description="Hedge types offered in the panel; empty: all")
    suggesters_off: list[str]
    claim_ranker_on: bool
    export_formats: list[str] = Field(description="Formats ticked on the export page")
    export_include_all: bool
    archived_at: datetime | None = Field(description="Set: the project is read-only")
    created_at: datetime


class ProjectIn(Input):
    name: str
    slug: str = Field("", description="Empty: proposed from the name (transliterated)")
    description: str = ""
    guidelines: str = Field("", description="Markdown")


class SettingsPatch(Input):
    name: str | None = None
    description: str | None = None
    guidelines: str | None = None
    hedge_types: list[str] | None = Field(None, description=f"Of {', '.join(HedgeType.values)}")
    suggesters_off: list[str] | None = Field(
        None, description=f"Of {', '.join(services.SUGGESTERS)}"
    )
    claim_ranker_on: bool | None = None
    export_formats: list[str] | None = Field(None, description=f"Of {', '.join(FORMATS)}")
    export_include_all: bool | None = None


# POST /api/projects/ shares its path with the projects app's list, and ninja serves one
# path from one router: the create joins that router (projects cannot import this app).
@projects_router.post(
    "/",
    response={201: ProjectSettingsOut, 422: Error},
    summary="Create a project; you become its owner",
)
def project_create(request, payload: ProjectIn):
    if not may_create_projects(request.user):
        raise PermissionDenied("Only staff create projects on this site.")
    try:
        project = services.project_create(user=request.user, **payload.dict())
    except services.ProjectError as error:
        return Status(422, {"detail": str(error)})
    return Status(201, project)


@router.get(
    "/projects/{slug}/settings/",
    response=ProjectSettingsOut,
    summary="A project's settings (any member reads them)",
)
def settings_read(request, slug: str):
    return membership_or_404(request.user, slug).project


@router.patch(
    "/projects/{slug}/settings/",
    response={200: ProjectSettingsOut, 422: Error},
    summary="Change a project's settings (owners); only the fields sent change",
)
def settings_update(request, slug: str, payload: SettingsPatch):
    project = membership_or_404(request.user, slug).project
    changes = payload.dict(exclude_unset=True)
    changes = {key: value for key, value in changes.items() if value is not None}
    try:
        return services.project_settings_update(user=request.user, project=project, **changes)
    except services.ProjectError as error:
        return Status(422, {"detail": str(error)})


@router.post(
    "/projects/{slug}/archive/",
    response={200: ProjectSettingsOut, 422: Error},
    summary="Archive a project (owners): read-only until unarchived",
    description="Refused (422) while an import or export of the project is running.",
)
def project_archive(request, slug: str):
    project = membership_or_404(request.user, slug).project
    try:
        return services.project_archive(user=request.user, project=project)
    except services.ProjectError as error:
        return Status(422, {"detail": str(error)})


@router.post(
    "/projects/{slug}/unarchive/", response=ProjectSettingsOut, summary="Unarchive (owners)"
)
def project_unarchive(request, slug: str):
    project = membership_or_404(request.user, slug).project
    return services.project_unarchive(user=request.user, project=project)


@router.delete(
    "/projects/{slug}/",
    response={204: None, 422: Error},
    summary="Delete a project and everything in it (owners)",
    description="`confirm_slug` must be the project's slug. Refused (422) while an import "
    "or export of the project is running.",
)
def project_delete(request, slug: str, confirm_slug: str = ""):
    project: Project = membership_or_404(request.user, slug).project
    try:
        services.project_delete(user=request.user, project=project, confirm_slug=confirm_slug)
    except services.ProjectError as error:
        return Status(422, {"detail": str(error)})
    return Status(204, None)

"""Sources and their reliability assessments through the JSON API."""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from annotator.api_input import Input
from annotator.projects.access import membership_or_404
from annotator.projects.models import Role
from annotator.sources import services
from annotator.sources.models import Source
from annotator.sources.queries import source_matches

router = Router(tags=["sources"])


class Error(Schema):
    detail: str


class AssessmentOut(Schema):
    id: int
    grade: str = Field(
        description="Admiralty reliability: A completely reliable … F cannot be judged"
    )
    rationale: str
    assessed_by: str = Field(alias="assessed_by.username")
    assessed_at: datetime


class SourceOut(Schema):
    id: int
    name: str
    aliases: list[str]
    kind: str
    country: str
    language: str
    domain: str
    affiliation_note: str
    current_grade: str | None = None


class SourceMatchOut(SourceOut):
    match: str | None = Field(
        None, description="With ?q=: why it matches (name, alias, same name other spelling, …)"
    )


class SourceIn(Input):
    name: str
    kind: str = "outlet"
    aliases: list[str] = Field(default_factory=list, description="Other spellings, other scripts")
    country: str = ""
    language: str = ""
    domain: str = ""
    affiliation_note: str = ""
    force: bool = Field(False, description="Create even if it looks like an existing source")


class LooksLike(Schema):
    detail: str
    match: SourceOut


class SourceDetail(SourceOut):
    assessments: list[AssessmentOut] = Field(alias="assessment_rows")


class AssessmentIn(Schema):
    grade: str
    rationale: str


class MergeIn(Schema):
    merge_id: int = Field(description="The source to merge into this one (it disappears)")


def _reviewer(request, slug):
    membership = membership_or_404(request.user, slug)
    if not membership.has_role(Role.REVIEWER):
        raise PermissionDenied("Only reviewers and owners change the source registry.")
    return membership


@router.get(
    "/projects/{slug}/sources/",
    response=list[SourceMatchOut],
    summary="A project's sources, or those matching `q`, best first",
    description="`q` finds a source by name, alias, the same name spelled otherwise "
    "(case, hyphens, a leading al-/el-/ال, Arabic marks and letter forms ignored), domain "
    "or a close spelling.",
)
def source_list(request, slug: str, q: str = ""):
    membership = membership_or_404(request.user, slug)
    sources = Source.objects.filter(project=membership.project).with_current_grade()
    if not q.strip():
        return sources.order_by("name")
    matches = source_matches(membership.project, q, limit=50)
    graded = {s.pk: s for s in sources.filter(pk__in=[m.source.pk for m in matches])}
    return [{**SourceOut.from_orm(graded[m.source.pk]).dict(), "match": m.why} for m in matches]


@router.post(
    "/projects/{slug}/sources/",
    response={201: SourceOut, 409: LooksLike, 422: Error},
    summary="Add a source (409 with the likely match unless `force`)",
)
def source_create(request, slug: str, payload: SourceIn):
    membership = membership_or_404(request.user, slug)
    fields = payload.dict(exclude={"force"})
    try:
        source = services.source_create(project=membership.project, ask=not payload.force, **fields)
    except services.SourceLooksLike as looks:
        match = Source.objects.with_current_grade().get(pk=looks.match.source.pk)
        return Status(409, {"detail": str(looks), "match": match})
    except services.SourceError as error:
        return Status(422, {"detail": str(error)})
    return Status(201, Source.objects.with_current_grade().get(pk=source.pk))


@router.get(
    "/projects/{slug}/sources/{source_id}/",
    response=SourceDetail,
    summary="A source with its full assessment history",
)
def source_detail(request, slug: str, source_id: int):
    membership = membership_or_404(request.user, slug)
    source = get_object_or_404(
        Source.objects.with_current_grade(), pk=source_id, project=membership.project
    )
    source.assessment_rows = source.assessments.select_related("assessed_by")
    return source


@router.post(
    "/projects/{slug}/sources/{source_id}/assessments/",
    response={201: AssessmentOut, 422: Error},
    summary="Add a reliability assessment",
)
def assessment_create(request, slug: str, source_id: int, payload: AssessmentIn):
    membership = _reviewer(request, slug)
    source = get_object_or_404(Source, pk=source_id, project=membership.project)
    try:
        assessment = services.assessment_create(
            source=source, grade=payload.grade, rationale=payload.rationale, user=request.user
        )
    except services.SourceError as error:
        return Status(422, {"detail": str(error)})
    return Status(201, assessment)


@router.post(
    "/projects/{slug}/sources/{source_id}/merge/",
    response={200: SourceOut, 422: Error},
    summary="Merge another source into this one",
)
def source_merge(request, slug: str, source_id: int, payload: MergeIn):
    membership = _reviewer(request, slug)
    into = get_object_or_404(Source, pk=source_id, project=membership.project)
    other = get_object_or_404(Source, pk=payload.merge_id, project=membership.project)
    try:
        services.source_merge(source=other, into=into, user=request.user)
    except services.SourceError as error:
        return Status(422, {"detail": str(error)})
    return Source.objects.with_current_grade().get(pk=into.pk)

from ninja import Router, Schema

from annotator.projects.models import Membership

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

from django.db.models import Count
from django.shortcuts import render
from django.views.decorators.http import require_GET

from annotator.projects.access import membership_or_404
from annotator.projects.models import Membership


@require_GET
def project_list(request):
    memberships = (
        Membership.objects.filter(user=request.user)
        .select_related("project")
        .annotate(article_count=Count("project__articles", distinct=True))
        .order_by("project__name")
    )
    return render(request, "projects/project_list.html", {"memberships": memberships})


@require_GET
def project_detail(request, slug):
    """The project page: its articles (the articles app's list, through its template
    tag) and guidelines."""
    membership = membership_or_404(request.user, slug)
    return render(
        request,
        "projects/project_detail.html",
        {"project": membership.project, "membership": membership},
    )

from django.db.models import Count, Q
from django.shortcuts import render
from django.views.decorators.http import require_GET

from annotator.annotations.models import Kind
from annotator.articles.models import Article
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
    membership = membership_or_404(request.user, slug)
    project = membership.project
    articles = (
        Article.objects.filter(project=project)
        .select_related("outlet")
        .annotate(
            **{
                f"{kind}_count": Count("annotations", filter=Q(annotations__kind=kind))
                for kind in Kind.values
            }
        )
        .order_by("-published_at", "-pk")
    )
    return render(
        request,
        "projects/project_detail.html",
        {"project": project, "membership": membership, "articles": articles},
    )

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from annotator.params import number
from annotator.projects.access import membership_or_404
from annotator.projects.models import Role
from annotator.sources import services
from annotator.sources.models import Grade, Source, SourceKind
from annotator.sources.queries import likely_duplicates


@require_GET
def source_list(request, slug):
    membership = membership_or_404(request.user, slug)
    sources = (
        Source.objects.filter(project=membership.project)
        .with_current_grade()
        .annotate(
            article_count=Count("articles", distinct=True),
            # Only attributions cite sources (a database check).
            citation_count=Count("citations", distinct=True),
        )
        .order_by("name")
    )
    kind = request.GET.get("kind", "")
    if kind in SourceKind.values:
        sources = sources.filter(kind=kind)
    can_merge = membership.has_role(Role.REVIEWER)
    return render(
        request,
        "sources/source_list.html",
        {
            "project": membership.project,
            "membership": membership,
            "sources": sources,
            "grades": Grade,
            "kinds": SourceKind,
            "kind": kind,
            "duplicates": likely_duplicates(membership.project) if can_merge else [],
        },
    )


def _source(membership, source_id):
    return get_object_or_404(
        Source.objects.with_current_grade(), pk=source_id, project=membership.project
    )


@require_GET
def source_detail(request, slug, source_id):
    membership = membership_or_404(request.user, slug)
    source = _source(membership, source_id)
    # Read through the reverse relation: the annotations app builds on this one.
    citations = list(
        source.citations.all()
        .select_related("article__outlet")
        .only(
            "id",
            "quote",
            "article__id",
            "article__title",
            "article__published_at",
            "article__outlet__name",
            "article__outlet__id",
        )
        .order_by("-article__published_at")[:200]
    )
    citing_outlets = (
        source.citations.filter(article__outlet__isnull=False)
        .values("article__outlet__id", "article__outlet__name")
        .annotate(times=Count("id"))
        .order_by("-times", "article__outlet__name")
    )
    return render(
        request,
        "sources/source_detail.html",
        {
            "project": membership.project,
            "membership": membership,
            "source": source,
            "can_assess": membership.has_role(Role.REVIEWER),
            "assessments": source.assessments.select_related("assessed_by"),
            "articles": source.articles.only("id", "title", "published_at", "language").order_by(
                "-published_at"
            )[:200],
            "citations": citations,
            "citing_outlets": citing_outlets,
            "merges": source.merges.select_related("merged_by"),
            "others": Source.objects.filter(project=membership.project)
            .exclude(pk=source.pk)
            .only("id", "name")
            .order_by("name"),
            "grades": Grade,
            "kinds": SourceKind,
        },
    )


def _reviewer(request, slug):
    membership = membership_or_404(request.user, slug)
    if not membership.has_role(Role.REVIEWER):
        raise PermissionDenied("Only reviewers and owners change the source registry.")
    return membership


@require_POST
def assessment_create(request, slug, source_id):
    membership = _reviewer(request, slug)
    source = _source(membership, source_id)
    try:
        services.assessment_create(
            source=source,
            grade=request.POST.get("grade", ""),
            rationale=request.POST.get("rationale", ""),
            user=request.user,
        )
        messages.success(request, "Assessment added; earlier ones stay in the history.")
    except services.SourceError as error:
        messages.error(request, str(error))
    return redirect("sources:detail", slug, source.pk)


@require_POST
def source_edit(request, slug, source_id):
    membership = _reviewer(request, slug)
    source = _source(membership, source_id)
    aliases = [n.strip() for n in request.POST.get("aliases", "").split("\n") if n.strip()]
    try:
        services.source_update(
            source=source,
            user=request.user,
            name=request.POST.get("name", source.name),
            aliases=aliases,
            kind=request.POST.get("kind", source.kind),
            country=request.POST.get("country", ""),
            language=request.POST.get("language", ""),
            domain=request.POST.get("domain", "").strip().lower(),
            affiliation_note=request.POST.get("affiliation_note", ""),
        )
        messages.success(request, "Source saved.")
    except services.SourceError as error:
        messages.error(request, str(error))
    return redirect("sources:detail", slug, source.pk)


@require_http_methods(["GET", "POST"])
def source_merge(request, slug, source_id):
    """Merge the chosen other source into this one: first what would move (GET, or a POST
    without `confirm`), then the merge."""
    membership = _reviewer(request, slug)
    into = _source(membership, source_id)
    chosen = request.POST.get("merge") or request.GET.get("merge") or ""
    other = get_object_or_404(Source, pk=number(chosen, 0), project=membership.project)
    if request.method == "GET" or request.POST.get("confirm") != "1":
        return render(
            request,
            "sources/merge.html",
            {
                "project": membership.project,
                "membership": membership,
                "into": into,
                "other": other,
                # Read through the reverse relations: the apps that refer to sources build
                # on this one.
                "articles": other.articles.count(),
                "citations": other.citations.count(),
                "assessments": other.assessments.count(),
                "new_aliases": [n for n in [other.name, *other.aliases] if n not in into.aliases],
            },
        )
    merge = services.source_merge(source=other, into=into, user=request.user)
    messages.success(
        request,
        f"Merged “{merge.merged_name}” into “{into.name}”: {merge.articles_moved} "
        f"articles, {merge.citations_moved} citations and {merge.assessments_moved} "
        "assessments moved.",
    )
    return redirect("sources:detail", slug, into.pk)

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from annotator.htmx import render_htmx
from annotator.projects.access import may_create_projects, membership_or_404, writable_check
from annotator.projects.models import Role
from annotator.teams import services
from annotator.teams.forms import ProjectCreateForm, ProjectDeleteForm, ProjectSettingsForm


def _form_error(form, error: services.ProjectError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error))


@require_http_methods(["GET", "POST"])
def project_new(request):
    """The new-project form; the creator becomes its owner."""
    if not may_create_projects(request.user):
        raise PermissionDenied("Only staff create projects on this site.")
    form = ProjectCreateForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            project = services.project_create(user=request.user, **form.cleaned_data)
        except services.ProjectError as error:
            _form_error(form, error)
        else:
            messages.success(request, f"Project “{project.name}” created: you are its owner.")
            return redirect("projects:detail", project.slug)
    status = 422 if form.is_bound else 200
    data = {key: form.data.get(key, "") for key in ("name", "slug", "proposed")}
    slug = _slug_field(data["name"], data["slug"], data["proposed"])
    return render(request, "teams/project_new.html", {"form": form, **slug}, status=status)


@require_GET
def slug_proposal(request):
    """The slug field again as the name is typed: the proposal fills it unless the person
    wrote a slug of their own (anything but the last proposal)."""
    if not may_create_projects(request.user):
        raise PermissionDenied("Only staff create projects on this site.")
    context = _slug_field(
        request.GET.get("name", "")[: services.NAME_MAX],
        request.GET.get("slug", "")[: services.SLUG_MAX],
        request.GET.get("proposed", "")[: services.SLUG_MAX],
    )
    context["form"] = ProjectCreateForm()
    return render_htmx(request, "teams/project_new.html", context, partial="slug-field")


def _slug_field(name: str, slug: str, proposed: str) -> dict:
    proposal = services.project_slug_propose(name=name) if name.strip() else ""
    own = slug.strip() and slug.strip() != proposed
    return {"slug_value": slug if own else proposal, "proposed": proposal}


def _owner(request, slug):
    return membership_or_404(request.user, slug, minimum=Role.OWNER)


@require_http_methods(["GET", "POST"])
def project_settings(request, slug):
    membership = _owner(request, slug)
    project = membership.project
    if request.method == "GET":
        form = ProjectSettingsForm.for_project(project)
    else:
        writable_check(project)  # archived: refused before the form is read (403)
        form = ProjectSettingsForm(request.POST)
        if form.is_valid():
            try:
                services.project_settings_update(
                    user=request.user, project=project, **form.settings_changes()
                )
            except services.ProjectError as error:
                _form_error(form, error)
            else:
                messages.success(request, "Settings saved.")
                return redirect("teams:settings", project.slug)
    context = {"project": project, "membership": membership, "form": form}
    status = 422 if form.errors else 200
    return render(request, "teams/settings.html", context, status=status)


@require_POST
def project_archive(request, slug):
    membership = _owner(request, slug)
    try:
        services.project_archive(user=request.user, project=membership.project)
    except services.ProjectError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Project archived: it is read-only and left out of your list.")
    return redirect("teams:settings", slug)


@require_POST
def project_unarchive(request, slug):
    membership = _owner(request, slug)
    services.project_unarchive(user=request.user, project=membership.project)
    messages.success(request, "Project unarchived: its members can work in it again.")
    return redirect("teams:settings", slug)


@require_http_methods(["GET", "POST"])
def project_delete(request, slug):
    """What deleting takes with it, and the form where the owner types the slug."""
    membership = _owner(request, slug)
    project = membership.project
    form = ProjectDeleteForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.project_delete(
                user=request.user, project=project, confirm_slug=form.cleaned_data["confirm_slug"]
            )
        except services.ProjectError as error:
            _form_error(form, error)
        else:
            messages.success(request, f"Project “{project.name}” and everything in it deleted.")
            return redirect("projects:list")
    context = {
        "project": project,
        "membership": membership,
        "form": form,
        # Read through the reverse relations: the apps holding these build on projects.
        "counts": {
            "articles": project.articles.count(),
            "members": project.memberships.count(),
            "sources": project.sources.count(),
        },
    }
    status = 422 if form.is_bound else 200
    return render(request, "teams/delete.html", context, status=status)

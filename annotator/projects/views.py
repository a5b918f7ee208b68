from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from annotator.htmx import render_htmx
from annotator.params import number
from annotator.projects import services
from annotator.projects.access import may_create_projects, membership_or_404
from annotator.projects.forms import InviteSignupForm
from annotator.projects.models import Invite, Membership, Role
from annotator.projects.queries import membership_history, pending_invites
from annotator.projects.services import guidelines_seen


@require_GET
def project_list(request):
    """The user's projects; archived ones only with ?archived=1 (a link says how many)."""
    mine = Membership.objects.filter(user=request.user)
    show_archived = request.GET.get("archived") == "1"
    memberships = (
        mine.select_related("project")
        .annotate(article_count=Count("project__articles", distinct=True))
        .order_by("project__name")
    )
    if not show_archived:
        memberships = memberships.filter(project__archived_at__isnull=True)
    context = {
        "memberships": memberships,
        "show_archived": show_archived,
        "archived_count": mine.filter(project__archived_at__isnull=False).count(),
        "may_create": may_create_projects(request.user),
    }
    return render(request, "projects/project_list.html", context)


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


@require_GET
def guidelines(request, slug):
    """The guidelines: a page of their own, or (htmx) the side sheet that the workspace and
    the review pages open over themselves."""
    membership = membership_or_404(request.user, slug)
    # Recorded on this GET, not on a later POST from the sheet: it is the moment the server
    # hands these very guidelines to the member (a later change keeps the badge), and it
    # counts for the page read without JavaScript too.
    guidelines_seen(membership=membership)
    context = {"project": membership.project, "membership": membership, "oob": request.htmx}
    return render_htmx(request, "projects/guidelines.html", context, partial="sheet")


# --- members (owners) ----------------------------------------------------------------


def _members_page(request, membership, *, status=200, **extra):
    """The members page; `extra` carries a refused form's message and values back."""
    project = membership.project
    context = {
        "project": project,
        "membership": membership,
        "nav": "members",
        "members": Membership.objects.filter(project=project)
        .select_related("user")
        .order_by("user__username"),
        "roles": Role.choices,
        "invites": pending_invites(project),
        "invite_days": services.INVITE_DAYS_DEFAULT,
        "invite_days_max": services.INVITE_DAYS_MAX,
        "history": membership_history(project),
        **extra,
    }
    return render(request, "projects/members.html", context, status=status)


def _member(membership, member_id) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user"), pk=member_id, project=membership.project
    )


@require_http_methods(["GET", "POST"])
def members(request, slug):
    """Owners see the members, their roles and the history; POST adds an existing account."""
    membership = membership_or_404(request.user, slug, Role.OWNER)
    if request.method == "GET":
        return _members_page(request, membership)
    who, role = request.POST.get("who", ""), request.POST.get("role", Role.ANNOTATOR)
    try:
        added = services.member_add(
            user=request.user, project=membership.project, who=who, role=role
        )
    except services.MemberError as error:
        form = {"error": str(error), "who": who, "role": role}
        return _members_page(request, membership, status=422, add_form=form)
    role = added.get_role_display().lower()
    messages.success(request, f"{added.user.get_username()} added as {role}.")
    return redirect("projects:members", slug)


@require_POST
def member_role(request, slug, member_id):
    membership = membership_or_404(request.user, slug, Role.OWNER)
    target = _member(membership, member_id)
    try:
        services.member_role_set(
            user=request.user, membership=target, role=request.POST.get("role", "")
        )
    except services.MemberError as error:
        return _members_page(request, membership, status=422, members_error=str(error))
    name = target.user.get_username()
    messages.success(request, f"{name} is now {target.get_role_display().lower()}.")
    if target.pk == membership.pk and target.role != Role.OWNER:
        return redirect("projects:detail", slug)  # no longer an owner: the page is not theirs
    return redirect("projects:members", slug)


@require_http_methods(["GET", "POST"])
def member_remove(request, slug, member_id):
    """First the question (GET, or a POST without `confirm`), then the removal."""
    membership = membership_or_404(request.user, slug, Role.OWNER)
    target = _member(membership, member_id)
    if request.method == "GET" or request.POST.get("confirm") != "1":
        context = {"project": membership.project, "membership": membership, "target": target}
        return render(request, "projects/member_remove.html", {**context, "nav": "members"})
    try:
        services.member_remove(user=request.user, membership=target)
    except services.MemberError as error:
        return _members_page(request, membership, status=422, members_error=str(error))
    messages.success(request, f"{target.user.get_username()} is no longer a member.")
    if target.pk == membership.pk:
        return redirect("projects:list")
    return redirect("projects:members", slug)


@require_POST
def invite_create(request, slug):
    membership = membership_or_404(request.user, slug, Role.OWNER)
    form = {key: request.POST.get(key, "") for key in ("role", "days", "note")}
    days = form["days"].strip()
    try:
        invite, key = services.invite_create(
            user=request.user,
            project=membership.project,
            role=form["role"],
            days=number(days, -1) if days else services.INVITE_DAYS_DEFAULT,
            note=form["note"],
        )
    except services.InviteError as error:
        form["error"] = str(error)
        return _members_page(request, membership, status=422, invite_form=form)
    link = request.build_absolute_uri(reverse("projects:invite", args=[key]))
    messages.success(request, "Invite link created. Copy it now: it is shown once.")
    return _members_page(request, membership, new_invite=invite, new_link=link)


@require_POST
def invite_revoke(request, slug, invite_id):
    membership = membership_or_404(request.user, slug, Role.OWNER)
    invite = get_object_or_404(Invite, pk=invite_id, project=membership.project)
    services.invite_revoke(user=request.user, invite=invite)
    messages.success(request, "Invite link revoked: it no longer works.")
    return redirect("projects:members", slug)


# --- an invite link (no login needed) ---------------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
def invite(request, key):
    """Someone following an invite link: a new account, or (logged in) one click to join
    with theirs. A link that no longer works says why (404 or 410)."""
    try:
        found = services.invite_check(key=key)
    except services.InviteGone as gone:
        return render(request, "projects/invite.html", {"gone": str(gone)}, status=gone.status)
    form = InviteSignupForm(None if request.user.is_authenticated else request.POST or None)
    context = {"invite": found, "form": form}
    if request.method == "GET":
        return render(request, "projects/invite.html", context)
    try:
        joined = _invite_accept(request, key, form)
    except services.InviteGone as gone:  # used or withdrawn since the page was shown
        return render(request, "projects/invite.html", {"gone": str(gone)}, status=gone.status)
    except services.InviteError as error:
        context["error"] = str(error)
        joined = None
    if joined is None:
        return render(request, "projects/invite.html", context, status=422)
    project = joined.project
    role = joined.get_role_display().lower()
    messages.success(request, f"Welcome to {project.name}: you joined as {role}.")
    return redirect("projects:detail", project.slug)


def _invite_accept(request, key, form) -> Membership | None:
    if request.user.is_authenticated:
        return services.invite_accept(key=key, user=request.user)
    if not form.is_valid():
        return None
    try:
        joined = services.invite_accept(
            key=key,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
            name=form.cleaned_data["name"],
        )
    except ValidationError as error:
        form.add_account_errors(error)
        return None
    login(request, joined.user, backend="django.contrib.auth.backends.ModelBackend")
    return joined

"""Review pages: the queue, one article's review (keyboard stepping, decisions, curation),
agreement between annotators, assignments, and each member's own work.

Reviewers and owners review; owners assign; every member sees their own assignments
and rejected annotations. Decision POSTs answer htmx with the `update` partial (items,
text, progress) and plain requests with a redirect, so the page works without JavaScript.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from annotator.annotations.highlight import text_html
from annotator.annotations.kinds import KINDS
from annotator.annotations.models import Annotation, Status
from annotator.annotations.services import AnnotationConflict, SpanError
from annotator.articles.models import Article, ArticleStatus
from annotator.events.models import Event
from annotator.htmx import changed, refused, render_htmx
from annotator.params import number, numbers
from annotator.projects.access import membership_or_404
from annotator.projects.models import Role
from annotator.review import services
from annotator.review.access import (
    annotation_for_reviewer,
    article_for_reviewer,
    reviewer_or_404,
)
from annotator.review.forms import QUEUE_STATUSES, AssignForm, DecisionForm, QueueFilterForm
from annotator.review.models import Assignment
from annotator.review.queries import (
    project_agreement,
    queue_next,
    review_data,
    review_decisions,
    review_queue,
)
from annotator.sources.services import SourceError
from annotator.workspace.forms import DetailForm
from annotator.workspace.services import annotation_panel_save

PER_PAGE = 50


# --- the queue ---------------------------------------------------------------------


@require_GET
def queue(request, slug):
    membership = reviewer_or_404(request.user, slug)
    project = membership.project
    form = QueueFilterForm(request.GET or None, project=project)
    filters = form.filters()
    page = Paginator(review_queue(project, **filters), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "project": project,
        "membership": membership,
        "form": form,
        "filters": filters,
        "statuses": QUEUE_STATUSES,
        "page": page,
        "query": _query_without_page(request),
    }
    return render_htmx(request, "review/queue.html", context, partial="queue")


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# --- one article -------------------------------------------------------------------


def _review_context(membership, article, selected_id=None, *, advance=False):
    """`selected_id` is the current item; with advance=True the current item becomes the
    next undecided one after it (a decision was just made), wrapping around."""
    data = review_data(article)
    order = [a for row in data.rows for cell in row.cells for a in cell]  # the page's order
    ids = [a.pk for a in order]
    if selected_id in ids and advance:
        index = ids.index(selected_id)
        after = order[index + 1 :] + order[:index]
        selected_id = next((a.pk for a in after if a.status == Status.DRAFT), selected_id)
    elif selected_id not in ids:
        selected_id = next((a.pk for a in order if a.status == Status.DRAFT), None)
    return {
        "project": membership.project,
        "membership": membership,
        "article": article,
        "data": data,
        "selected_id": selected_id,
        "text_html": text_html(article.text, data.annotations, selected_id),
        "decisions": review_decisions(article),
        "next_article": queue_next(article) if article.status == ArticleStatus.REVIEWED else None,
        "kinds": list(KINDS.values()),
    }


@require_GET
def review_article(request, slug, article_id):
    membership, article = article_for_reviewer(request.user, slug, article_id)
    selected = request.GET.get("selected", "")
    context = _review_context(membership, article, number(selected))
    return render(request, "review/article.html", context)


def _done(request, membership, article, selected_id=None, *, status=200, flash="", advance=False):
    """After a decision: the items, text and progress again (htmx), or back to the page,
    on the next undecided item (which the context works out)."""
    article.refresh_from_db(fields=["status"])  # a decision may have made it reviewed
    context = _review_context(membership, article, selected_id, advance=advance)
    context["flash_error"] = flash
    if flash and not request.htmx:
        messages.error(request, flash)
    selected_id = context["selected_id"]
    url = reverse("review:article", args=[membership.project.slug, article.pk])
    return changed(
        request,
        template="review/article.html",
        context=lambda: context,
        redirect_to=f"{url}?selected={selected_id}" if selected_id else url,
        status=status,
    )


def _error(request, membership, article, message, *, status=422):
    """A message in the flash area; nothing else on the page changes."""
    return refused(
        request,
        template="review/article.html",
        message=message,
        status=status,
        redirect_to=reverse("review:article", args=[membership.project.slug, article.pk]),
    )


def decide(request, slug, annotation_id):
    membership, annotation = annotation_for_reviewer(request.user, slug, annotation_id)
    if request.method != "POST":  # after the access check: outsiders get 404 whatever the method
        return HttpResponseNotAllowed(["POST"])
    article = annotation.article
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _error(request, membership, article, form.error_message())
    try:
        services.annotation_review(
            annotation=annotation,
            reviewer=request.user,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
            version=form.cleaned_data["version"],
        )
    except services.ReviewError as error:
        return _error(request, membership, article, str(error))
    except AnnotationConflict:
        return _conflict(request, membership, article, annotation.pk)
    return _done(request, membership, article, annotation.pk, advance=True)


def _conflict(request, membership, article, selected_id):
    message = (
        "Not saved: someone changed this annotation since you opened the page. "
        "The list now shows the current version; decide again."
    )
    return _done(request, membership, article, selected_id, status=409, flash=message)


@require_http_methods(["GET", "POST"])
def edit(request, slug, annotation_id):
    """A reviewer's edit in place: GET the fields the workspace's panel has for the kind
    (event, claimed time, cited source, hedge type) and the note; POST saves them through
    the same service as the workspace's Save (a reviewer's edit keeps the decision)."""
    membership, annotation = annotation_for_reviewer(request.user, slug, annotation_id)
    article = annotation.article
    if request.method == "GET":
        context = {
            "project": membership.project,
            "selected": annotation,
            "selected_kind": KINDS.get(annotation.kind),
            "form": DetailForm.for_annotation(annotation, membership.project),
            "events": Event.objects.filter(project=membership.project).order_by("title"),
        }
        return render(request, "review/article.html#edit_form", context)
    form = DetailForm(
        request.POST,
        project=membership.project,
        article=article,
        hedge_type=annotation.hedge_type,
    )
    if not form.is_valid():
        message = " ".join(e for errors in form.errors.values() for e in errors)
        return _error(request, membership, article, message or "Check the fields.")
    try:
        annotation_panel_save(
            annotation=annotation,
            user=request.user,
            version=form.cleaned_data["version"],
            changes=form.changes(),
            **form.new_records(),
        )
    except (SpanError, SourceError) as error:
        return _error(request, membership, article, str(error))
    except AnnotationConflict:
        return _conflict(request, membership, article, annotation.pk)
    return _done(request, membership, article, annotation.pk)


def curate(request, slug, annotation_id):
    """Accept this annotator's version: approve it, reject the others' overlapping ones."""
    membership, annotation = annotation_for_reviewer(request.user, slug, annotation_id)
    if request.method != "POST":  # after the access check: outsiders get 404 whatever the method
        return HttpResponseNotAllowed(["POST"])
    version = request.POST.get("version", "")
    if version and number(version) is None:
        return _error(request, membership, annotation.article, "That version is not a number.")
    try:
        services.span_curate(annotation=annotation, reviewer=request.user, version=number(version))
    except services.ReviewError as error:
        return _error(request, membership, annotation.article, str(error))
    except AnnotationConflict:
        return _conflict(request, membership, annotation.article, annotation.pk)
    return _done(request, membership, annotation.article, annotation.pk, advance=True)


def accept_agreed(request, slug, article_id):
    """Accept the ticked agreed spans (all pre-ticked): one version each, duplicates rejected."""
    membership, article = article_for_reviewer(request.user, slug, article_id)
    if request.method != "POST":  # after the access check: outsiders get 404 whatever the method
        return HttpResponseNotAllowed(["POST"])
    ids = numbers(request.POST.getlist("annotation"))
    chosen = list(
        Annotation.objects.filter(pk__in=ids, article=article)
        .exclude(status=Status.SUGGESTED)
        .select_related("article")
        .order_by("start", "pk")
    )
    if not chosen:
        return _error(request, membership, article, "Tick at least one agreed span to accept.")
    try:
        accepted = services.spans_curate(annotations=chosen, reviewer=request.user)
    except AnnotationConflict:
        return _conflict(request, membership, article, None)
    left = len(chosen) - accepted
    flash = f"{left} of your own spans {'waits' if left == 1 else 'wait'} for another reviewer."
    flash = flash if left else ""
    return _done(request, membership, article, flash=flash)


def finish(request, slug, article_id):
    """Mark an article with nothing left to decide as reviewed (e.g. one without spans)."""
    membership, article = article_for_reviewer(request.user, slug, article_id)
    if request.method != "POST":  # after the access check: outsiders get 404 whatever the method
        return HttpResponseNotAllowed(["POST"])
    if not services.article_review_finish(article=article, user=request.user):
        return _error(request, membership, article, "Some annotations are still undecided.")
    return _done(request, membership, article)


# --- agreement ---------------------------------------------------------------------


@require_GET
def agreement_page(request, slug):
    membership = reviewer_or_404(request.user, slug)
    return render(
        request,
        "review/agreement.html",
        {
            "project": membership.project,
            "membership": membership,
            "agreement": project_agreement(membership.project),
            "kinds": list(KINDS.values()),
        },
    )


# --- assignments -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def assignments(request, slug):
    """Owners assign articles to members; GET lists articles with their assignees."""
    membership = membership_or_404(request.user, slug, Role.OWNER)
    project = membership.project
    form = AssignForm(request.POST or None, project=project)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created = services.assignments_create(
                    articles=form.cleaned_data["articles"],
                    users=form.cleaned_data["users"],
                    assigned_by=request.user,
                )
            except services.AssignmentError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"{created} new assignment{'s' if created != 1 else ''}.")
                return redirect(
                    f"{reverse('review:assignments', args=[slug])}?{request.GET.urlencode()}"
                )
        status = 422
    articles_status = request.GET.get("status", "")
    rows = Article.objects.filter(project=project)
    if articles_status in ArticleStatus.values:
        rows = rows.filter(status=articles_status)
    rows = (
        rows.select_related("outlet")
        .defer("text", "outlet__affiliation_note")
        .prefetch_related("assignments__user")
        .order_by("created_at", "pk")
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "project": project,
        "membership": membership,
        "form": form,
        "page": page,
        "members": form.fields["users"].queryset,
        "article_status": articles_status,
        "article_statuses": ArticleStatus.choices,
        "ticked": set(numbers(request.POST.getlist("articles"))),
        "chosen_users": set(numbers(request.POST.getlist("users"))),
    }
    return render(request, "review/assign.html", context, status=status)


def unassign(request, slug, assignment_id):
    membership = membership_or_404(request.user, slug, Role.OWNER)
    if request.method != "POST":  # after the access check: outsiders get 404 whatever the method
        return HttpResponseNotAllowed(["POST"])
    assignment = get_object_or_404(
        Assignment.objects.select_related("user", "article"),
        pk=assignment_id,
        article__project=membership.project,
    )
    services.assignment_delete(assignment=assignment, user=request.user)
    messages.success(
        request, f"{assignment.user.get_username()} no longer assigned to “{assignment.article}”."
    )
    back = request.POST.get("next", "")
    # Only a path on this site: redirect() would read any other word as a view's name.
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(back, {request.get_host()}):
        back = reverse("review:assignments", args=[slug])
    return redirect(back)


# --- a member's own work -----------------------------------------------------------


@require_GET
def my_work(request, slug):
    """The articles assigned to me and my annotations that a reviewer rejected, with why."""
    membership = membership_or_404(request.user, slug)
    project = membership.project
    assigned = (
        Article.objects.filter(project=project, assignments__user=request.user)
        .select_related("outlet")
        .defer("text", "outlet__affiliation_note")
        .order_by("created_at", "pk")
    )
    rejected = (
        Annotation.objects.filter(
            article__project=project, created_by=request.user, status=Status.REJECTED
        )
        .select_related("article", "reviewed_by")
        .defer("article__text")
        .order_by("-reviewed_at", "-pk")[:200]
    )
    return render(
        request,
        "review/mine.html",
        {
            "project": project,
            "membership": membership,
            "assigned": assigned,
            "rejected": rejected,
            "is_reviewer": membership.has_role(Role.REVIEWER),
        },
    )

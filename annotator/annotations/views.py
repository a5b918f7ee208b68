"""The annotation workspace: one page per article, htmx endpoints for every change.

Every POST answers an htmx request with the `update` partial (detail panel, plus the
text and the list swapped out of band) and a plain request with a redirect, so the
page also works without JavaScript for everything but selecting text.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from annotator.annotations import services
from annotator.annotations.access import annotation_for_member, article_for_member, can_edit
from annotator.annotations.forms import DetailForm, SpanForm
from annotator.annotations.highlight import text_html
from annotator.annotations.models import Annotation, Kind, Link, LinkKind, Status
from annotator.annotations.offsets import adjust_span
from annotator.annotations.queries import annotation_history, workspace_data
from annotator.articles.models import ArticleStatus
from annotator.events.models import Event
from annotator.flash import flash_error
from annotator.projects.access import membership_or_404
from annotator.projects.models import Role
from annotator.review.models import Assignment
from annotator.sources.models import Source
from annotator.suggestions import services as suggestions
from annotator.suggestions.models import DateSuggestion

UNDO_KEY = "undo-article-{}"
WHO_KEY = "who-article-{}"
SPAN_MOVES = [
    ("widen-start", "+ word at start"),
    ("narrow-start", "− word at start"),
    ("narrow-end", "− word at end"),
    ("widen-end", "+ word at end"),
]


def _render_update(request, membership, article, selected_id=None, *, status=200, extra=None):
    """The detail panel for `selected_id`, with text, list and undo bar swapped out of band."""
    context = _context(request, membership, article, selected_id)
    context.update(extra or {})
    return render(request, "annotations/workspace.html#update", context, status=status)


def _only_mine(request, membership, article) -> bool:
    """Annotators of an article assigned to several people work independently: they see
    their own annotations (and open suggestions) unless they ask for everyone's."""
    if membership.has_role(Role.REVIEWER):
        return False
    key = WHO_KEY.format(article.pk)
    if request.method == "GET" and request.GET.get("who") in ("mine", "all"):
        request.session[key] = request.GET["who"]
    choice = request.session.get(key)
    if choice:
        return choice == "mine"
    return Assignment.objects.filter(article=article).count() > 1


def _context(request, membership, article, selected_id=None):
    only_mine = _only_mine(request, membership, article)
    data = workspace_data(article, only_user=request.user if only_mine else None)
    selected = data["by_id"].get(selected_id)
    context = {
        "project": membership.project,
        "membership": membership,
        "article": article,
        "text_html": text_html(article.text, data["annotations"], selected_id),
        "kinds": Kind,
        "link_kinds": LinkKind,
        "undo_available": UNDO_KEY.format(article.pk) in request.session,
        "kind_filter": request.GET.get("kind", ""),
        "only_mine": only_mine,
        **data,
    }
    if selected is not None:
        context.update(_detail_context(membership, selected, data))
    return context


def _detail_context(membership, annotation, data, form=None):
    return {
        "selected": annotation,
        "editable": can_edit(membership, annotation),
        "span_moves": SPAN_MOVES,
        "form": form or DetailForm.for_annotation(annotation),
        "history": annotation_history(annotation),
        "links_out": data["links_out"].get(annotation.pk, []),
        "links_in": data["links_in"].get(annotation.pk, []),
        "link_targets": _link_targets(annotation, data["annotations"]),
        "events": Event.objects.filter(project=membership.project).order_by("title"),
        "dates_suggested": data["date_suggestions"].get(annotation.pk, []),
    }


def _link_targets(annotation, annotations):
    """Annotations this one may link to, with the link kind, as the detail panel lists them."""
    wanted = {Kind.ATTRIBUTION: {Kind.CLAIM, Kind.ATTRIBUTION}, Kind.HEDGE: {Kind.CLAIM}}
    kinds = wanted.get(annotation.kind, set())
    return [a for a in annotations if a.kind in kinds and a.pk != annotation.pk]


def _next_suggestion(article, after: int) -> int | None:
    """The next open suggestion in text order, so y / n walk through them."""
    following = Annotation.objects.filter(article=article, status="suggested")
    nxt = following.filter(start__gte=after).order_by("start", "pk").first()
    return (nxt or following.order_by("start", "pk").first() or Annotation()).pk


def _done(request, membership, article, selected_id=None, *, status=200, extra=None):
    if request.htmx:
        return _render_update(request, membership, article, selected_id, status=status, extra=extra)
    url = reverse("annotations:workspace", args=[membership.project.slug, article.pk])
    return redirect(f"{url}?selected={selected_id}" if selected_id else url)


def _error(request, membership, article, message, *, status=422):
    """A message in the flash area; nothing else on the page changes."""
    return flash_error(
        request,
        partial="annotations/workspace.html#flash",
        message=message,
        status=status,
        fallback_url=reverse("annotations:workspace", args=[membership.project.slug, article.pk]),
    )


@require_GET
def workspace(request, slug, article_id):
    membership, article = article_for_member(request.user, slug, article_id)
    selected_id = request.GET.get("selected")
    context = (
        _context(request, membership, article, int(selected_id) if selected_id.isdigit() else None)
        if selected_id
        else _context(request, membership, article)
    )
    return render(request, "annotations/workspace.html", context)


@require_GET
def annotation_list(request, slug, article_id):
    membership, article = article_for_member(request.user, slug, article_id)
    return render(
        request, "annotations/workspace.html#list", _context(request, membership, article)
    )


@require_POST
def annotation_create(request, slug, article_id):
    membership, article = article_for_member(request.user, slug, article_id)
    form = SpanForm(request.POST, text=article.text)
    if not form.is_valid():
        return _error(request, membership, article, form.error_message())
    try:
        annotation = services.annotation_create(
            article=article, created_by=request.user, **form.cleaned_data
        )
    except services.SpanError as error:
        return _error(request, membership, article, str(error))
    return _done(request, membership, article, annotation.pk)


@require_GET
def annotation_detail(request, slug, annotation_id):
    membership, annotation = annotation_for_member(request.user, slug, annotation_id)
    if not request.htmx:
        return redirect(
            reverse("annotations:workspace", args=[slug, annotation.article_id])
            + f"?selected={annotation.pk}"
        )
    context = _context(request, membership, annotation.article, annotation.pk)
    return render(request, "annotations/workspace.html#detail", context)


@require_POST
def annotation_save(request, slug, annotation_id):
    membership, annotation = annotation_for_member(request.user, slug, annotation_id, edit=True)
    article = annotation.article
    form = DetailForm(request.POST, project=membership.project)
    if not form.is_valid():
        data = workspace_data(article)
        context = _context(request, membership, article)
        context.update(_detail_context(membership, annotation, data, form=form))
        return render(request, "annotations/workspace.html#detail", context, status=422)
    changes = form.changes()
    new_event = form.cleaned_data["new_event_title"].strip()
    if changes["kind"] == Kind.CLAIM and new_event:
        changes["event"] = Event.objects.create(project=membership.project, title=new_event)
    new_source = form.cleaned_data["new_source_name"].strip()
    if changes["kind"] == Kind.ATTRIBUTION and new_source:
        changes["cited_source"], _ = Source.objects.get_or_create(
            project=membership.project, name=new_source
        )
    return _apply(request, membership, annotation, form.cleaned_data["version"], changes)


@require_POST
def annotation_respan(request, slug, annotation_id):
    """Widen/narrow a span by a word (`move`), or replace it by a new selection."""
    membership, annotation = annotation_for_member(request.user, slug, annotation_id, edit=True)
    article = annotation.article
    version = int(request.POST.get("version", 0))
    move = request.POST.get("move")
    if move:
        try:
            start, end = adjust_span(article.text, annotation.start, annotation.end, move)
        except ValueError as error:
            return _error(request, membership, article, str(error))
        changes = {"start": start, "end": end, "quote": article.text[start:end]}
    else:
        form = SpanForm(request.POST, text=article.text)
        if not form.is_valid():
            return _error(request, membership, article, form.error_message())
        changes = {k: form.cleaned_data[k] for k in ("start", "end", "quote")}
    return _apply(request, membership, annotation, version, changes)


def _apply(request, membership, annotation, version, changes):
    article = annotation.article
    if annotation.status == Status.REJECTED and not membership.has_role(Role.REVIEWER):
        changes["status"] = Status.DRAFT  # the author reworked it: up for review again
    try:
        services.annotation_update(
            annotation=annotation, version=version, user=request.user, **changes
        )
    except services.AnnotationConflict as conflict:
        theirs = conflict.current
        return _done(
            request,
            membership,
            article,
            theirs.pk,
            status=409,
            extra={"conflict": _conflict_rows(theirs, changes)},
        )
    except services.SpanError as error:
        return _error(request, membership, article, str(error))
    return _done(request, membership, article, annotation.pk)


def _conflict_rows(theirs: Annotation, mine: dict) -> list[tuple[str, str, str]]:
    rows = []
    for field, value in mine.items():
        current = getattr(theirs, field, None)
        if current != value:
            rows.append((field.replace("_", " "), _show(value), _show(current)))
    return rows


def _show(value) -> str:
    return "—" if value in (None, "") else str(value)


@require_POST
def annotation_delete(request, slug, annotation_id):
    membership, annotation = annotation_for_member(request.user, slug, annotation_id, edit=True)
    snapshot = services.annotation_delete(annotation=annotation, user=request.user)
    request.session[UNDO_KEY.format(annotation.article_id)] = snapshot
    return _done(request, membership, annotation.article)


@require_POST
def annotation_undo(request, slug, article_id):
    membership, article = article_for_member(request.user, slug, article_id)
    snapshot = request.session.pop(UNDO_KEY.format(article.pk), None)
    if not snapshot:
        return _error(request, membership, article, "Nothing to undo.")
    try:
        restored = services.annotation_restore(snapshot=snapshot, user=request.user)
    except services.SpanError as error:
        return _error(request, membership, article, f"Cannot undo: {error}")
    return _done(request, membership, article, restored.pk)


@require_POST
def link_create(request, slug, annotation_id):
    membership, annotation = annotation_for_member(request.user, slug, annotation_id, edit=True)
    target = get_object_or_404(
        Annotation, pk=request.POST.get("to") or 0, article_id=annotation.article_id
    )
    kind = request.POST.get("kind") or _default_link_kind(annotation, target)
    try:
        services.link_create(
            from_annotation=annotation, to_annotation=target, kind=kind, created_by=request.user
        )
    except services.SpanError as error:
        return _error(request, membership, annotation.article, str(error))
    return _done(request, membership, annotation.article, annotation.pk)


def _default_link_kind(source: Annotation, target: Annotation) -> str:
    if source.kind == Kind.HEDGE:
        return LinkKind.QUALIFIES
    return LinkKind.VIA if target.kind == Kind.ATTRIBUTION else LinkKind.ATTRIBUTES


@require_POST
def link_delete(request, slug, link_id):
    link = get_object_or_404(Link, pk=link_id, from_annotation__article__project__slug=slug)
    membership, annotation = annotation_for_member(
        request.user, slug, link.from_annotation_id, edit=True
    )
    services.link_delete(link=link, user=request.user)
    selected = request.POST.get("selected", "")
    return _done(
        request,
        membership,
        annotation.article,
        int(selected) if selected.isdigit() else annotation.pk,
    )


@require_POST
def article_status(request, slug, article_id):
    """Mark the article ready for review (annotators) or back in progress."""
    membership, article = article_for_member(request.user, slug, article_id)
    status = request.POST.get("status")
    allowed = {ArticleStatus.READY, ArticleStatus.IN_PROGRESS}
    if status not in allowed:
        return _error(request, membership, article, "Unknown status.")
    if article.status == ArticleStatus.REVIEWED and not membership.has_role(Role.REVIEWER):
        raise PermissionDenied("Only reviewers can reopen a reviewed article.")
    type(article).objects.filter(pk=article.pk).update(status=status)
    article.status = status
    if request.htmx:
        return render(
            request,
            "annotations/workspace.html#status",
            {"article": article, "project": membership.project, "oob": False},
        )
    return redirect("annotations:workspace", slug, article.pk)


@require_GET
def source_search(request, slug, annotation_id):
    """Type-ahead over the project's sources for an attribution's cited source."""
    membership, annotation = annotation_for_member(request.user, slug, annotation_id)
    query = request.GET.get("q", "").strip()
    sources = Source.objects.filter(project=membership.project).search(query)
    return render(
        request,
        "annotations/workspace.html#source_options",
        {
            "sources": sources[:12],
            "query": query,
            "selected": annotation,
            "project": membership.project,
        },
    )


@require_POST
def suggestion_decide(request, slug, annotation_id):
    """Accept (it becomes the person's draft) or reject a suggestion; then on to the next."""
    membership, annotation = annotation_for_member(request.user, slug, annotation_id, edit=True)
    article = annotation.article
    try:
        if request.POST.get("decision") == "reject":
            suggestions.suggestion_reject(annotation=annotation, user=request.user)
        else:
            suggestions.suggestion_accept(
                annotation=annotation,
                user=request.user,
                allow_overlap=request.POST.get("allow_overlap") == "1",
            )
    except suggestions.SuggestionOverlap as overlap:
        return _done(
            request,
            membership,
            article,
            annotation.pk,
            status=409,
            extra={"overlap": overlap.overlapping},
        )
    except suggestions.SuggestionError as error:
        return _error(request, membership, article, str(error))
    return _done(request, membership, article, _next_suggestion(article, annotation.start))


@require_POST
def date_decide(request, slug, date_id):
    """Accept a suggested claim time (it is written onto the claim) or reject it."""
    membership = membership_or_404(request.user, slug)
    date = get_object_or_404(
        DateSuggestion.objects.select_related("claim__article"),
        pk=date_id,
        article__project=membership.project,
    )
    if not can_edit(membership, date.claim):
        raise PermissionDenied("You can change only your own annotations.")
    try:
        if request.POST.get("decision") == "reject":
            suggestions.date_suggestion_reject(date_suggestion=date, user=request.user)
        else:
            suggestions.date_suggestion_accept(date_suggestion=date, user=request.user)
    except suggestions.SuggestionError as error:
        return _error(request, membership, date.claim.article, str(error))
    return _done(request, membership, date.claim.article, date.claim_id)


@require_http_methods(["GET", "POST"])
def suggestions_accept_all(request, slug, article_id):
    """GET: preview every open suggestion of one kind; POST: accept them all."""
    membership, article = article_for_member(request.user, slug, article_id)
    kind = request.GET.get("kind") or request.POST.get("kind", "")
    if kind not in (*Kind.values, "date"):
        return _error(request, membership, article, "Choose a kind of suggestion.")
    if request.method == "GET":
        pending = (
            DateSuggestion.objects.filter(article=article).select_related("claim")
            if kind == "date"
            else suggestions.pending_suggestions(article=article, kind=kind)
        )
        return render(
            request,
            "annotations/workspace.html#accept_all_preview",
            {
                "project": membership.project,
                "article": article,
                "kind": kind,
                "pending": list(pending),
            },
        )
    result = suggestions.suggestion_accept_all(article=article, kind=kind, user=request.user)
    skipped = len(result.skipped_overlapping)
    note = f"Accepted {len(result.accepted)} suggestion{'s' * (len(result.accepted) != 1)}."
    if skipped:
        note += f" {skipped} overlap annotations of yours and stay open: decide them one by one."
    return _done(request, membership, article, extra={"flash_info": note})


@require_POST
def suggest_again(request, slug, article_id):
    membership, article = article_for_member(request.user, slug, article_id)
    result = suggestions.suggestions_run(article=article, user=request.user)
    made = sum(result.created.values())
    note = f"{made} new suggestion{'s' * (made != 1)}." if made else "No new suggestions."
    return _done(request, membership, article, extra={"flash_info": note})

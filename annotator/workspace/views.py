"""The annotation workspace: one page per article, htmx endpoints for every change.

Every POST answers an htmx request with only what it changed (workspace_changed: the
panel, and out of band the touched text parts, list items and counts) and a plain
request with a redirect, so the page also works without JavaScript for everything but
selecting text. The rules are in
the services (annotations, events, sources); the suggestions app adds its own endpoints
(accept, reject, suggest again) and answers with workspace_update().
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST, require_safe

from annotator.annotations import services
from annotator.annotations.access import annotation_for_member, article_for_member
from annotator.annotations.kinds import KINDS, link_between
from annotator.annotations.models import Annotation, Link, Status
from annotator.annotations.offsets import adjust_span
from annotator.articles.readiness import article_readiness
from annotator.articles.services import ArticleError, article_status_set
from annotator.htmx import changed, refused
from annotator.params import number
from annotator.sources.models import Source
from annotator.sources.queries import (
    SourceMatch,
    source_looks_like,
    source_matches,
)
from annotator.sources.services import SourceError
from annotator.workspace.answers import (
    UNDO_KEY,
    Before,
    change_context,
    detail_context,
    link_targets_matching,
    only_mine,
    page_context,
    suggestions_hidden,
)
from annotator.workspace.forms import DetailForm, SelectionForm, SpanForm
from annotator.workspace.queries import selected_read, visible_annotations
from annotator.workspace.services import annotation_panel_save

TEMPLATE = "workspace/workspace.html"
# workspace.js's other keys: a kind's shortcut (kinds.KindSpec.key) must not be one of them.
RESERVED_KEYS = {"j", "k", "y", "n", "u", "l", "?", "A"}


def _workspace_url(membership, article) -> str:
    return reverse("workspace:article", args=[membership.project.slug, article.pk])


def workspace_update(request, membership, article, selected_id=None, *, status=200, extra=None):
    """After a change: the detail panel for `selected_id`, with the text, the list and the
    suggestions bar swapped out of band (htmx), or back to the page."""
    url = _workspace_url(membership, article)

    def context():
        return page_context(request, membership, article, selected_id) | (extra or {})

    return changed(
        request,
        template=TEMPLATE,
        context=context,
        redirect_to=f"{url}?selected={selected_id}" if selected_id else url,
        status=status,
    )


def workspace_changed(
    request,
    membership,
    article,
    selected_id,
    touched: list[Before],
    *,
    status=200,
    extra=None,
    suggestions=False,
    made=None,
):
    """After a write: htmx gets only what changed (answers.py: the touched text parts,
    list items and counts, the panel, the suggestions bar if they changed), a plain
    request the page."""
    if not request.htmx:
        return workspace_update(request, membership, article, selected_id)
    context = change_context(
        request,
        membership,
        article,
        selected_id,
        touched,
        suggestions=suggestions,
        made=made,
    )
    return render(request, f"{TEMPLATE}#changes", context | (extra or {}), status=status)


def workspace_refused(request, membership, article, message, *, status=422):
    """A message in the flash area; nothing else on the page changes."""
    return refused(
        request,
        template=TEMPLATE,
        message=message,
        status=status,
        redirect_to=_workspace_url(membership, article),
    )


@require_GET
def article_page(request, slug, article_id):
    membership, article = article_for_member(request.user, slug, article_id)
    selected_id = number(request.GET.get("selected"))
    context = page_context(request, membership, article, selected_id)
    context["readiness"] = article_readiness(article, request.user)  # the status bar's
    return render(request, TEMPLATE, context)


@require_GET
def annotation_list(request, slug, article_id):
    membership, article = article_for_member(request.user, slug, article_id)
    return render(request, f"{TEMPLATE}#list", page_context(request, membership, article))


@require_POST
def annotation_create(request, slug, article_id):
    membership, article = article_for_member(request.user, slug, article_id)
    form = SpanForm(request.POST, text=article.text)
    if not form.is_valid():
        return workspace_refused(request, membership, article, form.error_message())
    try:
        annotation = services.annotation_create(
            article=article, created_by=request.user, **form.cleaned_data
        )
    except services.SpanError as error:
        return workspace_refused(request, membership, article, str(error))
    was = getattr(annotation, "taken_over", None)  # an open suggestion, now this span
    before = Before(annotation.pk, was.kind, was.start, was.end, Status.SUGGESTED) if was else None
    touched = [before or Before(annotation.pk)]
    return workspace_changed(
        request, membership, article, annotation.pk, touched, made=None if was else annotation
    )


@require_GET
def annotation_detail(request, slug, annotation_id):
    membership, annotation = annotation_for_member(request.user, slug, annotation_id)
    if not request.htmx:
        url = _workspace_url(membership, annotation.article)
        return redirect(f"{url}?selected={annotation.pk}")
    return _panel(request, membership, annotation)


def _panel(request, membership, annotation, form=None, status=200):
    """The detail panel alone, read for this annotation only."""
    article = annotation.article
    hidden = suggestions_hidden(request)
    mine = only_mine(request, membership, article)
    visible = visible_annotations(article, request.user if mine else None, not hidden)
    read = selected_read(annotation, visible, suggestions=not hidden)
    context = {"project": membership.project, "article": article, "kinds": list(KINDS.values())}
    context |= detail_context(membership, annotation, read, form)
    return render(request, f"{TEMPLATE}#detail", context, status=status)


@require_POST
def annotation_save(request, slug, annotation_id):
    membership, annotation = annotation_for_member(request.user, slug, annotation_id, edit=True)
    article = annotation.article
    form = DetailForm(
        request.POST,
        project=membership.project,
        article=article,
        hedge_type=annotation.hedge_type,
    )
    if not form.is_valid():
        return _panel(request, membership, annotation, form, status=422)
    changes = form.changes()
    return _saved(
        request,
        membership,
        annotation,
        changes,
        lambda: annotation_panel_save(
            annotation=annotation,
            user=request.user,
            version=form.cleaned_data["version"],
            changes=changes,
            **form.new_records(),
        ),
    )


@require_POST
def annotation_respan(request, slug, annotation_id):
    """Widen/narrow a span by a word (`move`), or replace it by a new selection."""
    membership, annotation = annotation_for_member(request.user, slug, annotation_id, edit=True)
    article = annotation.article
    version = request.POST.get("version", "")
    move = request.POST.get("move")
    if move:
        try:
            start, end = adjust_span(article.text, annotation.start, annotation.end, move)
        except ValueError as error:
            return workspace_refused(request, membership, article, str(error))
        changes = {"start": start, "end": end, "quote": article.text[start:end]}
    else:
        form = SelectionForm(request.POST, text=article.text)
        if not form.is_valid():
            return workspace_refused(request, membership, article, form.error_message())
        changes = form.cleaned_data
    return _saved(
        request,
        membership,
        annotation,
        changes,
        lambda: services.annotation_edit(
            annotation=annotation,
            user=request.user,
            version=number(version, 0),
            **changes,
        ),
    )


def _saved(request, membership, annotation, changes, save):
    """Run `save`; answer with what changed, the conflict (409) or the refusal."""
    article = annotation.article
    before = Before.of(annotation)  # as the page drew it: save() changes the instance
    try:
        save()
    except services.AnnotationConflict as conflict:
        theirs = conflict.current
        extra = {
            "conflict": _conflict_rows(theirs, changes),
            # "Keep mine" sends the same values again with the version now saved.
            "conflict_mine": [
                (name, value)
                for name, values in request.POST.lists()
                if name not in ("csrfmiddlewaretoken", "version")
                for value in values
            ],
            "conflict_action": request.path,
        }
        touched = [Before.of(theirs)]
        return workspace_changed(
            request, membership, article, theirs.pk, touched, status=409, extra=extra
        )
    except (services.SpanError, SourceError) as error:
        return workspace_refused(request, membership, article, str(error))
    return workspace_changed(request, membership, article, annotation.pk, [before])


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
    before = Before.of(annotation)
    snapshot = services.annotation_delete(annotation=annotation, user=request.user)
    request.session[UNDO_KEY.format(annotation.article_id)] = snapshot
    return workspace_changed(request, membership, annotation.article, None, [before])


@require_POST
def annotation_undo(request, slug, article_id):
    membership, article = article_for_member(request.user, slug, article_id)
    snapshot = request.session.pop(UNDO_KEY.format(article.pk), None)
    if not snapshot:
        return workspace_refused(request, membership, article, "Nothing to undo.")
    try:
        restored = services.annotation_restore(snapshot=snapshot, user=request.user)
    except services.SpanError as error:
        return workspace_refused(request, membership, article, f"Cannot undo: {error}")
    return workspace_changed(request, membership, article, restored.pk, [Before(restored.pk)])


@require_POST
def link_create(request, slug, annotation_id):
    membership, annotation = annotation_for_member(request.user, slug, annotation_id, edit=True)
    target = get_object_or_404(
        Annotation, pk=number(request.POST.get("to"), 0), article_id=annotation.article_id
    )
    link = link_between(annotation.kind, target.kind)
    kind = request.POST.get("kind") or (link.name if link else "")
    try:
        services.link_create(
            from_annotation=annotation, to_annotation=target, kind=kind, created_by=request.user
        )
    except services.SpanError as error:
        return workspace_refused(request, membership, annotation.article, str(error))
    return workspace_changed(request, membership, annotation.article, annotation.pk, [])


@require_GET
def link_targets(request, slug, annotation_id):
    """The panel's link list filtered by what is typed above it (every word, any case)."""
    membership, annotation = annotation_for_member(request.user, slug, annotation_id)
    hidden = suggestions_hidden(request)
    mine = only_mine(request, membership, annotation.article)
    visible = visible_annotations(annotation.article, request.user if mine else None, not hidden)
    read = selected_read(annotation, visible, suggestions=not hidden)
    choices = link_targets_matching(annotation, read, request.GET.get("q", ""))
    return render(request, f"{TEMPLATE}#link_options", {"link_choices": choices})


@require_POST
def link_delete(request, slug, link_id):
    link = get_object_or_404(Link, pk=link_id, from_annotation__article__project__slug=slug)
    membership, annotation = annotation_for_member(
        request.user, slug, link.from_annotation_id, edit=True
    )
    services.link_delete(link=link, user=request.user)
    selected_id = number(request.POST.get("selected"), annotation.pk)
    return workspace_changed(request, membership, annotation.article, selected_id, [])


@require_POST
def article_status(request, slug, article_id):
    """Mark the article (or, for an assignee, their work on it) ready for review, or back
    in progress."""
    membership, article = article_for_member(request.user, slug, article_id)
    try:
        article_status_set(
            article=article, status=request.POST.get("status", ""), user=request.user
        )
    except ArticleError as error:
        return workspace_refused(request, membership, article, str(error))
    if request.htmx:
        return render(
            request,
            f"{TEMPLATE}#status",
            {
                "article": article,
                "project": membership.project,
                "readiness": article_readiness(article, request.user),
                "oob": False,
            },
        )
    return redirect("workspace:article", slug, article.pk)


@require_GET
def source_search(request, slug, annotation_id):
    """Type-ahead over the project's sources for an attribution's cited source."""
    membership, annotation = annotation_for_member(request.user, slug, annotation_id)
    query = " ".join(request.GET.get("q", "").split())
    if query:
        matches = source_matches(membership.project, query)
    else:
        matches = [
            SourceMatch(s, "", 0) for s in Source.objects.filter(project=membership.project)[:12]
        ]
    exact = any(m.why in ("name", "alias") and m.score >= 0.95 for m in matches)
    looks_like = source_looks_like(membership.project, query) if query and not exact else None
    return render(
        request,
        f"{TEMPLATE}#source_options",
        {
            "matches": matches,
            "query": query,
            "exact": exact,
            "looks_like": looks_like,
            "selected": annotation,
            "project": membership.project,
        },
    )


@login_not_required
@require_safe
def kinds_css(request):
    """Each kind's colour and line style (kinds.py) as CSS, for every page."""
    css = render_to_string("workspace/kinds.css", {"kinds": KINDS.values()})
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "max-age=300"
    return response

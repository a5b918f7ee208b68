"""The annotation workspace: one page per article, htmx endpoints for every change.

Every POST answers an htmx request with the `update` partial (detail panel, plus the
text and the list swapped out of band) and a plain request with a redirect, so the
page also works without JavaScript for everything but selecting text. The rules are in
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
from annotator.annotations.access import annotation_for_member, article_for_member, can_edit
from annotator.annotations.highlight import text_html
from annotator.annotations.kinds import KINDS, link_between, links_from, links_to
from annotator.annotations.models import Annotation, Link
from annotator.annotations.offsets import adjust_span
from annotator.annotations.queries import annotation_history
from annotator.articles.services import ArticleError, article_status_set
from annotator.events.models import Event
from annotator.htmx import changed, refused
from annotator.params import number
from annotator.projects.models import Role
from annotator.sources.models import Source
from annotator.sources.queries import (
    SourceMatch,
    source_looks_like,
    source_matches,
    source_named_in,
)
from annotator.sources.services import SourceError
from annotator.workspace.forms import DetailForm, SelectionForm, SpanForm
from annotator.workspace.queries import drawn_in_text, link_targets, workspace_read
from annotator.workspace.services import annotation_panel_save

TEMPLATE = "workspace/workspace.html"
# workspace.js's other keys: a kind's shortcut (kinds.KindSpec.key) must not be one of them.
RESERVED_KEYS = {"j", "k", "y", "n", "u", "l", "?", "A"}
UNDO_KEY = "undo-article-{}"
WHO_KEY = "who-article-{}"
HIDE_SUGGESTIONS_KEY = "hide-suggestions"
SPAN_MOVES = [
    ("widen-start", "+ word at start"),
    ("narrow-start", "− word at start"),
    ("narrow-end", "− word at end"),
    ("widen-end", "+ word at end"),
]


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
    # The review app's assignments, read through the reverse relation.
    return article.assignments.count() > 1


def _suggestions_hidden(request) -> bool:
    """The person's choice, for every article, until they change it."""
    if request.method == "GET" and request.GET.get("suggestions") in ("hide", "show"):
        request.session[HIDE_SUGGESTIONS_KEY] = request.GET["suggestions"] == "hide"
    return request.session.get(HIDE_SUGGESTIONS_KEY, False)


def _context(request, membership, article, selected_id=None, form=None):
    only_mine = _only_mine(request, membership, article)
    hidden = _suggestions_hidden(request)
    data = workspace_read(
        article, only_user=request.user if only_mine else None, suggestions=not hidden
    )
    selected = data.by_id.get(selected_id)
    drawn = drawn_in_text(article.text, data.annotations, selected_id)
    context = {
        "project": membership.project,
        "membership": membership,
        "article": article,
        "text_html": text_html(article.text, drawn, selected_id),
        "suggestions_hidden": hidden,
        "undrawn": len(data.annotations) - len(drawn),
        "kinds": list(KINDS.values()),
        "undo_available": UNDO_KEY.format(article.pk) in request.session,
        "only_mine": only_mine,
        "data": data,
        "annotations": data.annotations,
        "pending_suggestions": data.pending,
    }
    if selected is not None:
        context.update(_detail_context(membership, selected, data, form))
    return context


def _link_headings(kind: str) -> dict:
    """How the panel names this kind's links, from the link registry: "Qualifies",
    "Attributed and hedged by", "Attributes claim (or reached via attribution)"."""
    out, into = links_from(kind), links_to(kind)
    passives = [link.passive for link in into]
    targets = [f"{link.label} {link.target}" for link in out]
    return {
        "links_out_heading": out[0].label.capitalize() if len(out) == 1 else "Links to",
        "links_in_heading": " and ".join(passives).capitalize() + " by"
        if into and all(passives)
        else "Linked from",
        "link_add_label": (targets[0].capitalize() if targets else "")
        + "".join(f" (or {target})" for target in targets[1:]),
    }


def _detail_context(membership, annotation, data, form=None):
    return {
        **_link_headings(annotation.kind),
        "selected": annotation,
        "selected_kind": KINDS.get(annotation.kind),
        "editable": can_edit(membership, annotation),
        "span_moves": SPAN_MOVES,
        "form": form or DetailForm.for_annotation(annotation),
        "history": annotation_history(annotation),
        "links_out": data.links_out.get(annotation.pk, []),
        "links_in": data.links_in.get(annotation.pk, []),
        "link_targets": link_targets(annotation, data.annotations),
        "events": Event.objects.filter(project=membership.project).order_by("title"),
        "dates_suggested": data.date_suggestions.get(annotation.pk, []),
        # An attribution names its source in its own words ("according to Tasnim").
        "proposed_source": source_named_in(membership.project, annotation.quote)
        if "cited_source" in KINDS[annotation.kind].fields and not annotation.cited_source_id
        else None,
    }


def _workspace_url(membership, article) -> str:
    return reverse("workspace:article", args=[membership.project.slug, article.pk])


def workspace_update(request, membership, article, selected_id=None, *, status=200, extra=None):
    """After a change: the detail panel for `selected_id`, with the text, the list and the
    suggestions bar swapped out of band (htmx), or back to the page."""
    url = _workspace_url(membership, article)

    def context():
        return _context(request, membership, article, selected_id) | (extra or {})

    return changed(
        request,
        template=TEMPLATE,
        context=context,
        redirect_to=f"{url}?selected={selected_id}" if selected_id else url,
        status=status,
    )


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
    return render(request, TEMPLATE, _context(request, membership, article, selected_id))


@require_GET
def annotation_list(request, slug, article_id):
    membership, article = article_for_member(request.user, slug, article_id)
    return render(request, f"{TEMPLATE}#list", _context(request, membership, article))


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
    return workspace_update(request, membership, article, annotation.pk)


@require_GET
def annotation_detail(request, slug, annotation_id):
    membership, annotation = annotation_for_member(request.user, slug, annotation_id)
    if not request.htmx:
        url = _workspace_url(membership, annotation.article)
        return redirect(f"{url}?selected={annotation.pk}")
    context = _context(request, membership, annotation.article, annotation.pk)
    return render(request, f"{TEMPLATE}#detail", context)


@require_POST
def annotation_save(request, slug, annotation_id):
    membership, annotation = annotation_for_member(request.user, slug, annotation_id, edit=True)
    article = annotation.article
    form = DetailForm(request.POST, project=membership.project)
    if not form.is_valid():
        context = _context(request, membership, article, annotation.pk, form=form)
        return render(request, f"{TEMPLATE}#detail", context, status=422)
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
    """Run `save`; answer with the panel, the conflict (409) or the refusal."""
    article = annotation.article
    try:
        save()
    except services.AnnotationConflict as conflict:
        theirs = conflict.current
        extra = {"conflict": _conflict_rows(theirs, changes)}
        return workspace_update(request, membership, article, theirs.pk, status=409, extra=extra)
    except (services.SpanError, SourceError) as error:
        return workspace_refused(request, membership, article, str(error))
    return workspace_update(request, membership, article, annotation.pk)


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
    return workspace_update(request, membership, annotation.article)


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
    return workspace_update(request, membership, article, restored.pk)


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
    return workspace_update(request, membership, annotation.article, annotation.pk)


@require_POST
def link_delete(request, slug, link_id):
    link = get_object_or_404(Link, pk=link_id, from_annotation__article__project__slug=slug)
    membership, annotation = annotation_for_member(
        request.user, slug, link.from_annotation_id, edit=True
    )
    services.link_delete(link=link, user=request.user)
    selected_id = number(request.POST.get("selected"), annotation.pk)
    return workspace_update(request, membership, annotation.article, selected_id)


@require_POST
def article_status(request, slug, article_id):
    """Mark the article ready for review (annotators) or back in progress."""
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
            {"article": article, "project": membership.project, "oob": False},
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

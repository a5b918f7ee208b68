"""What the workspace shows: the whole page's context, and after a write only what the
write changed (the text parts the span touches, its list item, the counts, the panel), so
that an htmx save on an article of 1,000 spans answers a few KB instead of the whole
text and list."""

from dataclasses import dataclass

from annotator.annotations.access import can_edit
from annotator.annotations.kinds import KINDS, links_from, links_to
from annotator.annotations.models import Annotation, Status
from annotator.annotations.queries import HistoryEntry, annotation_history
from annotator.annotations.text_parts import part_bounds, parts_html, parts_touched, text_parts
from annotator.events.models import Event
from annotator.projects.models import Role
from annotator.sources.queries import source_named_in
from annotator.workspace.forms import DetailForm
from annotator.workspace.queries import (
    SelectedRead,
    drawn_in_text,
    in_ranges,
    kind_counts,
    listed_after,
    selected_from,
    selected_read,
    visible_annotations,
    workspace_read,
)

UNDO_KEY = "undo-article-{}"
# The panel's list of link targets shows the nearest ones; its filter asks the server
# for the rest (views.link_targets), so a hedge's panel stays small on a long article.
LINK_CHOICES = 30
LIMITED_KINDS = {name for name, spec in KINDS.items() if spec.drawn_per_paragraph is not None}
WHO_KEY = "who-article-{}"
HIDE_SUGGESTIONS_KEY = "hide-suggestions"
SPAN_MOVES = [
    ("widen-start", "+ word at start"),
    ("narrow-start", "− word at start"),
    ("narrow-end", "− word at end"),
    ("widen-end", "+ word at end"),
]


@dataclass(frozen=True)
class Before:
    """An annotation as the page drew it before a write (kind None: it did not exist)."""

    pk: int
    kind: str | None = None
    start: int = 0
    end: int = 0
    status: str = ""

    @classmethod
    def of(cls, annotation: Annotation) -> "Before":
        return cls(
            annotation.pk, annotation.kind, annotation.start, annotation.end, annotation.status
        )


def only_mine(request, membership, article) -> bool:
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


def suggestions_hidden(request) -> bool:
    """The person's choice, for every article, until they change it."""
    if request.method == "GET" and request.GET.get("suggestions") in ("hide", "show"):
        request.session[HIDE_SUGGESTIONS_KEY] = request.GET["suggestions"] == "hide"
    return request.session.get(HIDE_SUGGESTIONS_KEY, False)


def _common(request, membership, article) -> dict:
    return {
        "project": membership.project,
        "membership": membership,
        "article": article,
        "kinds": list(KINDS.values()),
        "undo_available": UNDO_KEY.format(article.pk) in request.session,
    }


def page_context(request, membership, article, selected_id=None, form=None) -> dict:
    """The whole page (or its `update` partial): text, list, bars and panel."""
    mine = only_mine(request, membership, article)
    hidden = suggestions_hidden(request)
    data = workspace_read(article, only_user=request.user if mine else None, suggestions=not hidden)
    selected = None
    if selected_id in data.by_id:
        related = ("created_by", "cited_source", "event")
        selected = Annotation.objects.select_related(*related).filter(pk=selected_id).first()
    drawn = drawn_in_text(article.text, data.annotations, selected_id)
    parts = text_parts(article.text, drawn, selected_id)
    context = _common(request, membership, article) | {
        "text_html": parts_html(article.text, parts),
        "suggestions_hidden": hidden,
        "undrawn": len(data.annotations) - len(drawn),
        "only_mine": mine,
        "data": data,
        "annotations": data.annotations,
        "pending_suggestions": data.pending,
    }
    if selected is not None:
        context.update(detail_context(membership, selected, selected_from(data, selected), form))
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


def detail_context(membership, annotation, read: SelectedRead, form=None, history=None) -> dict:
    return {
        **_link_headings(annotation.kind),
        "selected": annotation,
        "selected_kind": KINDS.get(annotation.kind),
        "editable": can_edit(membership, annotation),
        "span_moves": SPAN_MOVES,
        "form": form or DetailForm.for_annotation(annotation, membership.project),
        "history": history or annotation_history(annotation, viewer=membership.user),
        "links_out": read.links_out,
        "links_in": read.links_in,
        "link_targets": read.link_targets,  # every one: pointing marks them all
        "link_choices": read.link_targets[:LINK_CHOICES],
        "link_choices_more": max(0, len(read.link_targets) - LINK_CHOICES),
        "events": Event.objects.filter(project=membership.project).order_by("title"),
        "dates_suggested": read.date_suggestions,
        # An attribution names its source in its own words ("according to Tasnim").
        "proposed_source": source_named_in(membership.project, annotation.quote)
        if "cited_source" in KINDS[annotation.kind].fields and not annotation.cited_source_id
        else None,
    }


def link_targets_matching(annotation, read: SelectedRead, query: str) -> list[Annotation]:
    """The link targets whose quote holds every word of `query`, nearest first."""
    words = query[:200].casefold().split()
    found = [a for a in read.link_targets if all(w in a.quote.casefold() for w in words)]
    return found[:LINK_CHOICES]


def involves_suggestions(touched: list[Before], after: dict) -> bool:
    """A change to an open suggestion also changes the suggestions bar's counts."""
    statuses = {b.status for b in touched} | {a.status for a in after.values()}
    return Status.SUGGESTED in statuses


def change_context(
    request,
    membership,
    article,
    selected_id,
    touched: list[Before],
    *,
    suggestions=False,
    made: Annotation | None = None,
) -> dict:
    """Only what the write changed: the text parts its spans touched (before and after)
    and the one selected now, their list items (replaced, deleted, inserted at their
    place), the counts, the panel; the suggestions bar when a write concerns open
    suggestions (or `suggestions`, e.g. a suggested time decided). `made`: the span this
    write made, as the service returned it; nothing links to it, no time is suggested
    for it and its history is its creation, so none of that is read (four queries fewer
    on the commonest save)."""
    mine = only_mine(request, membership, article)
    hidden = suggestions_hidden(request)
    visible = visible_annotations(article, request.user if mine else None, not hidden)
    ids = {b.pk for b in touched} | ({selected_id} if selected_id else set())
    related = ("created_by", "cited_source", "event")
    if made is not None and ids == {made.pk}:
        after = {made.pk: made}
    else:
        after = {a.pk: a for a in visible.filter(pk__in=ids).select_related(*related)}
    ranges = [(b.start, b.end) for b in touched if b.kind] + [
        (a.start, a.end) for a in after.values()
    ]
    # A decided (or new) suggestion of a kind drawn only a few per paragraph frees or takes
    # a place there: the whole paragraph is redrawn, so the next in line shows.
    ranges += [
        _line(article.text, start, end)
        for kind, status, start, end in [(b.kind, b.status, b.start, b.end) for b in touched]
        + [(a.kind, a.status, a.start, a.end) for a in after.values()]
        if status == Status.SUGGESTED and kind in LIMITED_KINDS
    ]
    context = _common(request, membership, article) | {
        "text_parts": _parts(article.text, visible, ranges, selected_id),
        **_list_changes(visible, touched, after),
    }
    if suggestions or involves_suggestions(touched, after):
        only_user = request.user if mine else None
        context |= suggestions_bar_context(article, only_user, hidden, selected_id)
        context["only_mine"] = mine
    selected = after.get(selected_id)
    if selected is not None:
        new = selected is made
        read = selected_read(selected, visible, suggestions=not hidden, new_span=new)
        made_now = [HistoryEntry("created", selected.created_at, request.user.get_username())]
        context.update(
            detail_context(membership, selected, read, history=made_now if new else None)
        )
    return context


def suggestions_bar_context(article, only_user, hidden: bool, selected_id) -> dict:
    """The suggestions bar's figures, read for it alone: the open suggestions per kind
    (hidden or not) and how many of them the text leaves to the list."""
    open_ones = visible_annotations(article, only_user).filter(status=Status.SUGGESTED)
    counts = kind_counts(open_ones)
    pending = {kind: counts[kind] for kind in KINDS if counts.get(kind)}
    dates = article.date_suggestions.count()
    if dates:
        pending["date"] = dates
    undrawn = 0
    if not hidden and any(pending.get(kind) for kind in LIMITED_KINDS):
        fields = ("pk", "kind", "start", "end", "status", "confidence")
        rivals = list(open_ones.filter(kind__in=LIMITED_KINDS).only(*fields))
        undrawn = len(rivals) - len(drawn_in_text(article.text, rivals, selected_id))
    return {
        "suggestions_bar": True,
        "suggestions_hidden": hidden,
        "pending_suggestions": pending,
        "undrawn": undrawn,
    }


def _parts(text: str, visible, ranges, selected_id):
    """The touched parts, with the annotations that overlap them. The text draws only a
    few suggestions of some kinds per paragraph: when such suggestions are there, their
    rivals in the same paragraphs are read too, so the same ones are drawn as on the page."""
    touched = parts_touched(text, ranges)
    bounds = [part_bounds(text)[index] for index in touched]
    annotations = in_ranges(visible, bounds) if bounds else []
    if any(a.status == Status.SUGGESTED and a.kind in LIMITED_KINDS for a in annotations):
        lines = [_line(text, start, end) for start, end in bounds]
        suggested = visible.filter(status=Status.SUGGESTED, kind__in=LIMITED_KINDS)
        rivals = in_ranges(suggested, lines)
        annotations = list({a.pk: a for a in annotations + rivals}.values())
    return text_parts(text, drawn_in_text(text, annotations, selected_id), selected_id, touched)


def _line(text: str, start: int, end: int) -> tuple[int, int]:
    """The paragraph (line of the text) around [start, end)."""
    line_end = text.find("\n", end)
    return text.rfind("\n", 0, start) + 1, len(text) if line_end == -1 else line_end


def _list_changes(visible, touched: list[Before], after: dict) -> dict:
    """How the list changes. A kind's group left with one item or none is redrawn whole
    (it is that small, and its "None yet." comes and goes); elsewhere items are replaced
    in place, deleted, or inserted after the item that precedes them in text order."""
    counts = kind_counts(visible)
    kinds = {b.kind for b in touched if b.kind} | {
        after[b.pk].kind for b in touched if b.pk in after
    }
    redrawn = [kind for kind in KINDS if kind in kinds and counts.get(kind, 0) <= 1]
    deleted, replaced, inserted = [], [], []
    for before in touched:
        now = after.get(before.pk)
        same_place = now and (before.kind, before.start, before.end) == (
            now.kind,
            now.start,
            now.end,
        )
        if same_place and now.kind not in redrawn:
            replaced.append(now)
            continue
        if before.kind and before.kind not in redrawn:
            deleted.append(before.pk)
        if now and now.kind not in redrawn:
            inserted.append((now, listed_after(visible, now)))
    groups = [(KINDS[kind], list(visible.filter(kind=kind))) for kind in redrawn]
    return {
        "total": sum(counts.values()),
        "kind_counts": [(kind, counts.get(kind, 0)) for kind in kinds if kind in KINDS],
        "items_deleted": deleted,
        "items_replaced": replaced,
        "items_inserted": inserted,
        "groups_redrawn": groups,
    }

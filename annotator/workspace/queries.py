"""What the workspace shows of an article, in a fixed number of queries whatever its size."""

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q

from annotator.annotations.kinds import KINDS, KindSpec, links_from
from annotator.annotations.models import Annotation, Link, Status


@dataclass(slots=True)
class Listed:
    """An annotation as the text, the list and the link lists draw it, read as a row: on
    500 spans, model instances (even with .only()) cost more than the rest of the read.
    The panel reads its one annotation in full (answers.page_context)."""

    pk: int
    kind: str
    start: int
    end: int
    quote: str
    status: str
    confidence: float | None
    created_by_id: int | None

    def get_kind_display(self) -> str:
        return KINDS[self.kind].label if self.kind in KINDS else self.kind

    def get_status_display(self) -> str:
        return Status(self.status).label  # the database allows only these


@dataclass
class KindGroup:
    """The annotations of one kind, as the list shows them."""

    spec: KindSpec
    annotations: list[Listed]


@dataclass
class WorkspaceData:
    annotations: list[Listed]  # in text order
    by_id: dict[int, Listed]
    groups: list[KindGroup]  # one per kind of the registry, in its order
    links_out: dict[int, list[Link]]  # annotation id → its links (link.target loaded)
    links_in: dict[int, list[Link]]  # annotation id → links to it (link.source loaded)
    # Suggested claimed times (annotator.suggestions), claim id → suggestions, read through
    # the reverse relation: the suggestions app builds on this one, not the other way.
    date_suggestions: dict[int, list]
    pending: dict[str, int]  # open suggestions per kind ("date" for claimed times)


LISTED_FIELDS = ("kind", "start", "end", "quote", "status", "confidence", "created_by_id")


def workspace_read(article, only_user=None, suggestions=True) -> WorkspaceData:
    """All annotations of an article in text order (or only `only_user`'s and the open
    suggestions; none of those when not `suggestions`), their links indexed both ways, the
    suggested claim times and how many suggestions are open (hidden or not)."""
    annotations = Annotation.objects.filter(article=article)
    if only_user is not None:
        annotations = annotations.filter(Q(created_by=only_user) | Q(status=Status.SUGGESTED))
    # Only what the text, the list and the link lists draw: on 1,000 spans the rest (notes,
    # times, authors) costs more to load than the page takes to draw.
    rows = annotations.values_list("pk", *LISTED_FIELDS).order_by("start", "-end", "pk")
    annotations = [Listed(*row) for row in rows]
    by_id = {a.pk: a for a in annotations}
    links_out, links_in = defaultdict(list), defaultdict(list)
    for link in Link.objects.filter(from_annotation__article=article).order_by("pk"):
        link.source, link.target = (
            by_id.get(link.from_annotation_id),
            by_id.get(link.to_annotation_id),
        )
        links_out[link.from_annotation_id].append(link)
        links_in[link.to_annotation_id].append(link)
    of_kind = defaultdict(list)
    pending = defaultdict(int)
    for annotation in annotations:
        of_kind[annotation.kind].append(annotation)
        if annotation.status == Status.SUGGESTED:
            pending[annotation.kind] += 1
    dates_of = defaultdict(list)
    for date in article.date_suggestions.order_by("start"):
        dates_of[date.claim_id].append(date)
    if dates_of:
        pending["date"] = sum(len(dates) for dates in dates_of.values())
    if not suggestions:
        annotations = [a for a in annotations if a.status != Status.SUGGESTED]
        by_id, dates_of = {a.pk: a for a in annotations}, {}
        of_kind = {kind: [a for a in items if a.pk in by_id] for kind, items in of_kind.items()}
    return WorkspaceData(
        annotations=annotations,
        by_id=by_id,
        groups=[KindGroup(spec, of_kind.get(name, [])) for name, spec in KINDS.items()],
        links_out=dict(links_out),
        links_in=dict(links_in),
        date_suggestions=dict(dates_of),
        pending=dict(pending),
    )


def drawn_in_text(text: str, annotations: list[Annotation], selected_id=None) -> list:
    """What the text draws: people's annotations and open suggestions, but of a kind with
    `drawn_per_paragraph` only that many suggestions per paragraph, the most confident
    first (the rest wait in the list); the selected annotation always."""
    paragraph_starts = [0] + [match.end() for match in re.finditer("\n", text)]
    drawn, per_paragraph = [], defaultdict(int)
    ranked = sorted(annotations, key=lambda a: (-(a.confidence or 0), a.start, a.pk))
    for annotation in ranked:
        limit = KINDS[annotation.kind].drawn_per_paragraph if annotation.kind in KINDS else None
        if annotation.status == Status.SUGGESTED and limit is not None:
            paragraph = bisect.bisect_right(paragraph_starts, annotation.start)
            per_paragraph[annotation.kind, paragraph] += 1
            if per_paragraph[annotation.kind, paragraph] > limit and annotation.pk != selected_id:
                continue
        drawn.append(annotation)
    return sorted(drawn, key=lambda a: (a.start, -a.end, a.pk))


def link_targets(
    annotation: Annotation, annotations: list[Annotation], links: list[Link] = ()
) -> list[Annotation]:
    """The annotations this one may link to (kinds.LINKS), as the detail panel offers them:
    one per passage (its author's own, else another person's, else an open suggestion, so a
    suggestion is never offered beside its twin), none of a passage already linked (`links`,
    this one's), the nearest to it first."""
    kinds = {link.target for link in links_from(annotation.kind)}
    linked = {link.to_annotation_id for link in links}
    passages = defaultdict(list)
    for other in annotations:
        if other.kind in kinds and other.pk != annotation.pk:
            passages[other.kind, other.start, other.end].append(other)

    def preference(other):
        return (other.status == Status.SUGGESTED, other.created_by_id != annotation.created_by_id)

    offered = [
        min(twins, key=preference)
        for twins in passages.values()
        if not any(twin.pk in linked for twin in twins)
    ]
    return sorted(offered, key=lambda other: (_distance(annotation, other), other.start, other.pk))


def _distance(one: Annotation, other: Annotation) -> int:
    """Characters between two spans (0 when they touch or overlap)."""
    return max(other.start - one.end, one.start - other.end, 0)


def next_suggestion(article, after: int) -> int | None:
    """The next open suggestion in text order, so y / n walk through them."""
    following = Annotation.objects.filter(article=article, status=Status.SUGGESTED)
    nxt = following.filter(start__gte=after).order_by("start", "pk").first()
    return (nxt or following.order_by("start", "pk").first() or Annotation()).pk


# --- what one change redraws (the htmx answer to a write) ---------------------------


def visible_annotations(article, only_user=None, suggestions=True):
    """The article's annotations the person sees: as workspace_read, as a QuerySet."""
    annotations = Annotation.objects.filter(article=article)
    if only_user is not None:
        annotations = annotations.filter(Q(created_by=only_user) | Q(status=Status.SUGGESTED))
    if not suggestions:
        annotations = annotations.exclude(status=Status.SUGGESTED)
    return annotations


@dataclass
class SelectedRead:
    """What the detail panel shows of one annotation besides the annotation itself."""

    links_out: list[Link]  # link.target loaded
    links_in: list[Link]  # link.source loaded
    link_targets: list[Annotation]
    date_suggestions: list


def selected_from(data: WorkspaceData, annotation: Annotation) -> SelectedRead:
    """The panel's reads from the whole page's data: no query."""
    return SelectedRead(
        links_out=data.links_out.get(annotation.pk, []),
        links_in=data.links_in.get(annotation.pk, []),
        link_targets=link_targets(
            annotation, data.annotations, data.links_out.get(annotation.pk, [])
        ),
        date_suggestions=data.date_suggestions.get(annotation.pk, []),
    )


def selected_read(
    annotation: Annotation, visible, suggestions=True, new_span=False
) -> SelectedRead:
    """The panel's reads for one annotation alone, in at most three queries whatever the
    article's size (`visible`: visible_annotations()); one for a span just made
    (`new_span`: it has no links and no suggested times yet)."""
    links_out, links_in = [], []
    links = Link.objects.filter(Q(from_annotation=annotation) | Q(to_annotation=annotation))
    ends = ("from_annotation", "to_annotation")
    for link in [] if new_span else links.select_related(*ends).order_by("pk"):
        link.source, link.target = link.from_annotation, link.to_annotation
        (links_out if link.from_annotation_id == annotation.pk else links_in).append(link)
    kinds = [link.target for link in links_from(annotation.kind)]
    candidates = visible.filter(kind__in=kinds).order_by("start", "-end", "pk") if kinds else []
    targets = link_targets(annotation, list(candidates), links_out)
    # The suggestions app's suggested times, through the reverse relation.
    dates = annotation.date_suggestions.order_by("start") if suggestions and not new_span else []
    return SelectedRead(list(links_out), list(links_in), list(targets), list(dates))


def in_ranges(visible, ranges):
    """The visible annotations overlapping any [start, end) of `ranges`, in text order,
    with what the text draws of them."""
    overlap = Q(pk__in=[])
    for start, end in ranges:
        overlap |= Q(start__lt=max(end, start + 1), end__gt=start)
    return list(visible.filter(overlap).only(*LISTED_FIELDS).order_by("start", "-end", "pk"))


def kind_counts(visible) -> dict[str, int]:
    """How many visible annotations of each kind (kinds without any left out)."""
    rows = visible.order_by().values_list("kind").annotate(n=Count("pk"))
    return dict(rows)


def listed_after(visible, annotation: Annotation) -> int | None:
    """The annotation the list shows just before this one in its kind's group (text
    order), or None when it comes first."""
    before = (
        Q(start__lt=annotation.start)
        | Q(start=annotation.start, end__gt=annotation.end)
        | Q(start=annotation.start, end=annotation.end, pk__lt=annotation.pk)
    )
    earlier = visible.filter(before, kind=annotation.kind).order_by("-start", "end", "-pk")
    return earlier.values_list("pk", flat=True).first()

"""Reads for the review pages, each in a fixed number of queries."""

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from annotator.annotations.kinds import KINDS, LINKS
from annotator.annotations.models import Annotation, AnnotationEvent, Link, Status
from annotator.articles.models import Article, ArticleStatus
from annotator.review import agreement
from annotator.review.models import Assignment
from annotator.sources.models import Source

User = get_user_model()

# Annotations a reviewer decides on: everything people made, not open suggestions.
REVIEWABLE = ~Q(status=Status.SUGGESTED)


class Span(NamedTuple):
    start: int
    end: int
    kind: str


def review_queue(project, *, status=ArticleStatus.READY, annotator=None, outlet=None):
    """The project's articles with `status`, oldest first (by when they were added), with
    their annotators, decision counts and assignees (prefetched: one more query)."""
    rows = Article.objects.filter(project=project, status=status)
    if annotator is not None:
        rows = rows.filter(
            Q(pk__in=Annotation.objects.filter(REVIEWABLE, created_by=annotator).values("article"))
            | Q(pk__in=Assignment.objects.filter(user=annotator).values("article"))
        )
    if outlet is not None:
        rows = rows.filter(outlet=outlet)
    names = (
        Annotation.objects.filter(REVIEWABLE, article=OuterRef("pk"), created_by__isnull=False)
        .order_by()
        .values("article")
        .annotate(
            names=ArrayAgg("created_by__username", distinct=True, order_by="created_by__username")
        )
        .values("names")
    )
    counts = {
        f"{name}_count": Coalesce(
            Subquery(
                Annotation.objects.filter(article=OuterRef("pk"), status=name)
                .order_by()
                .values("article")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=models.IntegerField(),
            ),
            0,
        )
        for name in (Status.DRAFT, Status.APPROVED, Status.REJECTED)
    }
    return (
        rows.select_related("outlet")
        .defer("text", "outlet__affiliation_note")
        .annotate(annotators=Subquery(names, output_field=ArrayField(models.CharField())), **counts)
        .prefetch_related(
            Prefetch("assignments", queryset=Assignment.objects.select_related("user"))
        )
        .order_by("created_at", "pk")
    )


def queue_next(article):
    """The next article waiting for review after `article`, or None."""
    return (
        Article.objects.filter(project_id=article.project_id, status=ArticleStatus.READY)
        .exclude(pk=article.pk)
        .filter(
            Q(created_at__gt=article.created_at)
            | Q(created_at=article.created_at, pk__gt=article.pk)
        )
        .order_by("created_at", "pk")
        .only("pk", "title")
        .first()
    ) or (
        Article.objects.filter(project_id=article.project_id, status=ArticleStatus.READY)
        .exclude(pk=article.pk)
        .order_by("created_at", "pk")
        .only("pk", "title")
        .first()
    )


@dataclass
class Column:
    """One annotator's column in the side-by-side view."""

    key: int  # user id, 0 for spans whose author was deleted
    name: str


@dataclass
class Row:
    """Overlapping spans of one kind: each annotator's version side by side."""

    kind: str
    cells: list  # one list of annotations per column
    agreed: bool  # every annotator marked exactly this span
    representative: Annotation

    @property
    def open(self) -> bool:
        return any(a.status == Status.DRAFT for cell in self.cells for a in cell)


@dataclass
class ReviewData:
    annotations: list
    columns: list
    rows: list
    pairs: list = field(default_factory=list)  # (Column, Column, PairCounts)
    counts: dict = field(default_factory=dict)
    facts: dict = field(default_factory=dict)  # annotation id -> ItemFacts

    @property
    def several(self) -> bool:
        return len(self.columns) > 1

    @property
    def agreed_open(self) -> list:
        return [row for row in self.rows if row.agreed and row.open]


@dataclass(frozen=True)
class LinkFact:
    label: str  # "attributes", "qualified by" …
    quote: str
    other_id: int


@dataclass(frozen=True)
class ItemFacts:
    """What the export will carry of an annotation besides its span and status."""

    cited_grade: str | None  # the cited source's current grade
    links_out: list[LinkFact]
    links_in: list[LinkFact]


def review_data(article) -> ReviewData:
    """An article's review items in text order, grouped for the side-by-side view, with
    what the export will carry of each (event, time, cited source and its grade, hedge type,
    links both ways, note), and the agreement between its annotators. Three queries."""
    annotations = list(
        Annotation.objects.filter(REVIEWABLE, article=article)
        .select_related("created_by", "reviewed_by", "event", "cited_source")
        .order_by("start", "-end", "pk")
    )
    names = {a.created_by_id or 0: _author(a) for a in annotations}
    columns = [Column(key, name) for key, name in sorted(names.items(), key=lambda kv: kv[1])]
    rows = []
    for group in agreement.span_groups(annotations):
        cells = [[a for a in group if (a.created_by_id or 0) == c.key] for c in columns]
        agreed = len(columns) > 1 and all(
            len(cell) == 1 and (cell[0].start, cell[0].end) == (group[0].start, group[0].end)
            for cell in cells
        )
        rows.append(Row(group[0].kind, cells, agreed, group[0]))
    by_column = defaultdict(list)
    for a in annotations:
        by_column[a.created_by_id or 0].append(a)
    pairs = [
        (x, y, agreement.compare(by_column[x.key], by_column[y.key]))
        for x, y in combinations(columns, 2)
    ]
    counts = {name: 0 for name in (Status.DRAFT, Status.APPROVED, Status.REJECTED)}
    for a in annotations:
        counts[a.status] += 1
    return ReviewData(annotations, columns, rows, pairs, counts, _facts(article, annotations))


def _facts(article, annotations) -> dict[int, ItemFacts]:
    by_id = {a.pk: a for a in annotations}
    out, into = defaultdict(list), defaultdict(list)
    for kind, from_id, to_id in Link.objects.filter(from_annotation__article=article).values_list(
        "kind", "from_annotation_id", "to_annotation_id"
    ):
        if from_id in by_id and to_id in by_id:
            spec = LINKS.get(kind)
            label = spec.label if spec else kind
            out[from_id].append(LinkFact(label, by_id[to_id].quote, to_id))
            passive = f"{spec.passive} by" if spec and spec.passive else f"{label} from"
            into[to_id].append(LinkFact(passive, by_id[from_id].quote, from_id))
    cited = {a.cited_source_id for a in annotations if a.cited_source_id}
    grades = dict(
        Source.objects.filter(pk__in=cited).with_current_grade().values_list("pk", "current_grade")
    )
    return {
        a.pk: ItemFacts(grades.get(a.cited_source_id), out.get(a.pk, []), into.get(a.pk, []))
        for a in annotations
    }


def _author(annotation) -> str:
    return annotation.created_by.get_username() if annotation.created_by else "(deleted user)"


def review_decisions(article, limit: int = 30) -> list[dict]:
    """Every approve/reject on the article's annotations, newest first, from the history:
    who, when, what (also for annotations deleted since). Two queries."""
    events = AnnotationEvent.objects.filter(
        article_id=article.pk, reviewed_at__isnull=False
    ).order_by("pgh_id")
    decisions, seen = [], set()
    for event in events.only(
        "pgh_obj_id", "reviewed_at", "reviewed_by_id", "status", "review_comment", "kind", "quote"
    ):
        key = (event.pgh_obj_id, event.reviewed_at)
        if key not in seen:  # later edits of a decided span repeat its reviewed_at
            seen.add(key)
            decisions.append(event)
    decisions = decisions[::-1][:limit]
    names = dict(
        User.objects.filter(pk__in={d.reviewed_by_id for d in decisions}).values_list(
            "pk", "username"
        )
    )
    return [
        {
            "annotation_id": d.pgh_obj_id,
            "who": names.get(d.reviewed_by_id, "(deleted user)"),
            "when": d.reviewed_at,
            "what": d.status,
            "comment": d.review_comment,
            "kind": d.kind,
            "quote": d.quote,
        }
        for d in decisions
    ]


@dataclass
class ProjectAgreement:
    result: agreement.Agreement
    articles: list  # (article dict, annotator names, PairCounts summed over its pairs)


def project_agreement(project, article_limit: int = 200) -> ProjectAgreement:
    """Agreement over every article that two or more people annotated. Three queries."""
    shared = (
        Annotation.objects.filter(REVIEWABLE, article__project=project, created_by__isnull=False)
        .values("article")
        .annotate(people=Count("created_by", distinct=True))
        .filter(people__gte=2)
        .values("article")
    )
    spans = defaultdict(lambda: defaultdict(list))
    for article_id, name, start, end, kind in (
        Annotation.objects.filter(REVIEWABLE, article__in=shared, created_by__isnull=False)
        .order_by()
        .values_list("article_id", "created_by__username", "start", "end", "kind")
    ):
        spans[article_id][name].append(Span(start, end, kind))
    result = agreement.agreement(spans, list(KINDS))
    info = {
        a["pk"]: a
        for a in Article.objects.filter(pk__in=list(spans)[:article_limit]).values(
            "pk", "title", "status", "created_at"
        )
    }
    per_article = []
    for row in info.values():
        row["status_label"] = ArticleStatus(row["status"]).label
    for article_id in sorted(info, key=lambda pk: (info[pk]["created_at"], pk)):
        by_annotator = spans[article_id]
        total = agreement.PairCounts()
        for a, b in combinations(sorted(by_annotator), 2):
            total = total.add(agreement.compare(by_annotator[a], by_annotator[b]))
        per_article.append((info[article_id], sorted(by_annotator), total))
    return ProjectAgreement(result, per_article)

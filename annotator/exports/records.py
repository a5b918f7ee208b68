"""Read a project's articles as canonical dataset records (one dict per article, the
JSONL line of schema 1.x), in chunks, so memory stays flat however large the project.

Articles come from a server-side cursor (QuerySet.iterator); for each chunk of
articles a fixed number of queries fetch their spans, links, events and sources as
plain tuples (no model instances: they cost time at 100,000 spans).
Every format writer in formats.py consumes these records.
"""

import contextlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from itertools import islice

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q

from annotator.annotations.models import Annotation, Link, Status
from annotator.articles.models import Article, ArticleStatus
from annotator.events.models import ClaimRelation, Event
from annotator.projects.models import Project
from annotator.sources.models import ReliabilityAssessment, Source

SCHEMA_VERSION = "1.0"
CHUNK_SIZE = 1000

SPAN_FIELDS = (
    "id",
    "article_id",
    "kind",
    "start",
    "end",
    "quote",
    "status",
    "created_by__username",
    "reviewed_by__username",
    "reviewed_at",
    "review_comment",
    "note",
    "event_id",
    "claimed_at",
    "claimed_precision",
    "credibility",
    "cited_source_id",
    "hedge_type",
)
ARTICLE_FIELDS = (
    "id",
    "title",
    "url",
    "language",
    "published_at",
    "published_precision",
    "status",
    "outlet_id",
    "text",
    "text_sha256",
)


@dataclass(frozen=True)
class Selection:
    """Which annotations go into an export: approved only (the default) or all, with status."""

    project: Project
    include_all: bool = False

    @property
    def statuses(self) -> list[str]:
        return list(Status.values) if self.include_all else [Status.APPROVED]

    def articles(self):
        """Approved only: articles with an approved span, and reviewed articles (a reviewed
        article without approved spans is a true negative). Include all: every article."""
        articles = Article.objects.filter(project=self.project)
        if self.include_all:
            return articles
        approved = Annotation.objects.filter(article=OuterRef("pk"), status=Status.APPROVED)
        return articles.filter(Q(status=ArticleStatus.REVIEWED) | Exists(approved))

    def spans(self):
        return Annotation.objects.filter(
            article__in=self.articles(), status__in=self.statuses
        ).order_by()

    def counts(self) -> dict:
        """Numbers for progress and the dataset card (a few aggregate queries)."""
        spans = self.spans()
        by_kind_status = {
            (row["kind"], row["status"]): row["n"]
            for row in spans.values("kind", "status").annotate(n=Count("id"))
        }
        links = Link.objects.filter(
            from_annotation__in=spans, to_annotation__status__in=self.statuses
        ).count()
        relations = ClaimRelation.objects.filter(
            claim_a__in=spans, claim_b__status__in=self.statuses
        ).count()
        return {
            "articles": self.articles().count(),
            "spans": sum(by_kind_status.values()),
            "links": links,
            "relations": relations,
            "by_kind_status": by_kind_status,
            "annotators": _people(spans, "created_by__username"),
            "reviewers": _people(spans.exclude(reviewed_by=None), "reviewed_by__username"),
        }


def _people(spans, field: str) -> list[tuple[str, int]]:
    rows = spans.values(field).annotate(n=Count("id")).order_by("-n", field)
    return [(row[field] or "(deleted user)", row["n"]) for row in rows]


@contextlib.contextmanager
def snapshot():
    """One consistent view of the data for a whole export (several passes, counts):
    a read-only REPEATABLE READ transaction, unless the caller already has one."""
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def article_records(selection: Selection, chunk_size: int = CHUNK_SIZE) -> Iterator[dict]:
    rows = selection.articles().order_by("pk").values_list(*ARTICLE_FIELDS).iterator(chunk_size)
    while chunk := list(islice(rows, chunk_size)):
        yield from _records_for_chunk(selection, chunk)


def _records_for_chunk(selection: Selection, articles: list[tuple]) -> Iterator[dict]:
    ids = [row[0] for row in articles]
    spans_by_article = defaultdict(list)
    for row in (
        Annotation.objects.filter(article_id__in=ids, status__in=selection.statuses)
        .order_by("article_id", "start", "-end", "pk")
        .values_list(*SPAN_FIELDS)
    ):
        spans_by_article[row[1]].append(dict(zip(SPAN_FIELDS, row, strict=True)))
    span_ids = {span["id"] for spans in spans_by_article.values() for span in spans}
    links_by_article = defaultdict(list)
    for link_id, kind, from_id, to_id, article_id in _links(ids):
        if from_id in span_ids and to_id in span_ids:
            links_by_article[article_id].append(
                {"id": link_id, "kind": kind, "from": from_id, "to": to_id}
            )
    relations_by_article = _relations(ids, span_ids, selection.statuses)
    source_ids = {row[7] for row in articles if row[7]} | {
        span["cited_source_id"]
        for spans in spans_by_article.values()
        for span in spans
        if span["cited_source_id"]
    }
    sources = _sources(source_ids)
    events = _events(
        {span["event_id"] for spans in spans_by_article.values() for span in spans} - {None}
    )
    for row in articles:
        article = dict(zip(ARTICLE_FIELDS, row, strict=True))
        yield _record(
            article,
            spans_by_article.get(article["id"], []),
            links_by_article.get(article["id"], []),
            relations_by_article.get(article["id"], []),
            events,
            sources,
        )


def _relations(article_ids, span_ids: set[int], statuses: list[str]) -> dict[int, list[dict]]:
    """Claim relations (same assertion / contradicts) touching these articles' spans, listed
    on the line of each end's article, the other end named by article and span id. Both
    ends must be exported (a relation to a left-out claim is left out)."""
    rows = {}
    for end in ("claim_a", "claim_b"):  # two index-friendly queries rather than one OR
        for row in ClaimRelation.objects.filter(
            **{f"{end}__article_id__in": article_ids},
            claim_a__status__in=statuses,
            claim_b__status__in=statuses,
        ).values_list(*RELATION_FIELDS):
            rows[row[0]] = row
    by_article = defaultdict(list)
    for row in rows.values():
        rel_id, kind, note, a, a_article, a_start, b, b_article, b_start, differences = row
        ends = [
            (a, a_article, b, b_article, b_start, _facts(differences, flip=False)),
            (b, b_article, a, a_article, a_start, _facts(differences, flip=True)),
        ]
        for claim, article, other, other_article, other_start, facts in ends:
            if claim in span_ids:
                by_article[article].append(
                    {
                        "id": rel_id,
                        "kind": kind,
                        "note": note,
                        "claim": claim,
                        "other_article": other_article,
                        "other_claim": other,
                        "differences": facts,
                        "_order": (other_article, other_start, other),
                    }
                )
    return by_article


def _facts(differences, flip: bool) -> list[dict]:
    """The relation's differences as the line's `claim` sees them: "a" is what `claim`
    says, "b" what `other_claim` says (stored, "a" is the smaller id's). Entries not of
    the form {facet, a, b} with strings are left out."""
    facts = [
        d
        for d in (differences if isinstance(differences, list) else [])
        if isinstance(d, dict) and all(isinstance(d.get(k), str) for k in ("facet", "a", "b"))
    ]
    if flip:
        return [{"facet": d["facet"], "a": d["b"], "b": d["a"]} for d in facts]
    return [{"facet": d["facet"], "a": d["a"], "b": d["b"]} for d in facts]


RELATION_FIELDS = (
    "id",
    "kind",
    "note",
    "claim_a_id",
    "claim_a__article_id",
    "claim_a__start",
    "claim_b_id",
    "claim_b__article_id",
    "claim_b__start",
    "differences",
)


def _links(article_ids: list[int]) -> list[tuple]:
    return list(
        Link.objects.filter(from_annotation__article_id__in=article_ids)
        .order_by("pk")
        .values_list(
            "id", "kind", "from_annotation_id", "to_annotation_id", "from_annotation__article_id"
        )
    )


def _sources(ids: set[int]) -> dict[int, dict]:
    if not ids:
        return {}
    assessments = defaultdict(list)
    for source_id, grade, rationale, assessed_at, by in (
        ReliabilityAssessment.objects.filter(source_id__in=ids)
        .order_by("source_id", "assessed_at", "pk")
        .values_list("source_id", "grade", "rationale", "assessed_at", "assessed_by__username")
    ):
        assessments[source_id].append(
            {
                "grade": grade,
                "rationale": rationale,
                "assessed_at": iso(assessed_at),
                "assessed_by": by,
            }
        )
    sources = {}
    # Schema 1.x calls a source's aliases `other_names`.
    for source in Source.objects.filter(id__in=ids).values(
        "id",
        "name",
        "kind",
        "country",
        "language",
        "domain",
        "affiliation_note",
        other_names=F("aliases"),
    ):
        history = assessments.get(source["id"], [])
        current = history[-1] if history else None
        sources[source["id"]] = {
            **source,
            "grade": current["grade"] if current else None,
            "graded_at": current["assessed_at"] if current else None,
            "assessments": history,
        }
    return sources


def _events(ids: set[int]) -> dict[int, dict]:
    if not ids:
        return {}
    return {
        event["id"]: {
            **event,
            "start_date": event["start_date"].isoformat() if event["start_date"] else None,
            "end_date": event["end_date"].isoformat() if event["end_date"] else None,
        }
        for event in Event.objects.filter(id__in=ids).values(
            "id", "title", "description", "place", "start_date", "end_date"
        )
    }


def source_ref(source: dict | None) -> dict | None:
    if source is None:
        return None
    return {"id": source["id"], "name": source["name"], "grade": source["grade"]}


def _record(article, spans, links, relations, events, sources) -> dict:
    used_sources = {article["outlet_id"]} | {s["cited_source_id"] for s in spans}
    claims_by_event = defaultdict(list)
    for span in spans:
        if span["event_id"]:
            claims_by_event[span["event_id"]].append(span["id"])
    article_events = sorted(
        (events[event_id] | {"claims": claims} for event_id, claims in claims_by_event.items()),
        key=lambda e: (e["start_date"] is None, e["start_date"] or "", e["title"], e["id"]),
    )
    return {
        "schema_version": SCHEMA_VERSION,
        "id": article["id"],
        "title": article["title"],
        "url": article["url"],
        "language": article["language"],
        "published_at": iso(article["published_at"]),
        "published_precision": article["published_precision"] or None,
        "status": article["status"],
        "outlet": source_ref(sources.get(article["outlet_id"])),
        "text": article["text"],
        "text_sha256": article["text_sha256"],
        "offset_unit": "codepoint",
        "spans": [_span(span, sources) for span in spans],
        "links": links,
        "relations": _ordered_relations(relations, spans),
        "events": article_events,
        "sources": sorted(
            (sources[i] for i in used_sources if i in sources), key=lambda s: s["name"]
        ),
    }


def _ordered_relations(relations: list[dict], spans: list[dict]) -> list[dict]:
    """In text order of this article's claim, then of the other claim: the order does not
    depend on ids, so an export of an imported copy lists them the same way."""
    position = {span["id"]: i for i, span in enumerate(spans)}
    relations = sorted(relations, key=lambda r: (position[r["claim"]], r["_order"], r["kind"]))
    return [{k: v for k, v in r.items() if k != "_order"} for r in relations]


def _span(span: dict, sources: dict) -> dict:
    return {
        "id": span["id"],
        "kind": span["kind"],
        "start": span["start"],
        "end": span["end"],
        "quote": span["quote"],
        "attributes": {
            "event": span["event_id"],
            "claimed_at": iso(span["claimed_at"]),
            "claimed_precision": span["claimed_precision"] or None,
            "credibility": span["credibility"],
            "cited_source": source_ref(sources.get(span["cited_source_id"])),
            "hedge_type": span["hedge_type"] or None,
        },
        "status": span["status"],
        "annotator": span["created_by__username"],
        "reviewer": span["reviewed_by__username"],
        "reviewed_at": iso(span["reviewed_at"]),
        "review_comment": span["review_comment"],
        "note": span["note"],
    }


def iso(value) -> str | None:
    """ISO 8601 in UTC with a Z, or None."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")

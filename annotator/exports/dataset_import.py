"""Import of a dataset into a project: our JSONL (schema 1.x) and doccano's JSONL.

Lines are read BATCH_LINES at a time (the file streams). Each line is checked in Python
first (everything that needs no database); a line that fails any check stores nothing and
is reported with its line number; the good lines of the batch go in together, in one
transaction with a few INSERTs (articles_bulk_create, annotations_bulk_create; the history
records each row, with the importing user). A batch the database refuses (a constraint,
a race) goes again one line per transaction through the one-span services, so that the
report still names the line. Sources are matched by name, events by
their exported id within the file (or an existing event with the same title, place
and dates), people by username among the project's members (anyone else's work is credited
to the importing user, with one warning that does not tell whether such a user exists).
The suggesters do not run on imported articles: a dataset comes back as it left.
"""

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import pghistory
from django.db import DataError, IntegrityError, transaction

from annotator.annotations.kinds import KINDS
from annotator.annotations.models import Annotation
from annotator.annotations.services import (
    ArticleSpans,
    NewLink,
    NewSpan,
    SpanError,
    annotation_create,
    annotation_update,
    annotations_bulk_create,
    article_status_after,
    link_create,
    span_set_problem,
)
from annotator.articles.models import Article
from annotator.articles.services import ArticleError, article_create, articles_bulk_create
from annotator.datetimes import datetime_problem
from annotator.events.models import Event
from annotator.events.services import EventError, claim_relation_create, event_create
from annotator.exports.card import schema
from annotator.exports.dataset_lines import LineError, parse_doccano, parse_ours
from annotator.projects.models import Membership
from annotator.sources.models import Source
from annotator.sources.services import SourceError, assessment_create, source_create
from annotator.storable import first_unstorable

MAX_ERRORS_SHOWN = 200
MAX_NAMES_SHOWN = 10
PROGRESS_EVERY = 100
BATCH_LINES = 500  # lines read, checked and written together


@dataclass
class ImportReport:
    lines: int = 0
    articles: int = 0
    spans: int = 0
    links: int = 0
    relations: int = 0
    sources: int = 0
    events: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        """For JSON storage (a background import keeps its report)."""
        return {
            "summary": self.summary(),
            "errors": self.errors[:MAX_ERRORS_SHOWN],
            "error_count": len(self.errors),
            "skipped": self.skipped[:MAX_ERRORS_SHOWN],
            "warnings": self.warnings,
        }

    def summary(self) -> str:
        return (
            f"{_n(self.articles, 'article')}, {_n(self.spans, 'annotation')} and "
            f"{_n(self.links, 'link')} imported ({_n(self.relations, 'claim relation')}, "
            f"{_n(self.sources, 'new source')}, {_n(self.events, 'new event')}); "
            f"{_n(len(self.skipped), 'line')} skipped, "
            f"{_n(len(self.errors), 'line')} with errors."
        )


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def dataset_import(
    *,
    project,
    lines: Iterable[bytes | str],
    user,
    doccano_offsets: str = "utf16",
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import JSONL lines into `project`. `doccano_offsets` says how doccano counted:
    "utf16" (doccano's browser counts UTF-16 units) or "codepoint". `on_progress` is
    called with the number of lines read, every PROGRESS_EVERY lines. Reads BATCH_LINES
    lines at a time (memory stays flat in the file's size) and writes each batch in bulk."""
    importer = _Importer(project, user, doccano_offsets)
    batch = []
    for number, raw in enumerate(lines, start=1):
        importer.report.lines = number
        if on_progress and number % PROGRESS_EVERY == 0:
            on_progress(number)
        batch.append((number, raw))
        if len(batch) == BATCH_LINES:
            importer.batch(batch)
            batch = []
    importer.batch(batch)
    if importer.strangers:
        importer.report.warnings.append(importer.strangers_warning())
    if importer.pending:
        importer.report.warnings.append(
            f"{len(importer.pending)} claim relations were not imported: their other claim "
            "is not in the file or its line failed."
        )
    return importer.report


UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")  # \u0000, \ud800-\udfff


def _read(raw: bytes | str, number: int) -> dict | None:
    """The line's JSON object; None for a blank line."""
    line = _decode(raw, number)
    if not line.strip():
        return None
    data = json.loads(line)
    if not isinstance(data, dict):
        raise LineError("A line must be a JSON object (one article).")
    # Decoded from UTF-8, a line holds NUL or half a surrogate pair only through a JSON
    # escape: a line without one needs no walk through its strings (0.1 ms each).
    suspect = isinstance(raw, str) or "\x00" in line or UNSTORABLE_ESCAPE.search(line)
    problem = first_unstorable([data]) if suspect else None
    if problem:
        raise LineError(f"it holds {problem}, which cannot be stored.")
    return data


_LINE_ERRORS = (
    json.JSONDecodeError,
    RecursionError,
    DataError,
    LineError,
    SpanError,
    SourceError,
    EventError,
    ArticleError,
    IntegrityError,
)


def _message(exc: Exception) -> str:
    """What is wrong with a line, from what its import raised (one of _LINE_ERRORS)."""
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON: {exc.msg} (column {exc.colno})."
    if isinstance(exc, RecursionError):
        return "its JSON is nested too deeply to read."
    if isinstance(exc, DataError):  # e.g. a value longer than its column
        return f"the database refused a value: {str(exc).splitlines()[0]}"
    if isinstance(exc, IntegrityError):
        return f"the database refused it: {str(exc).splitlines()[0]}"
    return str(exc)


def _decode(raw: bytes | str, number: int) -> str:
    if isinstance(raw, str):
        return raw.lstrip("\ufeff") if number == 1 else raw
    try:
        return raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        raise LineError(f"not UTF-8 text (byte {exc.start + 1}).") from exc


@dataclass
class _Line:
    """A line read and checked; its spans' references not yet resolved."""

    number: int
    article: dict
    spans: list[NewSpan]
    links: list[NewLink]


@dataclass
class _Batch:
    """What a batch stores, kept apart until it is committed."""

    pending: set[int]
    committed: dict = field(default_factory=dict)  # the importer's claims
    events: dict[int, Event] = field(default_factory=dict)
    claims: dict[tuple[int, int], int] = field(default_factory=dict)  # -> annotation id
    sources: dict[str, Source] = field(default_factory=dict)  # by name
    twins: dict[str, list[int]] = field(default_factory=dict)  # text_sha256 -> later lines
    skipped: list[tuple[int, str]] = field(default_factory=list)
    stats: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("articles", "spans", "links", "relations", "sources", "events"), 0
        )
    )

    def claim(self, key: tuple[int, int]):
        return self.claims.get(key) or self.committed.get(key)


def _already(article_id: int) -> str:
    return f"the same text is already in the project (article {article_id})."


_REVIEW = ("reviewed_by", "reviewed_at", "review_comment")


def _line_validator():
    """A jsonschema validator of our lines, made when a file is imported: jsonschema (with
    referencing, rpds and attrs) would add 0.05 s and 3 MB to every web process's start-up
    (tests/test_startup_imports.py)."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema())


class _Importer:
    def __init__(self, project, user, doccano_offsets):
        self.project, self.user, self.doccano_offsets = project, user, doccano_offsets
        self.report = ImportReport()
        self.events: dict[int, Event] = {}  # exported event id -> event here
        # (exported article id, exported span id) -> claim here, for claim relations
        self.claims: dict[tuple[int, int], int] = {}
        self.pending: set[int] = set()  # exported ids of relations waiting for their other end
        self.users: dict[str, object] = {}
        self.strangers: list[str] = []  # usernames in the file that are no member here
        self.validator = _line_validator()

    def error(self, number: int, message: str):
        self.report.errors.append((number, message))

    def parse(self, data: dict) -> dict:
        if "schema_version" in data:
            return parse_ours(data, self.validator)
        if "text" in data:
            return parse_doccano(data, self.doccano_offsets)
        raise LineError(
            "neither an annotator line (no schema_version) nor a doccano line (no text)."
        )

    # A batch, in bulk ----------------------------------------------------------------

    def batch(self, batch: list[tuple[int, bytes | str]]):
        """Check every line in Python, then write the good ones together (a few INSERTs).
        A batch the database refuses goes again line by line, so that the report names the
        line."""
        lines, errors = [], []
        for number, raw in batch:
            try:
                data = _read(raw, number)
                if data is not None:
                    lines.append(self.prepare(number, data))
            except _LINE_ERRORS as exc:
                errors.append((number, _message(exc)))
        if not lines:
            self.report.errors.extend(errors)
            return
        try:
            with transaction.atomic(), pghistory.context(user=getattr(self.user, "pk", None)):
                done = self.store_batch(lines)
        except _LINE_ERRORS:
            for number, raw in batch:
                self.one(number, raw)
            return
        self.report.errors.extend(errors)
        self.report.skipped.extend(sorted(done.skipped))
        self.events.update(done.events)
        self.claims.update(done.claims)
        self.pending = done.pending
        for key, value in done.stats.items():
            setattr(self.report, key, getattr(self.report, key) + value)

    def prepare(self, number: int, data: dict) -> "_Line":
        """A line read and checked against every rule that needs no database."""
        article = self.parse(data)
        article["published_at"] = _datetime(article["published_at"], "published_at")
        spans = [self.new_span(span) for span in article["spans"]]
        positions = {span["id"]: index for index, span in enumerate(article["spans"])}
        links = []
        for link in article["links"]:
            if link["from"] not in positions or link["to"] not in positions:
                raise LineError(f"link {link['id']} joins a span that is not in the line.")
            ends = positions[link["from"]], positions[link["to"]]
            links.append(NewLink(*ends, kind=link["kind"], label=f"link {link['id']}"))
        problem = span_set_problem(text=article["text"], spans=spans, links=links)
        if problem:
            raise SpanError(problem)
        return _Line(number, article, spans, links)

    def store_batch(self, lines: list["_Line"]) -> "_Batch":
        done = _Batch(pending=set(self.pending), committed=self.claims)
        fresh = self.new_texts(lines, done)
        rows = [self.resolve(line, done) for line in fresh]
        articles = articles_bulk_create(project=self.project, articles=rows)
        made = annotations_bulk_create(
            article_spans=[
                ArticleSpans(article, line.spans, line.links)
                for line, article in zip(fresh, articles, strict=True)
            ],
            created_by=self.user,
        )
        for line, article, pks in zip(fresh, articles, made, strict=True):
            data = line.article
            by_id = {span["id"]: pk for span, pk in zip(data["spans"], pks, strict=True)}
            new_claims, relations_done = {}, set()
            self.relations(data, by_id, new_claims, relations_done, done.claim, done.stats)
            done.claims.update(new_claims)
            done.pending = (done.pending | {r["id"] for r in data["relations"]}) - relations_done
            done.stats["articles"] += 1
            done.stats["spans"] += len(by_id)
            done.stats["links"] += len(data["links"])
            for number in done.twins.get(data["text_sha256"], ()):
                done.skipped.append((number, _already(article.pk)))
        return done

    def new_texts(self, lines: list["_Line"], done: "_Batch") -> list["_Line"]:
        """The lines whose text is not in the project yet, nor on an earlier line; the others
        are skipped."""
        shas = {line.article["text_sha256"] for line in lines}
        existing = dict(
            Article.objects.filter(project=self.project, text_sha256__in=shas).values_list(
                "text_sha256", "pk"
            )
        )
        fresh, seen = [], set()
        for line in lines:
            sha = line.article["text_sha256"]
            if sha in existing:
                done.skipped.append((line.number, _already(existing[sha])))
            elif sha in seen:
                done.twins.setdefault(sha, []).append(line.number)
            else:
                seen.add(sha)
                fresh.append(line)
        return fresh

    def resolve(self, line: "_Line", done: "_Batch") -> dict:
        """The line's sources, events and people found (or made): its article's fields."""
        data, sources = line.article, {}

        def source(ref):
            if not ref:
                return None
            if ref["id"] not in sources:
                sources[ref["id"]] = self.batch_source(data["sources"][ref["id"]], done)
            return sources[ref["id"]]

        for raw, span in zip(data["spans"], line.spans, strict=True):
            self.resolve_span(raw, span, source, data["events"], done.events, done.stats)
        # Stored as the spans leave it (no UPDATE of the new rows afterwards).
        status = article_status_after(status=data["status"], spans=line.spans)
        return {
            "outlet": source(data["outlet"]),
            "title": data["title"][:500] or "(untitled)",
            "url": data["url"],
            "language": data["language"],
            "published_at": data["published_at"],
            "published_precision": data["published_precision"] or "",
            "text": data["text"],
            "text_sha256": data["text_sha256"],
            "uploaded_by": self.user,
            "status": status,
        }

    def batch_source(self, data: dict, done: "_Batch") -> Source:
        if data["name"] not in done.sources:
            done.sources[data["name"]], created = self.source(data)
            done.stats["sources"] += created
        return done.sources[data["name"]]

    # A line on its own ---------------------------------------------------------------

    def one(self, number: int, raw: bytes | str):
        """A line in its own transaction, span by span through the services."""
        try:
            data = _read(raw, number)
            if data is not None:
                self.line(number, data)
        except _LINE_ERRORS as exc:
            self.error(number, _message(exc))

    def line(self, number: int, data: dict):
        article = self.parse(data)
        existing = Article.objects.filter(
            project=self.project, text_sha256=article["text_sha256"]
        ).first()
        if existing:
            self.report.skipped.append((number, _already(existing.pk)))
            return
        new_events, new_claims, done = {}, {}, set()
        with transaction.atomic():
            stats = self.store(article, new_events, new_claims, done)
        # Only once the article is committed:
        self.events.update(new_events)
        self.claims.update(new_claims)
        self.pending = (self.pending | {r["id"] for r in article["relations"]}) - done
        for key, value in stats.items():
            setattr(self.report, key, getattr(self.report, key) + value)

    def store(self, data: dict, new_events: dict, new_claims: dict, done: set) -> dict:
        stats = {"articles": 1, "spans": 0, "links": 0, "relations": 0, "sources": 0, "events": 0}
        sources = {}

        def source(ref):
            if not ref:
                return None
            if ref["id"] not in sources:
                sources[ref["id"]], created = self.source(data["sources"][ref["id"]])
                stats["sources"] += created
            return sources[ref["id"]]

        article = article_create(
            project=self.project,
            outlet=source(data["outlet"]),
            title=data["title"][:500] or "(untitled)",
            url=data["url"],
            language=data["language"],
            published_at=_datetime(data["published_at"], "published_at"),
            published_precision=data["published_precision"] or "",
            text=data["text"],
            text_sha256=data["text_sha256"],
            uploaded_by=self.user,
            status=data["status"],
        )
        made = {}
        for span in data["spans"]:
            made[span["id"]] = self.span(article, span, source, data["events"], new_events, stats)
        for link in data["links"]:
            if link["from"] not in made or link["to"] not in made:
                raise LineError(f"link {link['id']} joins a span that is not in the line.")
            link_create(
                from_annotation=made[link["from"]],
                to_annotation=made[link["to"]],
                kind=link["kind"],
                created_by=self.user,
            )
            stats["links"] += 1
        by_id = {span_id: annotation.pk for span_id, annotation in made.items()}
        self.relations(data, by_id, new_claims, done, self.claims.get, stats)
        stats["spans"] = len(made)
        return stats

    def relations(self, data, made, new_claims, done, known, stats):
        """The line's claim relations whose other claim is here: in the line (`made`, span
        id -> annotation id), or found by `known` (exported article id, span id) among the
        lines stored before."""
        for relation in data["relations"]:
            claim_id = new_claims[(data["id"], relation["claim"])] = made[relation["claim"]]
            key = (relation["other_article"], relation["other_claim"])
            other_id = made.get(key[1]) if key[0] == data["id"] else known(key)
            if other_id is None:
                continue  # created when the other claim's line comes
            if relation["id"] not in done:
                claim, other = _claims(claim_id, other_id)
                try:
                    claim_relation_create(
                        claim=claim,
                        other=other,
                        kind=relation["kind"],
                        user=self.user,
                        note=relation["note"],
                        differences=_differences(relation, claim.pk > other.pk),
                    )
                except EventError as exc:
                    raise LineError(f"relation {relation['id']}: {exc}") from exc
                done.add(relation["id"])
                stats["relations"] += 1

    def span(self, article, span, source, events, new_events, stats):
        new = self.new_span(span)
        self.resolve_span(span, new, source, events, new_events, stats)
        review = {name: new.fields.pop(name) for name in _REVIEW if name in new.fields}
        try:
            annotation = annotation_create(
                article=article,
                kind=new.kind,
                start=new.start,
                end=new.end,
                quote=new.quote,
                created_by=new.created_by,
                status=new.status,
                **new.fields,
            )
        except SpanError as exc:
            raise SpanError(f"span {span['id']}: {exc}") from exc
        if review:
            annotation = annotation_update(
                annotation=annotation, version=annotation.version, user=self.user, **review
            )
        return annotation

    # Spans -----------------------------------------------------------------------------

    def new_span(self, span: dict) -> NewSpan:
        """The span with its dates read and its references (event, cited source, people)
        as the file names them: resolve_span finds them."""
        attrs = span["attributes"]
        own = set(KINDS[span["kind"]].fields) if span["kind"] in KINDS else set()
        extra = {k for k, v in attrs.items() if v is not None} - own
        if extra:
            raise SpanError(
                f"span {span['id']}: a {span['kind']} cannot have {', '.join(sorted(extra))}."
            )
        fields = {}
        for name in own:
            value = attrs.get(name)
            if value is None or value == "" or name == "claimed_precision":
                continue
            if name == "claimed_at":
                value = _datetime(value, f"span {span['id']}: claimed_at")
                fields["claimed_precision"] = attrs.get("claimed_precision") or "day"
            fields[name] = value
        fields["note"] = span["note"]
        if span["reviewer"] or span["review_comment"]:
            fields["reviewed_at"] = _datetime(
                span["reviewed_at"], f"span {span['id']}: reviewed_at"
            )
            fields["review_comment"] = span["review_comment"]
        return NewSpan(
            kind=span["kind"],
            start=span["start"],
            end=span["end"],
            quote=span["quote"],
            status=span["status"],
            fields=fields,
            label=f"span {span['id']}",
        )

    def resolve_span(self, span, new, source, events, new_events, stats):
        new.created_by = self.person(span["annotator"])
        if "event" in new.fields:
            new.fields["event"] = self.event(new.fields["event"], events, new_events, stats)
        if "cited_source" in new.fields:
            new.fields["cited_source"] = source(new.fields["cited_source"])
        if span["reviewer"] or span["review_comment"]:
            reviewer = span["reviewer"]
            new.fields["reviewed_by"] = self.person(reviewer) if reviewer else None

    def source(self, data: dict) -> tuple[Source, bool]:
        existing = Source.objects.filter(project=self.project, name=data["name"]).first()
        if existing:
            return existing, False
        created = source_create(
            project=self.project,
            aliases=data["other_names"],  # what schema 1.x calls them
            **{k: data[k] for k in _SOURCE_FIELDS},
        )
        for assessment in data["assessments"]:
            assessment_create(
                source=created,
                grade=assessment["grade"],
                rationale=assessment["rationale"],
                user=self.user,
                assessed_by=self.person(assessment["assessed_by"]),
                assessed_at=_datetime(assessment["assessed_at"], "assessed_at"),
            )
        return created, True

    def event(self, event_id, events, new_events, stats) -> Event:
        if event_id in self.events:
            return self.events[event_id]
        if event_id not in new_events:
            data = events[event_id]
            values = {
                "title": data["title"],
                "place": data["place"],
                "start_date": _date(data["start_date"]),
                "end_date": _date(data["end_date"]),
            }
            event = Event.objects.filter(project=self.project, **values).first()
            if event is None:
                try:
                    event = event_create(
                        project=self.project, description=data["description"], **values
                    )
                except EventError as exc:
                    raise LineError(f"event {event_id}: {exc}") from exc
                stats["events"] += 1
            new_events[event_id] = event
        return new_events[event_id]

    def person(self, username: str | None):
        """The member of the project with that username, else the importing user. Users of
        other projects are not credited, and whether one exists is not told (the file's
        author could otherwise probe the server's usernames)."""
        if not username:
            return self.user
        if username not in self.users:
            member = (
                Membership.objects.filter(project=self.project, user__username=username)
                .select_related("user")
                .first()
            )
            if member is None:
                self.strangers.append(username)
            self.users[username] = member.user if member else self.user
        return self.users[username]

    def strangers_warning(self) -> str:
        names = ", ".join(f"“{name[:80]}”" for name in self.strangers[:MAX_NAMES_SHOWN])
        more = len(self.strangers) - MAX_NAMES_SHOWN
        if more > 0:
            names += f" and {more} more"
        one = len(self.strangers) == 1
        return (
            f"{'1 person' if one else f'{len(self.strangers)} people'} named in the file "
            f"{'is not a member' if one else 'are not members'} of this project ({names}): "
            f"their work is credited to {self.user or 'nobody'}."
        )


_SOURCE_FIELDS = (
    "name",
    "kind",
    "country",
    "language",
    "domain",
    "affiliation_note",
)


def _claims(*pks: int) -> list[Annotation]:
    found = Annotation.objects.select_related("article").defer("article__text").in_bulk(pks)
    return [found[pk] for pk in pks]


def _differences(relation: dict, flip: bool):
    """The line's differences ("a" is what its `claim` says) as the service takes them
    ("a" is what the smaller id says); the service checks their form."""
    facts = relation.get("differences")
    if not flip or not isinstance(facts, list):
        return facts
    return [{**d, "a": d.get("b"), "b": d.get("a")} if isinstance(d, dict) else d for d in facts]


def _datetime(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise LineError(f"{value!r} is not an ISO 8601 date and time.") from exc
    if parsed.tzinfo is None:
        raise LineError(f"{value!r} has no time zone.")
    problem = datetime_problem(parsed, f"{name} {value!r}")
    if problem:
        raise LineError(problem)
    return parsed


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise LineError(f"{value!r} is not an ISO 8601 date.") from exc

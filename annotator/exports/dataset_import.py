"""Import of a dataset into a project: our JSONL (schema 1.x) and doccano's JSONL.

One transaction per article: a line that fails any check stores nothing and is
reported with its line number; the other lines go in. Spans and links are written
only through annotator.annotations.services. Sources are matched by name, events by
their exported id within the file (or an existing event with the same title, place
and dates), people by username among the project's members (anyone else's work is credited
to the importing user, with one warning that does not tell whether such a user exists).
The suggesters do not run on imported articles: a dataset comes back as it left.
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import DataError, IntegrityError, transaction
from jsonschema import Draft202012Validator

from annotator.annotations.kinds import KINDS
from annotator.annotations.services import (
    SpanError,
    annotation_create,
    annotation_update,
    link_create,
)
from annotator.articles.models import Article
from annotator.articles.services import ArticleError, article_create
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
    called with the number of lines read, every PROGRESS_EVERY lines."""
    importer = _Importer(project, user, doccano_offsets)
    for number, raw in enumerate(lines, start=1):
        importer.report.lines = number
        if on_progress and number % PROGRESS_EVERY == 0:
            on_progress(number)
        try:
            line = _decode(raw, number)
            if not line.strip():
                continue
            data = json.loads(line)
            if not isinstance(data, dict):
                raise LineError("A line must be a JSON object (one article).")
            problem = first_unstorable([data])
            if problem:
                raise LineError(f"it holds {problem}, which cannot be stored.")
            importer.line(number, data)
        except json.JSONDecodeError as exc:
            importer.error(number, f"not valid JSON: {exc.msg} (column {exc.colno}).")
        except RecursionError:
            importer.error(number, "its JSON is nested too deeply to read.")
        except DataError as exc:  # e.g. a value longer than its column
            importer.error(number, f"the database refused a value: {str(exc).splitlines()[0]}")
        except (LineError, SpanError, SourceError, EventError, ArticleError) as exc:
            importer.error(number, str(exc))
        except IntegrityError as exc:
            importer.error(number, f"the database refused it: {str(exc).splitlines()[0]}")
    if importer.strangers:
        importer.report.warnings.append(importer.strangers_warning())
    if importer.pending:
        importer.report.warnings.append(
            f"{len(importer.pending)} claim relations were not imported: their other claim "
            "is not in the file or its line failed."
        )
    return importer.report


def _decode(raw: bytes | str, number: int) -> str:
    if isinstance(raw, str):
        return raw.lstrip("\ufeff") if number == 1 else raw
    try:
        return raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        raise LineError(f"not UTF-8 text (byte {exc.start + 1}).") from exc


class _Importer:
    def __init__(self, project, user, doccano_offsets):
        self.project, self.user, self.doccano_offsets = project, user, doccano_offsets
        self.report = ImportReport()
        self.events: dict[int, Event] = {}  # exported event id -> event here
        # (exported article id, exported span id) -> claim here, for claim relations
        self.claims: dict[tuple[int, int], object] = {}
        self.pending: set[int] = set()  # exported ids of relations waiting for their other end
        self.users: dict[str, object] = {}
        self.strangers: list[str] = []  # usernames in the file that are no member here
        self.validator = Draft202012Validator(schema())

    def error(self, number: int, message: str):
        self.report.errors.append((number, message))

    def line(self, number: int, data: dict):
        if "schema_version" in data:
            article = parse_ours(data, self.validator)
        elif "text" in data:
            article = parse_doccano(data, self.doccano_offsets)
        else:
            raise LineError(
                "neither an annotator line (no schema_version) nor a doccano line (no text)."
            )
        existing = Article.objects.filter(
            project=self.project, text_sha256=article["text_sha256"]
        ).first()
        if existing:
            self.report.skipped.append(
                (number, f"the same text is already in the project (article {existing.pk}).")
            )
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

    # Storing ---------------------------------------------------------------------------

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
        for relation in data["relations"]:
            claim = new_claims[(data["id"], relation["claim"])] = made[relation["claim"]]
            key = (relation["other_article"], relation["other_claim"])
            other = made.get(key[1]) if key[0] == data["id"] else self.claims.get(key)
            if other is None:
                continue  # created when the other claim's line comes
            if relation["id"] not in done:
                try:
                    claim_relation_create(
                        claim=claim,
                        other=other,
                        kind=relation["kind"],
                        user=self.user,
                        note=relation["note"],
                    )
                except EventError as exc:
                    raise LineError(f"relation {relation['id']}: {exc}") from exc
                done.add(relation["id"])
                stats["relations"] += 1
        stats["spans"] = len(made)
        return stats

    def span(self, article, span, source, events, new_events, stats):
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
            if name == "event":
                value = self.event(value, events, new_events, stats)
            elif name == "cited_source":
                value = source(value)
            elif name == "claimed_at":
                value = _datetime(value, f"span {span['id']}: claimed_at")
                fields["claimed_precision"] = attrs.get("claimed_precision") or "day"
            fields[name] = value
        try:
            annotation = annotation_create(
                article=article,
                kind=span["kind"],
                start=span["start"],
                end=span["end"],
                quote=span["quote"],
                created_by=self.person(span["annotator"]),
                status=span["status"],
                note=span["note"],
                **fields,
            )
        except SpanError as exc:
            raise SpanError(f"span {span['id']}: {exc}") from exc
        if span["reviewer"] or span["review_comment"]:
            annotation = annotation_update(
                annotation=annotation,
                version=annotation.version,
                user=self.user,
                reviewed_by=self.person(span["reviewer"]) if span["reviewer"] else None,
                reviewed_at=_datetime(span["reviewed_at"], f"span {span['id']}: reviewed_at"),
                review_comment=span["review_comment"],
            )
        return annotation

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

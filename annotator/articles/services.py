"""Articles into a project, and changes to them: the one path by which articles enter.

The upload page's background task, the paste form, `manage.py import_articles` and the
API call `article_import` for one file (batches.py for many: `article_prepare` for each,
then `articles_store` for a few at once, one transaction);
the dataset import calls `articles_bulk_create` (`article_create` for a batch it redoes line
by line). Keyword-only functions, one transaction each.
"""

import hashlib
from dataclasses import dataclass

import pghistory
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from annotator.articles.dates import FoundDate
from annotator.articles.indexing import articles_search_index_enqueue
from annotator.articles.models import Article, ArticleStatus, ItemStatus, SourceFile
from annotator.articles.parsing import ParsedArticle, Rejected, domain_of, parse_upload
from annotator.articles.signals import articles_imported
from annotator.bulk import rows_copy, rows_update
from annotator.datetimes import datetime_problem
from annotator.projects.access import role_check, writable_check
from annotator.projects.models import Role
from annotator.sources.models import Source, SourceKind
from annotator.sources.services import SourceMatcher, source_get_or_create

TITLE_MAX = 500


class ArticleError(ValueError):
    """The change does not fit the rules; the message says why, for the user."""


@dataclass
class Overrides:
    """Metadata given by the person importing; wins over what is detected."""

    title: str = ""
    outlet: Source | None = None
    outlet_name: str = ""
    url: str = ""
    published: FoundDate | None = None
    language: str = ""
    # An outlet_name that matches no source adds one, with the article (paste, API);
    # otherwise it is only proposed in the review table.
    new_outlet: bool = False


@dataclass
class ImportResult:
    name: str
    status: str  # ItemStatus.IMPORTED, DUPLICATE or REJECTED
    article: Article | None = None
    reason: str = ""


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _clean_url(url: str) -> str:
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return ""
    return url if len(url) <= 2000 else ""


def _apply(parsed: ParsedArticle, overrides: Overrides | None, matcher: SourceMatcher):
    """Fields of the new Article from what was detected and what was given."""
    given = overrides or Overrides()
    published = given.published or parsed.published
    if given.outlet or given.outlet_name:
        outlet = given.outlet or matcher.match(given.outlet_name)
        proposed = "" if outlet else given.outlet_name
    else:
        outlet = matcher.match(parsed.outlet_name, parsed.domain)
        proposed = "" if outlet else (parsed.outlet_name or parsed.domain)
    return {
        "title": (given.title or parsed.title)[:TITLE_MAX],
        "url": _clean_url(given.url or parsed.url),
        "outlet": outlet,
        "outlet_proposed": proposed[:200],
        "published_at": published.value if published else None,
        "published_precision": published.precision if published else "",
        "published_tz": published.tz if published else "",
        "published_raw": published.raw[:200] if published else "",
        "language": (given.language or parsed.language)[:35],
    }


def article_import(
    *,
    project,
    name: str,
    data: bytes,
    origin: str,
    uploaded_by=None,
    overrides: Overrides | None = None,
    matcher: SourceMatcher | None = None,
    source_file: SourceFile | None = None,
    archive_name: str = "",
) -> ImportResult:
    """Import one file into `project`: imported, duplicate (same text already there) or
    rejected (the reason says why). Stores the article and its original bytes in one
    transaction; stores nothing for duplicates and rejections (and deletes `source_file`,
    the pending bytes of a batch, in that case). Many files: article_prepare for each,
    then articles_store (batches.py)."""
    writable_check(project)
    result = article_prepare(
        file=ImportFile(name, data, source_file, archive_name),
        overrides=overrides,
        matcher=matcher or SourceMatcher(project),
    )
    if isinstance(result, PreparedArticle):
        [result] = articles_store(
            project=project, prepared=[result], origin=origin, uploaded_by=uploaded_by
        )
    if result.status != ItemStatus.IMPORTED and source_file is not None and source_file.pk:
        source_file.delete()
    return result


@dataclass
class ImportFile:
    """One file to import, as uploaded. A batch's file comes with the pending SourceFile
    that holds its bytes (they are not written again)."""

    name: str
    data: bytes
    source_file: SourceFile | None = None
    archive_name: str = ""


@dataclass
class PreparedArticle:
    """A file read and checked by article_prepare, for articles_store."""

    file: ImportFile
    text: str
    sha: str
    detected: dict
    fields: dict  # the Article's metadata (_apply)
    outlet_to_add: str = ""  # Overrides.new_outlet: added with the article


def article_prepare(
    *, file: ImportFile, overrides: Overrides | None = None, matcher: SourceMatcher
) -> PreparedArticle | ImportResult:
    """Read one file (decode, title, date, language) and check it, writing nothing: what
    to store, or the rejection (an ImportResult saying why)."""
    too_big = size_rejection(file.name, len(file.data))
    if too_big:
        return too_big
    try:
        parsed = parse_upload(file.name, file.data)
    except Rejected as exc:
        return ImportResult(file.name, ItemStatus.REJECTED, reason=str(exc))
    fields = _apply(parsed, overrides, matcher)
    problem = datetime_problem(fields["published_at"], "The publication date")
    if problem:
        return ImportResult(file.name, ItemStatus.REJECTED, reason=problem)
    add = fields["outlet"] is None and overrides is not None and overrides.new_outlet
    return PreparedArticle(
        file=file,
        text=parsed.text,
        sha=text_sha256(parsed.text),
        detected=parsed.detected,
        fields=fields,
        outlet_to_add=overrides.outlet_name if add else "",
    )


def articles_store(
    *, project, prepared: list[PreparedArticle], origin: str, uploaded_by=None
) -> list[ImportResult]:
    """Store prepared files in one transaction, a few queries for all: each article with
    its original bytes, or a duplicate (its text is already in the project, or earlier in
    the list), which stores nothing. Results in the order given. Once committed, the
    suggesters and the search index are queued once for all (articles_imported)."""
    writable_check(project)
    if not prepared:
        return []
    try:
        with transaction.atomic():
            return _store(project, prepared, origin, uploaded_by)
    except IntegrityError:
        # The same text was committed meanwhile (article_unique_text_per_project): one
        # file at a time tells which.
        if len(prepared) > 1:
            return [
                result
                for one in prepared
                for result in articles_store(
                    project=project, prepared=[one], origin=origin, uploaded_by=uploaded_by
                )
            ]
        existing = (
            Article.objects.filter(project=project, text_sha256=prepared[0].sha)
            .only("title")
            .first()
        )
        if existing:
            return [_duplicate(prepared[0].file.name, existing)]
        raise


def _store(project, prepared, origin, uploaded_by) -> list[ImportResult]:
    # One file: no look-up first, the unique constraint finds a duplicate (a query less).
    existing = {}
    if len(prepared) > 1:
        shas = {one.sha for one in prepared}
        twins = Article.objects.filter(project=project, text_sha256__in=shas)
        existing = {twin.text_sha256: twin for twin in twins.only("title", "text_sha256")}
    new = {}  # sha -> Article: the first file with a text stores it
    for one in prepared:
        if one.sha in existing or one.sha in new:
            continue
        if one.outlet_to_add:
            one.fields["outlet"] = source_for_outlet(project=project, name=one.outlet_to_add)
            one.fields["outlet_proposed"] = ""
        new[one.sha] = Article(
            project=project,
            text=one.text,
            text_sha256=one.sha,
            uploaded_by=uploaded_by,
            **one.fields,
        )
    articles = Article.objects.bulk_create(new.values())
    added, pending, results, done = [], [], [], set()
    for one in prepared:
        article = new.get(one.sha)
        if article is None or one.sha in done:
            results.append(_duplicate(one.file.name, existing.get(one.sha) or article))
            continue
        done.add(one.sha)
        stored = one.file.source_file or SourceFile(
            project=project, data=one.file.data, uploaded_by=uploaded_by
        )
        stored.article = article
        stored.name = stored.name or one.file.name[:500]
        stored.archive_name = stored.archive_name or one.file.archive_name[:500]
        stored.origin = stored.origin or origin
        stored.size = len(one.file.data)
        stored.sha256 = hashlib.sha256(one.file.data).hexdigest()
        stored.detected = one.detected
        # A batch's pending bytes are not written again.
        (pending if stored.pk else added).append(stored)
        results.append(ImportResult(one.file.name, ItemStatus.IMPORTED, article=article))
    SourceFile.objects.bulk_create(added)
    rows_update(pending, ["article_id", "name", "archive_name", "detected"])
    # The suggesters and the search index run in the background once it is committed.
    articles_search_index_enqueue()
    transaction.on_commit(lambda: articles_imported.send(sender=Article, articles=articles))
    return results


def size_rejection(name: str, size: int) -> ImportResult | None:
    """The rejection of a file over the per-article size limit, else None."""
    limit = settings.ARTICLE_MAX_BYTES
    if size <= limit:
        return None
    reason = f"The file is {filesizeformat(size)}; the limit is {filesizeformat(limit)}."
    return ImportResult(name, ItemStatus.REJECTED, reason=reason)


def _duplicate(name: str, existing: Article) -> ImportResult:
    reason = f"The same text is already in this project: “{existing.title}”."
    return ImportResult(name, ItemStatus.DUPLICATE, article=existing, reason=reason)


def source_for_outlet(*, project, name: str, domain: str = "") -> Source | None:
    """The project's outlet called `name` (or one of its other names), added if new."""
    return source_get_or_create(project=project, name=name, kind=SourceKind.OUTLET, domain=domain)


def article_create(
    *,
    project,
    title: str,
    text: str,
    text_sha256: str,
    uploaded_by=None,
    outlet: Source | None = None,
    url: str = "",
    language: str = "",
    published_at=None,
    published_precision: str = "",
    status: str = ArticleStatus.NEW,
) -> Article:
    """An article whose text is stored as given (NFC, \\n: the database checks). The
    dataset import brings articles so; files go through article_import."""
    writable_check(project)
    if status not in ArticleStatus.values:
        raise ArticleError(f"Unknown article status {status!r}.")
    _published_check(published_at)
    with transaction.atomic():
        articles_search_index_enqueue()
        return Article.objects.create(
            project=project,
            outlet=outlet,
            title=title[:TITLE_MAX] or "(untitled)",
            url=url,
            language=language[:35],
            published_at=published_at,
            published_precision=published_precision,
            text=text,
            text_sha256=text_sha256,
            uploaded_by=uploaded_by,
            status=status,
        )


def articles_bulk_create(*, project, articles: list[dict]) -> list[Article]:
    """article_create for many (the dataset import): each dict holds article_create's
    keyword arguments but `project`. Every article is checked first (an ArticleError names
    the first problem and nothing is stored), then written by COPY (annotator/bulk.py); the
    database checks the rest (NFC text, one text per project). No suggesters run, as with
    article_create."""
    writable_check(project)
    rows = []
    for fields in articles:
        status = fields.get("status", ArticleStatus.NEW)
        if status not in ArticleStatus.values:
            raise ArticleError(f"Unknown article status {status!r}.")
        _published_check(fields.get("published_at"))
        if unknown := set(fields) - _ARTICLE_FIELDS:
            raise TypeError(f"articles_bulk_create() got unexpected fields {sorted(unknown)}")
        outlet, uploaded_by = fields.get("outlet"), fields.get("uploaded_by")
        row = {name: value for name, value in fields.items() if name in _ARTICLE_COLUMNS}
        rows.append(
            row
            | {
                "project_id": project.pk,
                "outlet_id": outlet.pk if outlet else None,
                "uploaded_by_id": uploaded_by.pk if uploaded_by else None,
                "title": fields.get("title", "")[:TITLE_MAX] or "(untitled)",
                "language": fields.get("language", "")[:35],
                "status": status,
            }
        )
    with transaction.atomic():
        articles_search_index_enqueue()
        stored = rows_copy(Article, rows)
    names = [field.attname for field in Article._meta.concrete_fields]
    made = []
    for row in stored:
        article = Article.from_db(Article.objects.db, names, [row[name] for name in names])
        Article.project.field.set_cached_value(article, project)
        made.append(article)
    return made


# What articles_bulk_create stores as given, and what it reads (related objects, the status).
_ARTICLE_COLUMNS = {
    "url",
    "published_at",
    "published_precision",
    "published_tz",
    "published_raw",
    "outlet_proposed",
    "text",
    "text_sha256",
}
_ARTICLE_FIELDS = _ARTICLE_COLUMNS | {"outlet", "uploaded_by", "title", "language", "status"}


def article_work_started(*, article_id: int) -> None:
    """A person made, accepted or rejected an annotation: a new article is in progress.
    (The suggesters' proposals alone leave it new.)"""
    articles_work_started(article_ids=[article_id])


def articles_work_started(*, article_ids: list[int]) -> None:
    """article_work_started for many (spans imported in bulk): one UPDATE."""
    Article.objects.filter(pk__in=article_ids, status=ArticleStatus.NEW).update(
        status=ArticleStatus.IN_PROGRESS, updated_at=timezone.now()
    )


def article_status_set(*, article: Article, status: str, user) -> Article:
    """Mark an article ready for review, or back in progress.

    An article assigned to people is ready when each of them says so. An assignee's
    "ready" marks their own work (their assignment's ready_at); the article goes to the
    review queue with the last mark, and stays in progress until then (a "ready" never takes
    it out of the queue). An assignee's "in progress" clears their own mark only, and the
    article is in progress again. Anyone else speaks for everyone: "ready" sends it to the
    queue at once (the marks stay as they were, so the pages still show who had said so),
    "in progress" clears every mark, so that each assignee confirms their work again. An
    article nobody is assigned has the one status.

    Any member may mark it ready; taking it out of the review queue is for those who work on
    it (its uploader, its assignees, its annotators) and reviewers; reopening a reviewed
    article for reviewers."""
    membership = role_check(
        user=user, project_id=article.project_id, minimum=Role.ANNOTATOR, doing="do that"
    )
    if status not in (ArticleStatus.READY, ArticleStatus.IN_PROGRESS):
        raise ArticleError("Unknown status: choose ready or in progress.")
    with transaction.atomic():
        # The lock also puts assignees marking at the same moment one after the other.
        current = Article.objects.select_for_update().only("status").get(pk=article.pk)
        if current.status == ArticleStatus.REVIEWED and not membership.has_role(Role.REVIEWER):
            raise PermissionDenied("Only reviewers can reopen a reviewed article.")
        leaving_queue = current.status == ArticleStatus.READY and status != current.status
        if (
            leaving_queue
            and not membership.has_role(Role.REVIEWER)
            and not _works_on(user, article)
        ):
            raise PermissionDenied(
                "Only the article's uploader, assignees and annotators, or a reviewer, "
                "take it out of the review queue."
            )
        clears_all = membership.has_role(Role.REVIEWER) or _works_on(user, article)
        status = _ready_marks_set(article, user, status, current.status, clears_all)
        Article.objects.filter(pk=article.pk).update(status=status, updated_at=timezone.now())
    article.status = status
    return article


def _ready_marks_set(article: Article, user, status: str, current: str, clears_all: bool) -> str:
    """The assignees' ready marks after `user` asks for `status`, and the article's status
    that follows (see article_status_set). The review app's assignments are written through
    the reverse relation, here only: this app cannot import review."""
    assignments = article.assignments
    now = timezone.now()
    with pghistory.context(user=user.pk):
        if not assignments.filter(user=user).exists():
            # Only reviewers and those who work on it clear the assignees' marks.
            if status == ArticleStatus.IN_PROGRESS and clears_all:
                assignments.filter(ready_at__isnull=False).update(ready_at=None)
            return status
        if status == ArticleStatus.IN_PROGRESS:
            assignments.filter(user=user).update(ready_at=None)
            return status
        assignments.filter(user=user, ready_at__isnull=True).update(ready_at=now)
    if current == ArticleStatus.READY or not assignments.filter(ready_at__isnull=True).exists():
        return ArticleStatus.READY
    return ArticleStatus.IN_PROGRESS


def _works_on(user, article: Article) -> bool:
    """Uploaded it, is assigned to it or has a span of their own in it (suggestions aside);
    the apps built on articles are read through the reverse relations."""
    return (
        article.uploaded_by_id == user.pk
        or article.assignments.filter(user=user).exists()
        or article.annotations.filter(created_by=user).exclude(status="suggested").exists()
    )


# Metadata ----------------------------------------------------------------------------


def can_edit_metadata(membership, *, uploaded_by_id) -> bool:
    """Reviewers and owners edit any article's metadata; others those they uploaded."""
    return membership.has_role(Role.REVIEWER) or uploaded_by_id == membership.user_id


UNCHANGED = object()  # a metadata field nobody touched: left exactly as found


def article_metadata_update(
    *,
    article: Article,
    title=UNCHANGED,
    outlet_name=UNCHANGED,
    published=UNCHANGED,
    language=UNCHANGED,
) -> Article:
    """Set what the review table or the about page changed (the text never changes here);
    a field not given keeps its value and provenance (a date stays as found, with the
    words it was read from). An outlet name that matches no source creates one."""
    writable_check(article.project_id)
    if published is not UNCHANGED and published is not None:
        _published_check(published.value)  # before anything is written
    fields = {"updated_at"}
    if title is not UNCHANGED:
        article.title = " ".join(title.split())[:TITLE_MAX]
        fields.add("title")
    if outlet_name is not UNCHANGED:
        article.outlet = source_for_outlet(
            project=article.project, name=outlet_name, domain=_domain(article)
        )
        article.outlet_proposed = ""
        fields |= {"outlet", "outlet_proposed"}
    if published is not UNCHANGED:
        _published_set(article, published)
        fields |= {"published_at", "published_precision", "published_tz", "published_raw"}
    if language is not UNCHANGED:
        article.language = language[:35]
        fields.add("language")
    with transaction.atomic():
        article.save(update_fields=sorted(fields))
    return article


def _published_check(value) -> None:
    problem = datetime_problem(value, "The publication date")
    if problem:
        raise ArticleError(problem)


def _published_set(article: Article, published: FoundDate | None) -> None:
    if published is None:
        article.published_at, article.published_precision = None, ""
        article.published_tz = article.published_raw = ""
    elif (published.value, published.precision, published.tz) != (
        article.published_at,
        article.published_precision,
        article.published_tz,
    ):
        article.published_at, article.published_precision = published.value, published.precision
        article.published_tz, article.published_raw = published.tz, published.raw[:200]


def _domain(article: Article) -> str:
    return domain_of(article.url) if article.url else ""

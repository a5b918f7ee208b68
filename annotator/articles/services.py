"""Article import: the one path by which articles enter a project.

The upload page, the background task, `manage.py import_articles` and the API all call
`article_import` (one file) or `batch_*` (many files, one transaction per file).
"""

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from annotator.articles.archives import ArchiveRejected, zip_members
from annotator.articles.dates import FoundDate
from annotator.articles.models import (
    Article,
    BatchStatus,
    ImportBatch,
    ImportItem,
    ItemStatus,
    Origin,
    SourceFile,
)
from annotator.articles.parsing import (
    ParsedArticle,
    Rejected,
    domain_of,
    file_kind,
    parse_upload,
)
from annotator.projects.models import Role
from annotator.sources.models import Source, SourceKind
from annotator.suggestions.tasks import suggestions_enqueue

logger = logging.getLogger(__name__)


@dataclass
class Overrides:
    """Metadata given by the person importing; wins over what is detected."""

    title: str = ""
    outlet: Source | None = None
    outlet_name: str = ""
    url: str = ""
    published: FoundDate | None = None
    language: str = ""


@dataclass
class ImportResult:
    name: str
    status: str  # ItemStatus.IMPORTED, DUPLICATE or REJECTED
    article: Article | None = None
    reason: str = ""


@dataclass
class OutletMatcher:
    """The project's sources, loaded once per batch, matched by name, other names or domain."""

    project: object
    by_name: dict = field(default_factory=dict)
    by_domain: dict = field(default_factory=dict)

    def __post_init__(self):
        for source in Source.objects.filter(project=self.project).order_by("pk"):
            for name in [source.name, *source.other_names]:
                self.by_name.setdefault(name.casefold().strip(), source)
            if source.domain:
                self.by_domain.setdefault(source.domain.lower().removeprefix("www."), source)

    def match(self, name: str = "", domain: str = "") -> Source | None:
        if name and name.casefold().strip() in self.by_name:
            return self.by_name[name.casefold().strip()]
        domain = domain.lower().removeprefix("www.")
        while domain.count(".") >= 1:  # news.example.org, then example.org
            if domain in self.by_domain:
                return self.by_domain[domain]
            domain = domain.split(".", 1)[1]
        return None

    def remember(self, source: Source) -> None:
        self.by_name.setdefault(source.name.casefold(), source)


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _clean_url(url: str) -> str:
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return ""
    return url if len(url) <= 2000 else ""


def _apply(parsed: ParsedArticle, overrides: Overrides | None, matcher: OutletMatcher):
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
        "title": (given.title or parsed.title)[:500],
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
    matcher: OutletMatcher | None = None,
    source_file: SourceFile | None = None,
    archive_name: str = "",
) -> ImportResult:
    """Import one file into `project`: imported, duplicate (same text already there) or
    rejected (the reason says why). Stores the article and its original bytes in one
    transaction; stores nothing for duplicates and rejections (and deletes `source_file`,
    the pending bytes of a batch, in that case)."""
    result = _import(
        project=project,
        name=name,
        data=data,
        origin=origin,
        uploaded_by=uploaded_by,
        overrides=overrides,
        matcher=matcher or OutletMatcher(project),
        source_file=source_file,
        archive_name=archive_name,
    )
    if result.status != ItemStatus.IMPORTED and source_file is not None and source_file.pk:
        source_file.delete()
    return result


def _import(*, project, name, data, origin, uploaded_by, overrides, matcher, source_file,
            archive_name) -> ImportResult:  # fmt: skip
    too_big = size_rejection(name, len(data))
    if too_big:
        return too_big
    try:
        parsed = parse_upload(name, data)
    except Rejected as exc:
        return ImportResult(name, ItemStatus.REJECTED, reason=str(exc))
    sha = text_sha256(parsed.text)
    # No look-up first: the unique constraint finds duplicates (one query less per file).
    fields = _apply(parsed, overrides, matcher)
    try:
        with transaction.atomic():
            article = Article.objects.create(
                project=project,
                text=parsed.text,
                text_sha256=sha,
                uploaded_by=uploaded_by,
                **fields,
            )
            if source_file is None:
                source_file = SourceFile(project=project, data=data, uploaded_by=uploaded_by)
            source_file.article = article
            source_file.name = source_file.name or name[:500]
            source_file.archive_name = source_file.archive_name or archive_name[:500]
            source_file.origin = source_file.origin or origin
            source_file.size = len(data)
            source_file.sha256 = hashlib.sha256(data).hexdigest()
            source_file.detected = parsed.detected
            if source_file.pk:  # a batch's pending bytes: don't write them again
                source_file.save(update_fields=["article", "name", "archive_name", "detected"])
            else:
                source_file.save()
            # The suggesters run in the background once the article is committed.
            suggestions_enqueue(article)
    except IntegrityError:
        # The same text is already in the project (article_unique_text_per_project).
        existing = Article.objects.filter(project=project, text_sha256=sha).only("title").first()
        if existing:
            return _duplicate(name, existing)
        raise
    return ImportResult(name, ItemStatus.IMPORTED, article=article)


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
    """The project's source called `name` (or one of its other names), created as a new
    outlet if there is none. Blank name: None."""
    name = " ".join(name.split())[:200]
    if not name:
        return None
    found = OutletMatcher(project).match(name)
    if found:
        return found
    source, _created = Source.objects.get_or_create(
        project=project,
        name=name,
        defaults={"kind": SourceKind.OUTLET, "domain": domain[:253]},
    )
    return source


# Batches -----------------------------------------------------------------------------


class BatchRefused(Exception):
    """The upload as a whole breaks a limit; nothing was stored."""


@dataclass
class Upload:
    name: str
    size: int
    read: Callable[[], bytes]


def batch_create(
    *,
    project,
    user,
    uploads: Iterable[Upload],
    origin: str = Origin.UPLOAD,
    outlet: Source | None = None,
    language: str = "",
) -> ImportBatch:
    """Store the uploaded files as a batch of pending items (one transaction) and return it;
    `batch_start` then queues the background import. Files over the per-article size limit
    are recorded as rejected at once, without their bytes."""
    uploads = list(uploads)
    if not uploads:
        raise BatchRefused("Choose at least one file.")
    if len(uploads) > settings.IMPORT_BATCH_MAX_FILES:
        raise BatchRefused(
            f"{len(uploads):,} files is more than the {settings.IMPORT_BATCH_MAX_FILES:,} "
            "allowed at once. Upload them in several batches, or as a .zip."
        )
    total = sum(upload.size for upload in uploads)
    if total > settings.IMPORT_BATCH_MAX_BYTES:
        raise BatchRefused(
            f"These files add up to {filesizeformat(total)}, more than the "
            f"{filesizeformat(settings.IMPORT_BATCH_MAX_BYTES)} allowed at once."
        )
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            project=project, created_by=user, origin=origin, outlet=outlet, language=language
        )
        for position, upload in enumerate(uploads, start=1):
            _item_add(batch, position, upload.name, upload.size, upload.read, origin, user)
    return batch


def _item_add(batch, position, name, size, read, origin, user, archive_name="", file_name=""):
    is_archive = file_kind(name) == "archive" and not archive_name
    limit = settings.IMPORT_BATCH_MAX_BYTES if is_archive else settings.ARTICLE_MAX_BYTES
    item = ImportItem(batch=batch, position=position, name=name[:1000], size=size)
    if size > limit:
        item.status = ItemStatus.REJECTED
        item.reason = f"The file is {filesizeformat(size)}; the limit is {filesizeformat(limit)}."
        item.finished_at = timezone.now()
    else:
        data = read()
        item.is_archive = is_archive
        item.source_file = SourceFile.objects.create(
            project=batch.project,
            name=(file_name or name)[:500],
            archive_name=archive_name[:500],
            origin=Origin.ARCHIVE if archive_name else origin,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            data=data,
            uploaded_by=user,
        )
    item.save()
    return item


def batch_run(*, batch_id: int, on_result: Callable[[ImportItem], None] | None = None):
    """Import every pending item of the batch, each in its own transaction, and mark the
    batch done. Safe to run again (it resumes) and in two workers at once (rows are locked)."""
    batch = ImportBatch.objects.select_related("project", "outlet", "created_by").get(pk=batch_id)
    ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.QUEUED).update(
        status=BatchStatus.RUNNING, heartbeat_at=timezone.now()
    )
    matcher = OutletMatcher(batch.project)
    overrides = Overrides(outlet=batch.outlet, language=batch.language)
    while True:
        with transaction.atomic():
            item = (
                ImportItem.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(batch=batch, status=ItemStatus.PENDING)
                .select_related("source_file")
                .order_by("position")
                .first()
            )
            if item is None:
                break
            _item_run(batch, item, matcher, overrides)
            ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=timezone.now())
        if on_result:
            on_result(item)
            for member in getattr(item, "rejected_members", []):
                on_result(member)
    if not ImportItem.objects.filter(batch=batch, status=ItemStatus.PENDING).exists():
        ImportBatch.objects.filter(pk=batch.pk).exclude(status=BatchStatus.DONE).update(
            status=BatchStatus.DONE, finished_at=timezone.now()
        )
    batch.refresh_from_db()
    return batch


def _item_run(batch, item, matcher, overrides) -> None:
    source, source_id = item.source_file, item.source_file_id
    try:
        with transaction.atomic():
            if source is None:
                raise Rejected("The uploaded bytes are missing (the upload did not finish).")
            if item.is_archive:
                _archive_unpack(batch, item, bytes(source.data))
            else:
                result = article_import(
                    project=batch.project,
                    name=source.name,
                    data=bytes(source.data),
                    origin=source.origin,
                    uploaded_by=batch.created_by,
                    overrides=overrides,
                    matcher=matcher,
                    source_file=source,
                )
                item.status, item.reason = result.status, result.reason
                item.article = result.article
    except (Rejected, ArchiveRejected) as exc:
        item.status, item.reason = ItemStatus.REJECTED, str(exc)
    except Exception:
        # A bug must not stop the batch or loop forever on this file: record it and go on.
        logger.exception("Import of %s (batch %s) failed", item.name, batch.pk)
        item.status = ItemStatus.REJECTED
        item.reason = "The import failed unexpectedly (an error in the app); it was logged."
    if item.status != ItemStatus.IMPORTED:
        # Nothing is kept for rejected and duplicate files (nor the unpacked archive).
        SourceFile.objects.filter(pk=source_id, article__isnull=True).delete()
        item.source_file = None
    item.finished_at = timezone.now()
    item.save()


def _archive_unpack(batch, item, data: bytes) -> None:
    """Add the archive's files to the batch as pending items (or rejected ones)."""
    members = zip_members(
        data,
        max_files=settings.IMPORT_BATCH_MAX_FILES,
        max_total_bytes=settings.IMPORT_BATCH_MAX_BYTES,
        max_member_bytes=settings.ARTICLE_MAX_BYTES,
    )
    position = ImportItem.objects.filter(batch=batch).aggregate(last=Max("position"))["last"]
    count = 0
    rejected_members = []
    for member in members:
        position += 1
        count += 1
        name = f"{item.name}/{member.name}"
        if member.data is None:
            rejected_members.append(
                ImportItem.objects.create(
                    batch=batch,
                    position=position,
                    name=name[:1000],
                    status=ItemStatus.REJECTED,
                    reason=member.reason,
                    finished_at=timezone.now(),
                )
            )
            continue
        _item_add(
            batch,
            position,
            name,
            len(member.data),
            lambda data=member.data: data,
            Origin.ARCHIVE,
            batch.created_by,
            archive_name=item.name,
            file_name=member.name,
        )
    if count == 0:
        raise ArchiveRejected("The archive holds no files.")
    item.status = ItemStatus.UNPACKED
    item.reason = f"{count:,} file{'s' if count != 1 else ''} unpacked"
    item.rejected_members = rejected_members  # reported right after the archive


def batch_counts(batch: ImportBatch) -> dict:
    """How many items are in each status, plus total and done (one query)."""
    counts = ImportItem.objects.filter(batch=batch).aggregate(
        total=Count("pk", filter=~Q(status=ItemStatus.UNPACKED)),
        **{
            status: Count("pk", filter=Q(status=status))
            for status in (
                ItemStatus.PENDING,
                ItemStatus.IMPORTED,
                ItemStatus.DUPLICATE,
                ItemStatus.REJECTED,
                ItemStatus.UNPACKED,
            )
        },
    )
    counts["done"] = counts["total"] - counts[ItemStatus.PENDING]
    counts["percent"] = round(100 * counts["done"] / counts["total"]) if counts["total"] else 100
    return counts


def batch_is_stalled(batch: ImportBatch, minutes: int = 2) -> bool:
    """Not finished and no file done for a while: the worker died or is not running."""
    if batch.status == BatchStatus.DONE:
        return False
    last = batch.heartbeat_at or batch.created_at
    return timezone.now() - last > timedelta(minutes=minutes)


# Metadata ----------------------------------------------------------------------------


def can_edit_metadata(membership, *, uploaded_by_id) -> bool:
    """Reviewers and owners edit any article's metadata; others those they uploaded."""
    return membership.has_role(Role.REVIEWER) or uploaded_by_id == membership.user_id


def article_metadata_update(
    *,
    article: Article,
    title: str,
    outlet_name: str,
    published: FoundDate | None,
    language: str,
) -> Article:
    """Set what the review table or the about page says (text never changes here).
    An outlet name that matches no source creates one (kind: outlet)."""
    outlet = source_for_outlet(project=article.project, name=outlet_name, domain=_domain(article))
    article.title = " ".join(title.split())[:500]
    article.outlet = outlet
    article.outlet_proposed = ""
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
    article.language = language[:35]
    article.save(
        update_fields=[
            "title",
            "outlet",
            "outlet_proposed",
            "published_at",
            "published_precision",
            "published_tz",
            "published_raw",
            "language",
            "updated_at",
        ]
    )
    return article


def _domain(article: Article) -> str:
    return domain_of(article.url) if article.url else ""


def batch_outlet_language_set(*, batch: ImportBatch, outlet_name: str = "", language=None) -> int:
    """Give every article imported by the batch this outlet and/or language; returns how many."""
    articles = Article.objects.filter(
        pk__in=ImportItem.objects.filter(batch=batch, status=ItemStatus.IMPORTED).values(
            "article_id"
        )
    )
    changes = {}
    if outlet_name.strip():
        changes["outlet"] = source_for_outlet(project=batch.project, name=outlet_name)
        changes["outlet_proposed"] = ""
    if language is not None:
        changes["language"] = language[:35]
    if not changes:
        return 0
    return articles.update(**changes, updated_at=timezone.now())

"""Import batches: files uploaded together (the upload page, the API, `manage.py
import_articles`) are stored first, then imported by background tasks (tasks.py) of a few
seconds each, a few files per transaction (CHUNK_FILES), which can be resumed if their
worker dies. Keyword-only service functions."""

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from annotator.articles import tasks  # the module: tasks.py imports this one too
from annotator.articles.archives import ArchiveRejected, zip_members
from annotator.articles.models import (
    Article,
    BatchStatus,
    ImportBatch,
    ImportItem,
    ItemStatus,
    Origin,
    SourceFile,
)
from annotator.articles.parsing import Rejected, file_kind
from annotator.articles.services import (
    ImportFile,
    Overrides,
    PreparedArticle,
    article_prepare,
    articles_store,
    can_edit_metadata,
    source_for_outlet,
)
from annotator.bulk import rows_update
from annotator.projects.access import role_check, writable_check
from annotator.projects.models import Role
from annotator.sources.models import Source
from annotator.sources.services import SourceMatcher
from annotator.tasklimits import TaskTimeLimit

logger = logging.getLogger(__name__)


class BatchRefused(Exception):
    """The upload as a whole breaks a limit; nothing was stored."""


def batch_limits_check(*, files: int, total_bytes: int) -> None:
    """BatchRefused unless `files` files of `total_bytes` in all may be imported at once
    (IMPORT_BATCH_MAX_FILES, IMPORT_BATCH_MAX_BYTES): the one rule for the upload page, the
    command and the API."""
    if files == 0:
        raise BatchRefused("Choose at least one file.")
    if files > settings.IMPORT_BATCH_MAX_FILES:
        raise BatchRefused(
            f"{files:,} files is more than the {settings.IMPORT_BATCH_MAX_FILES:,} "
            "allowed at once. Upload them in several batches, or as a .zip."
        )
    if total_bytes > settings.IMPORT_BATCH_MAX_BYTES:
        raise BatchRefused(
            f"These files add up to {filesizeformat(total_bytes)}, more than the "
            f"{filesizeformat(settings.IMPORT_BATCH_MAX_BYTES)} allowed at once."
        )


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
    batch_start() then queues the background import, or batch_run() imports it now. Files
    over the per-article size limit are recorded as rejected at once, without their bytes."""
    writable_check(project)
    uploads = list(uploads)
    batch_limits_check(files=len(uploads), total_bytes=sum(upload.size for upload in uploads))
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            project=project, created_by=user, origin=origin, outlet=outlet, language=language
        )
        files = [
            (position, upload.name, upload.size, upload.read, "")
            for position, upload in enumerate(uploads, start=1)
        ]
        _items_add(batch, files, origin, user)
    return batch


def _items_add(batch, files, origin, user, archive_name="") -> None:
    """Add (position, name, size, read, file name) files to the batch as pending items,
    their bytes as SourceFiles, written CHUNK_BYTES at a time (two INSERTs for many files,
    and not all the bytes in memory at once); a file over its size limit is rejected at
    once, without its bytes."""
    items, held = [], 0
    for position, name, size, read, file_name in files:
        is_archive = file_kind(name) == "archive" and not archive_name
        limit = settings.IMPORT_BATCH_MAX_BYTES if is_archive else settings.ARTICLE_MAX_BYTES
        item = ImportItem(batch=batch, position=position, name=name[:1000], size=size)
        if size > limit:
            item.status = ItemStatus.REJECTED
            item.reason = (
                f"The file is {filesizeformat(size)}; the limit is {filesizeformat(limit)}."
            )
            item.finished_at = timezone.now()
        else:
            data = read()
            held += len(data)
            item.is_archive = is_archive
            item.source_file = SourceFile(
                project=batch.project,
                name=(file_name or name)[:500],
                archive_name=archive_name[:500],
                origin=Origin.ARCHIVE if archive_name else origin,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                data=data,
                uploaded_by=user,
            )
        items.append(item)
        if held >= CHUNK_BYTES:
            _items_write(items)
            items, held = [], 0
    _items_write(items)


def _items_write(items) -> None:
    SourceFile.objects.bulk_create([item.source_file for item in items if item.source_file])
    ImportItem.objects.bulk_create(items)  # each takes its SourceFile's new id


PAUSED, FINISHED = "paused", "finished"  # how _items_import stopped


def batch_run(*, batch_id: int, on_result: Callable[[ImportItem], None] | None = None):
    """Import every pending item of the batch, a few per transaction, and mark the
    batch done. Safe to run again (it resumes) and in two workers at once (rows are locked)."""
    batch = _batch_started(batch_id)
    _items_import(batch, on_result=on_result)
    return _batch_finished(batch)


def batch_run_part(*, batch_id: int, seconds: float) -> ImportBatch:
    """What one background task does: import pending items for about `seconds` (at least
    one), then queue the rest as a new task, behind whatever was queued meanwhile (another
    project's upload starts at once), or mark the batch done."""
    batch = _batch_started(batch_id)
    try:
        paused = _items_import(batch, deadline=time.monotonic() + seconds) == PAUSED
    except TaskTimeLimit:
        paused = True  # it rang between two files: the next part takes the one left
    if paused and ImportItem.objects.filter(batch=batch, status=ItemStatus.PENDING).exists():
        _enqueue(batch)
        return batch
    return _batch_finished(batch)


def _batch_started(batch_id: int) -> ImportBatch:
    batch = ImportBatch.objects.select_related("project", "outlet", "created_by").get(pk=batch_id)
    ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.QUEUED).update(
        status=BatchStatus.RUNNING, heartbeat_at=timezone.now()
    )
    return batch


# Files imported in one transaction: a few queries for all of them rather than a dozen per
# file (the commit, the progress, the queued suggesters, search index and matching). The
# first transaction of a task takes one file, so that the first result shows at once and a
# file that ran into the time limit alone is blamed; each next one takes twice as many.
CHUNK_FILES = 64
CHUNK_BYTES = 1024 * 1024  # but always one file, however big


def _items_import(batch, *, on_result=None, deadline: float | None = None) -> str:
    """Import pending items until none is left for this worker (FINISHED), or until
    `deadline` (time.monotonic) has passed or a file ran into the task's time limit (PAUSED)."""
    matcher = SourceMatcher(batch.project)
    overrides = Overrides(outlet=batch.outlet, language=batch.language)
    size = 1
    while True:
        with transaction.atomic():
            items = _items_take(batch, size)
            if not items:
                return FINISHED
            stopped = _items_run(batch, items, matcher, overrides)
            ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=timezone.now())
        for item in items:
            if on_result and item.status != ItemStatus.PENDING:
                on_result(item)
                for member in getattr(item, "rejected_members", []):
                    on_result(member)
        if stopped or (deadline is not None and time.monotonic() >= deadline):
            return PAUSED
        size = min(2 * size, CHUNK_FILES)


def _batch_finished(batch) -> ImportBatch:
    if not ImportItem.objects.filter(batch=batch, status=ItemStatus.PENDING).exists():
        ImportBatch.objects.filter(pk=batch.pk).exclude(status=BatchStatus.DONE).update(
            status=BatchStatus.DONE, finished_at=timezone.now()
        )
    batch.refresh_from_db()
    return batch


def _items_take(batch, size: int) -> list[ImportItem]:
    """The next pending items (`size` at most, CHUNK_BYTES unless just one), locked, with
    their bytes as item.data."""
    items = list(
        ImportItem.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(batch=batch, status=ItemStatus.PENDING)
        .select_related("source_file")
        .defer("source_file__data")
        .order_by("position")[:size]
    )
    taken, total = [], 0
    for item in items:
        total += item.size
        if taken and total > CHUNK_BYTES:
            break  # left for the next transaction (locked until this one ends)
        taken.append(item)
    data = dict(
        SourceFile.objects.filter(pk__in=[item.source_file_id for item in taken]).values_list(
            "pk", "data"
        )
    )
    for item in taken:
        item.data = bytes(data[item.source_file_id]) if item.source_file_id in data else None
    return taken


def _items_run(batch, items, matcher, overrides) -> bool:
    """Import these items (one transaction, the caller's) and record what became of each;
    True when the task's time limit rang (the file being read is rejected, the files after
    it wait for the next task)."""
    ready, stopped = [], False  # ready: (item, PreparedArticle)
    for item in items:
        if item.data is None or item.is_archive:
            stopped = _item_run(batch, item)
        else:
            prepared, stopped = _item_prepare(batch, item, matcher, overrides)
            if prepared is not None:
                ready.append((item, prepared))
        if stopped:
            break
    stopped = _items_store(batch, ready) or stopped
    done = [item for item in items if item.status != ItemStatus.PENDING]
    # Nothing is kept for rejected and duplicate files (nor the unpacked archives).
    dropped = [item.source_file_id for item in done if item.status != ItemStatus.IMPORTED]
    SourceFile.objects.filter(pk__in=dropped, article__isnull=True).delete()
    now = timezone.now()
    for item in done:
        if item.status != ItemStatus.IMPORTED:
            item.source_file = None
        item.finished_at = now
    rows_update(done, ["status", "reason", "article_id", "source_file_id", "finished_at"])
    return stopped


def _item_prepare(batch, item, matcher, overrides):
    """(PreparedArticle or None, whether the time limit rang) for one file; a file that is
    not to be stored gets its status and reason."""
    source = item.source_file
    try:
        result = article_prepare(
            file=ImportFile(source.name, item.data, source),
            overrides=overrides,
            matcher=matcher,
        )
    except TaskTimeLimit as limit:
        item.status = ItemStatus.REJECTED
        item.reason = f"Importing this file took too long. {limit}"
        return None, True
    except Exception:
        # A bug must not stop the batch or loop forever on this file: record it and go on.
        logger.exception("Import of %s (batch %s) failed", item.name, batch.pk)
        item.status = ItemStatus.REJECTED
        item.reason = "The import failed unexpectedly (an error in the app); it was logged."
        return None, False
    if isinstance(result, PreparedArticle):
        return result, False
    item.status, item.reason = result.status, result.reason
    return None, False


def _items_store(batch, ready) -> bool:
    """Store the prepared files together; True when the time limit rang meanwhile."""
    if not ready:
        return False
    try:
        with transaction.atomic():
            results = articles_store(
                project=batch.project,
                prepared=[prepared for _, prepared in ready],
                origin=batch.origin,
                uploaded_by=batch.created_by,
            )
    except TaskTimeLimit as limit:
        # Rolled back. One file is blamed as before; of several, none: they wait for the
        # next task, whose first transaction takes one file.
        if len(ready) == 1:
            item = ready[0][0]
            item.status = ItemStatus.REJECTED
            item.reason = f"Importing this file took too long. {limit}"
        return True
    except Exception:
        if len(ready) == 1:
            item = ready[0][0]
            logger.exception("Import of %s (batch %s) failed", item.name, batch.pk)
            item.status = ItemStatus.REJECTED
            item.reason = "The import failed unexpectedly (an error in the app); it was logged."
            return False
        # One file at a time finds the one that fails; a ring stops there (the generator).
        return any(_items_store(batch, [one]) for one in ready)
    for (item, _), result in zip(ready, results, strict=True):
        item.status, item.reason, item.article = result.status, result.reason, result.article
    return False


def _item_run(batch, item) -> bool:
    """Unpack an archive (its files are added as pending items), or reject an item whose
    bytes are missing; True when the task's time limit rang during it."""
    stopped = False
    try:
        with transaction.atomic():
            if item.data is None:
                raise Rejected("The uploaded bytes are missing (the upload did not finish).")
            _archive_unpack(batch, item, item.data)
    except (Rejected, ArchiveRejected) as exc:
        item.status, item.reason = ItemStatus.REJECTED, str(exc)
    except TaskTimeLimit as limit:
        # Its own transaction was rolled back; the other files go on in the next task.
        item.status = ItemStatus.REJECTED
        item.reason = f"Importing this file took too long. {limit}"
        stopped = True
    except Exception:
        logger.exception("Import of %s (batch %s) failed", item.name, batch.pk)
        item.status = ItemStatus.REJECTED
        item.reason = "The import failed unexpectedly (an error in the app); it was logged."
    return stopped


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
    rejected_members, files = [], []
    for member in members:
        position += 1
        count += 1
        name = f"{item.name}/{member.name}"
        if member.data is None:
            rejected_members.append(
                ImportItem(
                    batch=batch,
                    position=position,
                    name=name[:1000],
                    status=ItemStatus.REJECTED,
                    reason=member.reason,
                    finished_at=timezone.now(),
                )
            )
            continue
        files.append((position, name, len(member.data), lambda d=member.data: d, member.name))
    if count == 0:
        raise ArchiveRejected("The archive holds no files.")
    _items_add(batch, files, Origin.ARCHIVE, batch.created_by, archive_name=item.name)
    ImportItem.objects.bulk_create(rejected_members)
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


def batch_start(*, batch: ImportBatch) -> None:
    """Queue the batch's import once its rows are committed (the worker must see them)."""
    transaction.on_commit(lambda: _enqueue(batch))


def _enqueue(batch: ImportBatch) -> None:
    result = tasks.batch_import_task.enqueue(batch.pk)
    # Queued again is alive: the next part's wait in the queue is no stall.
    ImportBatch.objects.filter(pk=batch.pk).update(
        task_id=str(result.id), heartbeat_at=timezone.now()
    )


def batch_resume(*, batch: ImportBatch) -> bool:
    """Queue again a batch whose worker stopped; it goes on with the files left. False
    when the batch is done already."""
    if batch.status == BatchStatus.DONE:
        return False
    writable_check(batch.project_id)
    with transaction.atomic():
        ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.QUEUED)
        batch_start(batch=batch)
    return True


def batch_outlet_language_set(
    *, batch: ImportBatch, user, outlet_name: str = "", language=None
) -> int:
    """Give every article imported by the batch this outlet and/or language; returns how
    many. For its uploader, reviewers and owners (can_edit_metadata), not in an archived
    project (role_check)."""
    membership = role_check(
        user=user, project_id=batch.project_id, minimum=Role.ANNOTATOR, doing="do that"
    )
    if not can_edit_metadata(membership, uploaded_by_id=batch.created_by_id):
        raise PermissionDenied("Only the uploader, reviewers and owners review this import.")
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

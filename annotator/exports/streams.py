"""One entry point for every export (page, API, command, background task):
export_stream() returns the file name, content type and a byte iterator.

The iterator runs the whole export inside one read-only REPEATABLE READ transaction,
so the dataset card's counts and every pass over the data see the same snapshot.
"""

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.utils import timezone

from annotator.exports.card import SCHEMA_NAME, dataset_card, schema_text
from annotator.exports.formats import (
    BUNDLE_FILENAME,
    BUNDLE_KEY,
    FORMATS,
    ExportContext,
    bundle_formats_clean,
    export_keys,
)
from annotator.exports.records import Selection, article_records, snapshot
from annotator.exports.zipstream import encoded, zip_stream

ProgressCallback = Callable[[int, int], None]  # (articles done, articles to do)
ZIP = "application/zip"


class UnknownFormat(ValueError):
    """Not a format of the registry; the message lists them."""


@dataclass
class Export:
    filename: str
    content_type: str
    chunks: Iterator[bytes]

    @property
    def archive(self) -> bool:
        return self.content_type == ZIP


def export_content_type(key: str) -> str:
    return ZIP if key == BUNDLE_KEY or FORMATS[key].archive else FORMATS[key].content_type


def export_check(key: str) -> None:
    if key not in export_keys():
        raise UnknownFormat(f"Unknown format {key!r}: choose from {', '.join(export_keys())}.")


def export_stream(
    selection: Selection,
    key: str,
    bundle_formats: Iterable[str] = ("jsonl",),
    on_progress: ProgressCallback | None = None,
    consistent: bool = True,
) -> Export:
    """`key` is a format of formats.FORMATS or "zip" (a bundle of `bundle_formats`).

    consistent=False skips the snapshot transaction, so that a background task's
    progress writes are seen by others while it runs."""
    export_check(key)
    bundle_formats = bundle_formats_clean(bundle_formats)
    filename = BUNDLE_FILENAME if key == BUNDLE_KEY else FORMATS[key].filename
    stem = f"{selection.project.slug}-{'all' if selection.include_all else 'approved'}"
    return Export(
        f"{stem}-{filename}",
        export_content_type(key),
        _chunks(selection, key, bundle_formats, on_progress, consistent),
    )


def _chunks(selection, key, bundle_formats, on_progress, consistent) -> Iterator[bytes]:
    with snapshot() if consistent else contextlib.nullcontext():
        counts = selection.counts()
        passes = len(bundle_formats) if key == BUNDLE_KEY else 1
        progress = _Progress(counts["articles"] * passes, on_progress)
        context = ExportContext(selection, counts["spans"] + counts["links"] + counts["relations"])
        if key == BUNDLE_KEY:
            entries = _bundle_entries(selection, counts, bundle_formats, progress, context)
            yield from zip_stream(entries)
        elif FORMATS[key].archive:
            yield from zip_stream(FORMATS[key].write(progress.count(selection)))
        else:
            yield from encoded(FORMATS[key].write(progress.count(selection), context))
        progress.finish()


def _bundle_entries(selection, counts, bundle_formats, progress, context):
    files = [
        FORMATS[k].folder if FORMATS[k].archive else FORMATS[k].filename for k in bundle_formats
    ]
    card = dataset_card(selection, counts, files, timezone.now())
    yield "README.md", [card]
    yield SCHEMA_NAME, [schema_text()]
    for key in bundle_formats:
        fmt = FORMATS[key]
        if fmt.archive:
            yield from fmt.write(progress.count(selection), fmt.folder)
        else:
            yield fmt.filename, fmt.write(progress.count(selection), context)


class _Progress:
    """Reports articles done, at most every 1% (a background task saves it)."""

    def __init__(self, total: int, callback: ProgressCallback | None):
        self.total, self.done, self.callback = total, 0, callback
        self.step = max(1, total // 100)

    def count(self, selection: Selection) -> Iterator[dict]:
        for record in article_records(selection):
            yield record
            self.done += 1
            if self.callback and self.done % self.step == 0:
                self.callback(self.done, self.total)

    def finish(self):
        if self.callback:
            self.callback(self.total, self.total)

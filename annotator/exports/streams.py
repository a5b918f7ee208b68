"""One entry point for every export (page, API, command, background task):
export_stream() returns the file name, content type and a byte iterator.

The iterator runs the whole export inside one read-only REPEATABLE READ transaction,
so the dataset card's counts and every pass over the data see the same snapshot.
"""

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.utils import timezone

from annotator.exports import formats
from annotator.exports.card import SCHEMA_NAME, dataset_card, schema_text
from annotator.exports.records import Selection, article_records, snapshot

FORMAT_KEYS = [*formats.FORMATS, formats.BUNDLE.key]
ProgressCallback = Callable[[int, int], None]  # (articles done, articles to do)


@dataclass
class Export:
    filename: str
    content_type: str
    chunks: Iterator[bytes]


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
    if key not in FORMAT_KEYS:
        raise ValueError(f"Unknown format {key!r}; choose one of {', '.join(FORMAT_KEYS)}.")
    bundle_formats = [k for k in formats.FORMATS if k in set(bundle_formats)] or ["jsonl"]
    fmt = formats.BUNDLE if key == "zip" else formats.FORMATS[key]
    stem = f"{selection.project.slug}-{'all' if selection.include_all else 'approved'}"
    filename = f"{stem}-{fmt.filename}"
    return Export(
        filename,
        fmt.content_type,
        _chunks(selection, key, bundle_formats, on_progress, consistent),
    )


def _chunks(selection, key, bundle_formats, on_progress, consistent) -> Iterator[bytes]:
    with snapshot() if consistent else contextlib.nullcontext():
        counts = selection.counts()
        passes = len(bundle_formats) if key == "zip" else 1
        progress = _Progress(counts["articles"] * passes, on_progress)
        if key == "zip":
            yield from formats.zip_stream(
                _bundle_entries(selection, counts, bundle_formats, progress)
            )
        elif key == "brat":
            yield from formats.zip_stream(formats.brat_entries(progress.count(selection)))
        else:
            total = counts["spans"] + counts["links"] + counts["relations"]
            yield from formats.encoded(
                formats.text_pieces(key, progress.count(selection), selection, total)
            )
        progress.finish()


def _bundle_entries(selection, counts, bundle_formats, progress):
    files = [formats.FORMATS[k].filename if k != "brat" else "brat/" for k in bundle_formats]
    card = dataset_card(selection, counts, files, timezone.now())
    yield "README.md", [card]
    yield SCHEMA_NAME, [schema_text()]
    total = counts["spans"] + counts["links"] + counts["relations"]
    for key in bundle_formats:
        if key == "brat":
            yield from formats.brat_entries(progress.count(selection), folder="brat/")
        else:
            pieces = formats.text_pieces(key, progress.count(selection), selection, total)
            yield formats.FORMATS[key].filename, pieces


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

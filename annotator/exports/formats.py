"""The export formats: one registry that the export page, the background export, the API
and `manage.py export_dataset` all read. A format added here works in all four.

Each writer turns the records of records.py into text pieces as they come (or, for a
format that is a folder of files, into (path, pieces) entries), so an export never holds
more than one chunk of articles. Offsets are code points everywhere.
"""

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from annotator.exports.brat import brat_entries
from annotator.exports.claims_csv import csv_lines
from annotator.exports.records import Selection
from annotator.exports.w3c import w3c_pieces

BUNDLE_KEY = "zip"  # several formats in one .zip with a dataset card (streams.py)


@dataclass(frozen=True)
class ExportContext:
    """What a writer may need besides the records."""

    selection: Selection
    total: int  # spans + links + claim relations (the W3C collection's `total`)

    @property
    def base_iri(self) -> str:
        return f"urn:annotator:{self.selection.project.slug}:"


@dataclass(frozen=True)
class Format:
    key: str
    label: str
    filename: str  # of the download; an archive format's files go in a folder of its stem
    content_type: str
    description: str
    # Text formats: records -> pieces of the file. Archive formats (archive=True):
    # (records, folder) -> (path, pieces) entries, zipped on the way out.
    write: Callable[..., Iterable]
    archive: bool = False

    @property
    def folder(self) -> str:
        """Where an archive format's files go inside a bundle."""
        return self.filename.rsplit(".", 1)[0] + "/"


def jsonl_lines(records: Iterable[dict], context: ExportContext) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def _w3c(records: Iterable[dict], context: ExportContext) -> Iterator[str]:
    return w3c_pieces(
        records,
        base=context.base_iri,
        label=context.selection.project.name,
        total=context.total,
    )


def _csv(records: Iterable[dict], context: ExportContext) -> Iterator[str]:
    return csv_lines(records)


def _brat(records: Iterable[dict], folder: str = "") -> Iterator[tuple[str, Iterable]]:
    return brat_entries(records, folder)


FORMATS: dict[str, Format] = {
    f.key: f
    for f in [
        Format(
            "jsonl",
            "JSONL",
            "articles.jsonl",
            "application/jsonl; charset=utf-8",
            "One article per line with its spans, links, events and sources (canonical).",
            jsonl_lines,
        ),
        Format(
            "w3c",
            "W3C Web Annotation",
            "annotations.jsonld",
            'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"',
            "JSON-LD: one annotation per span (quote and position selectors), links "
            "as annotations on annotations.",
            _w3c,
        ),
        Format(
            "csv",
            "CSV of claims",
            "claims.csv",
            "text/csv; charset=utf-8",
            "One row per claim: event, claimed time, outlet and grade, attribution "
            "chain, hedges, credibility, status.",
            _csv,
        ),
        Format(
            "brat",
            "brat standoff",
            "brat.zip",
            "application/zip",
            ".txt and .ann per article with annotation.conf, for brat-compatible tools.",
            _brat,
            archive=True,
        ),
    ]
}
BUNDLE_LABEL = "Bundle with dataset card"
BUNDLE_FILENAME = "dataset.zip"


def export_keys() -> list[str]:
    """What an export may ask for: a format of the registry, or the bundle."""
    return [*FORMATS, BUNDLE_KEY]


def format_label(key: str) -> str:
    if key == BUNDLE_KEY:
        return BUNDLE_LABEL
    return FORMATS[key].label if key in FORMATS else key


def bundle_formats_clean(keys: Iterable[str]) -> list[str]:
    """The known formats among `keys`, in registry order; JSONL when none is."""
    chosen = set(keys)
    return [key for key in FORMATS if key in chosen] or ["jsonl"]

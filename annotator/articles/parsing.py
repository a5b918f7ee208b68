"""From the bytes of one uploaded file to an article's text and detected metadata.

Pure functions, no database: annotator.articles.services decides what is stored.
Libraries: trafilatura (main text and metadata of HTML pages), charset-normalizer
(Windows-1256 vs Windows-1252 when the bytes are not UTF-8), py3langid (language). Each is
imported by its one accessor below on first use: uploaded files are read by the worker
(batches.py), and a web process reads only pasted text, so it need not load them at
start-up (tests/test_startup_imports.py).
"""

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from annotator.articles.dates import FoundDate, find_date_in_text, parse_date
from annotator.articles.furniture import is_furniture

TEXT_SUFFIXES = {".txt", ".text", ""}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
ARCHIVE_SUFFIXES = {".zip"}
# Well-known binary formats, so the message can say what the file really is.
SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a .zip archive (or a Word/OpenDocument file)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
]
TITLE_MAX = 300
# Metadata is short: a longer front matter value is not metadata (a date has its own cap in
# dates.py), and a JSON-LD block longer than this is not read.
MAX_META_VALUE = 2000
MAX_JSON_LD = 100_000
# Fewer words than this from a web page is a menu or a caption, not an article.
MIN_HTML_WORDS = 5


class Rejected(Exception):
    """The file cannot become an article; the message says why, for the person uploading."""


@dataclass
class ParsedArticle:
    text: str
    title: str
    url: str = ""
    outlet_name: str = ""
    domain: str = ""
    published: FoundDate | None = None
    language: str = ""
    detected: dict = field(default_factory=dict)


def file_kind(name: str) -> str:
    suffix = PurePosixPath(name.lower()).suffix
    if suffix in ARCHIVE_SUFFIXES:
        return "archive"
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    if suffix in TEXT_SUFFIXES:
        return "text"
    return "unsupported"


def binary_kind(data: bytes) -> str | None:
    for signature, what in SIGNATURES:
        if data.startswith(signature):
            return what
    if data[:12].startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "a WebP image"
    return None


def decode_bytes(data: bytes, declared: str = "") -> tuple[str, str]:
    """(text, encoding name). UTF-8 (with or without BOM), UTF-16 (BOM, or plainly
    16-bit), a declared charset, then Windows-1256 or Windows-1252 as detected."""
    text, encoding = _decode(data, declared)
    if "\x00" in text:  # e.g. UTF-16 with a zero character: PostgreSQL cannot store it
        raise Rejected(
            f"The file holds a NUL character (U+0000) at position {text.index(chr(0))}, "
            "which is not text and cannot be stored. Remove it and upload the file again."
        )
    return text, encoding


def _decode(data: bytes, declared: str) -> tuple[str, str]:
    boms = [(b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")]
    for bom, encoding in boms:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise Rejected(
                    f"The file starts like {encoding.upper()} text but byte {exc.start} is not "
                    "valid there: it is damaged or not text."
                ) from exc
    if b"\x00" in data:
        encoding = _utf16_without_bom(data)
        if encoding:
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                pass
        raise Rejected("The file holds binary data (zero bytes), not text.")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return data.decode(declared), declared.lower()
        except (UnicodeDecodeError, LookupError):
            pass
    best = _charset_normalizer().from_bytes(data, cp_isolation=["cp1256", "cp1252"]).best()
    if best is None:
        raise Rejected(
            "The bytes could not be read as text: they are not valid UTF-8 or UTF-16, and do "
            "not look like Windows-1256 (Arabic) or Windows-1252 (Western) text either. "
            "Save the file as UTF-8 and upload it again."
        )
    return str(best), best.encoding


def _charset_normalizer():
    """charset-normalizer, for the first bytes that are not UTF-8 (pasted text always is)."""
    import charset_normalizer

    return charset_normalizer


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4000]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_zeros = sample[0::2].count(0) / (len(sample) / 2)
    odd_zeros = sample[1::2].count(0) / (len(sample) / 2)
    if odd_zeros > 0.3 and even_zeros < 0.05:
        return "utf-16-le"
    if even_zeros > 0.3 and odd_zeros < 0.05:
        return "utf-16-be"
    return None


def normalise_text(text: str) -> str:
    """NFC, every line break as "\\n"; spaces inside and at the end of lines stay."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


# Characters below the space but tab, \n, \v and \f: counted by a regex (in C; a loop over
# the characters in Python cost 0.7 ms per article).
_CONTROL = re.compile("[\x00-\x08\x0d-\x1f]")


def _reject_control_characters(text: str) -> None:
    controls = len(_CONTROL.findall(text))
    if controls > max(2, len(text) // 200):
        raise Rejected("The file holds control characters, so it is binary data rather than text.")


def _trim_blank_edges(text: str) -> str:
    """Drop blank lines before the first and after the last line with text."""
    lines = text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


# The model tells some Arabic dialects apart on little evidence; news is written in the
# standard language, and the suggesters read it as Arabic.
ARABIC_VARIETIES = {"ary": "ar", "arz": "ar"}


_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f]")  # counted in C, not char by char


def _arabic_count(text: str) -> int:
    return len(_ARABIC.findall(text))


def _letter_count(text: str) -> int:
    return sum(map(str.isalpha, text))


def _main_script_lines(text: str) -> str:
    """The lines in the script most of the text's letters are in: one Arabic line quoted in
    an English report (or the reverse) does not decide its language."""
    if not _ARABIC.search(text):
        return text  # one script: every line is kept (what the counting below finds too)
    lines = text.split("\n")
    arabic = [_arabic_count(line) for line in lines]
    letters = [_letter_count(line) for line in lines]
    if sum(arabic) * 2 > sum(letters):
        keep = [line for line, a, n in zip(lines, arabic, letters, strict=True) if a * 2 > n]
    else:
        keep = [line for line, a, n in zip(lines, arabic, letters, strict=True) if a * 2 <= n]
    return "\n".join(keep)


@cache
def _language_identifier():
    """py3langid's model (with numpy), loaded for the first text whose language is detected."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> tuple[str, float]:
    """(BCP 47 code or "", confidence) of the text's main language (the lines in its main
    script). Short or unclear text gives "" rather than a guess; mostly-Arabic-script text
    that the model is unsure about is taken as Arabic."""
    sample = _main_script_lines(text[:4000])[:2000]  # plenty for a reliable guess
    letters = "".join(filter(str.isalpha, sample))
    if len(letters) < 12:
        return "", 0.0
    code, probability = _language_identifier().classify(sample)
    code = ARABIC_VARIETIES.get(code, code)
    if probability >= 0.5:
        return code, round(float(probability), 3)
    if _arabic_count(letters) / len(letters) > 0.6:
        return "ar", round(float(probability), 3)
    return "", round(float(probability), 3)


def clip_title(title: str) -> str:
    title = " ".join(title.split())
    if len(title) <= TITLE_MAX:
        return title
    return title[:TITLE_MAX].rsplit(" ", 1)[0] + "…"


def parse_upload(name: str, data: bytes) -> ParsedArticle:
    """The article in one uploaded file (text, Markdown or HTML). Raises Rejected."""
    if not data:
        raise Rejected("The file is empty.")
    kind = file_kind(name)
    what = binary_kind(data)
    if what:
        raise Rejected(f"This is {what}, not a text, Markdown or HTML file.")
    if kind == "unsupported":
        suffix = PurePosixPath(name).suffix
        raise Rejected(
            f"Files of type “{suffix}” are not read: upload plain text (.txt), Markdown (.md) "
            "or saved web pages (.html), or a .zip of them."
        )
    if kind == "archive":
        raise Rejected("Archives inside archives are not opened: unpack the inner .zip first.")
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if kind == "html" or head.startswith((b"<!doctype html", b"<html")):
        return parse_html(data)
    text, encoding = decode_bytes(data)
    return parse_text(text, name, encoding, markdown=kind == "markdown")


def parse_text(raw: str, name: str, encoding: str, markdown: bool = False) -> ParsedArticle:
    """Plain text or Markdown: the text as given (front matter, if any, becomes metadata)."""
    text = normalise_text(raw)
    _reject_control_characters(text)
    meta, text = split_front_matter(text)
    text = _trim_blank_edges(text)
    if not text.strip():
        raise Rejected("The file holds only whitespace: there is no text to import.")
    detected = {"kind": "markdown" if markdown else "text", "encoding": encoding}
    title = meta.get("title", "")
    detected["title_from"] = "front matter"
    if not title:
        title, detected["title_from"] = text_title(text, name, markdown)
    published = parse_date(meta.get("date", ""))
    detected["date_from"] = "front matter" if published else ""
    if not published:
        published = find_date_in_text(text)
        detected["date_from"] = "a date line in the text" if published else ""
    url = meta.get("url", "")
    article = ParsedArticle(
        text=text,
        title=clip_title(title),
        url=url,
        outlet_name=meta.get("outlet", ""),
        domain=domain_of(url),
        published=published,
        language=meta.get("language", ""),
        detected=detected,
    )
    return _with_language(article)


FRONT_MATTER_KEYS = {
    "title": "title",
    "headline": "title",
    "outlet": "outlet",
    "source": "outlet",
    "publisher": "outlet",
    "site": "outlet",
    "url": "url",
    "link": "url",
    "date": "date",
    "published": "date",
    "published_at": "date",
    "language": "language",
    "lang": "language",
}


def split_front_matter(text: str) -> tuple[dict, str]:
    """`---` key: value lines `---` at the very top (as Jekyll/Hugo write them)."""
    match = re.match(r"---[ \t]*\n((?:[^\n]*\n){0,40}?)---[ \t]*(?:\n|$)", text)
    if not match:
        return {}, text
    meta = {}
    for line in match[1].split("\n"):
        key, sep, value = line.partition(":")
        known = FRONT_MATTER_KEYS.get(key.strip().lower())
        value = value.strip().strip("\"'")
        if sep and known and len(value) <= MAX_META_VALUE:
            meta[known] = value
    if not meta:
        return {}, text
    return meta, text[match.end() :]


def text_title(text: str, name: str, markdown: bool) -> tuple[str, str]:
    """(title, where it came from): a Markdown heading, else the first line of the top
    that reads like a headline (three words or more; not a date line, a section path, a
    byline or an interface label), else the file name."""
    lines = [line.strip() for line in text.split("\n")[:40] if line.strip()]
    if markdown:
        for line in lines[:10]:
            if line.startswith("#"):
                return line.lstrip("#").strip(), "the first Markdown heading"
    for line in lines[:10]:
        if (
            len(line.split()) >= 3
            and len(line) <= 400
            and not is_furniture(line)
            and not find_date_in_text(line)
        ):
            return line, "the first line that reads like a headline"
    if lines:
        return lines[0], "the first line"
    return PurePosixPath(name).stem, "the file name"


def domain_of(url: str) -> str:
    host = urlsplit(url).hostname or "" if url else ""
    return host.removeprefix("www.")


def _with_language(article: ParsedArticle) -> ParsedArticle:
    detected_code, confidence = detect_language(article.title + "\n" + article.text)
    article.detected["language_detected"] = detected_code
    article.detected["language_confidence"] = confidence
    if not article.language:
        article.language = detected_code
    return article


def _declared_charset(data: bytes) -> str:
    match = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", data[:4096], re.I)
    return match[1].decode("ascii") if match else ""


DATE_XPATHS = [
    "//meta[@property='article:published_time']/@content",
    "//meta[@name='article:published_time']/@content",
    "//meta[@property='og:published_time']/@content",
    "//meta[@itemprop='datePublished']/@content",
    "//*[@itemprop='datePublished']/@datetime",
    "//meta[@name='pubdate' or @name='publishdate' or @name='date' or @name='DC.date.issued']"
    "/@content",
    "//article//time[@datetime]/@datetime",
]


def html_published(tree) -> tuple[FoundDate | None, str]:
    """The publication time from the page's metadata (keeps the time and offset)."""
    for xpath in DATE_XPATHS:
        for value in tree.xpath(xpath):
            found = parse_date(str(value))
            if found:
                return found, f"HTML metadata ({xpath.split('@')[1].split(']')[0]})"
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        if len(script) > MAX_JSON_LD:
            continue
        try:
            data = json.loads(script)
        except (ValueError, RecursionError):  # not JSON, or nested deeper than it can read
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and isinstance(item.get("datePublished"), str):
                found = parse_date(item["datePublished"])
                if found:
                    return found, "HTML metadata (JSON-LD datePublished)"
    return None, ""


@cache
def _html_reader():
    """(trafilatura, lxml's ParserError), for the first HTML page read: a web process reads
    one only when a page's source is pasted."""
    import trafilatura
    from lxml.etree import ParserError

    return trafilatura, ParserError


def parse_html(data: bytes) -> ParsedArticle:
    """A saved web page: the main text (no menus, share buttons, related links) and metadata."""
    trafilatura, parser_error = _html_reader()
    html, encoding = decode_bytes(data, declared=_declared_charset(data))
    html = normalise_text(html)
    try:
        tree = trafilatura.load_html(html)
    except (ValueError, parser_error):
        tree = None
    if tree is None:
        raise Rejected("The HTML page could not be read.")
    published, date_from = html_published(tree)
    document = trafilatura.bare_extraction(
        tree,
        with_metadata=True,
        favor_precision=True,
        include_comments=False,
        include_tables=False,
        # Dates come from metadata or a date line, never guessed from the whole page.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = _trim_blank_edges(normalise_text(document.text or "")) if document else ""
    if len(text.split()) < MIN_HTML_WORDS:
        raise Rejected(
            "No article text was found in this HTML page (only menus, links or scripts). "
            "Save the article's own page, or paste its text."
        )
    if not published and document.date:
        published, date_from = parse_date(document.date), "HTML metadata (day only)"
    if not published:
        published = find_date_in_text(text)
        date_from = "a date line in the text" if published else ""
    url = document.url or ""
    article = ParsedArticle(
        text=text,
        title=clip_title(document.title or text.split("\n", 1)[0]),
        url=url,
        outlet_name=document.sitename or "",
        domain=domain_of(url) or (document.hostname or "").removeprefix("www."),
        published=published,
        detected={
            "kind": "html",
            "encoding": encoding,
            "extractor": f"trafilatura {trafilatura.__version__}",
            "title_from": "HTML metadata" if document.title else "the first line",
            "date_from": date_from,
        },
    )
    return _with_language(article)

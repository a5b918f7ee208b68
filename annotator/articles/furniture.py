"""Page furniture: the lines of a news page around the story that are not part of it.

A saved page carries its site's section path ("World | Middle East", "Home › News"),
bylines, interface labels ("Listen to this article"), datelines, photo captions with their
credits and "Related" link lists. The title finder skips them, and the claim suggester
proposes claims only in body lines: lines that end a sentence, as a story's paragraphs do
(a headline, a caption credit or a link has no full stop), or that are long enough to be a
paragraph that lost its last full stop.
"""

import re

from annotator.articles.dates import MAX_DATE_LINE, parse_date

# Starts only where a run of spaces starts: tried inside a run, "\s+" would rescan the rest
# of the run from every space (quadratic); a split or search finds the same separators.
SEPARATOR = r"(?<!\s)\s+(?:[|›»>/•·]|::)\s+"
NAVIGATION = re.compile(r"\S" + SEPARATOR + r"\S")
BYLINE = re.compile(
    r"^(?:by|written by|reporting by|from our|بقلم|كتب|كتبت|إعداد|تقرير|مراسل)\b"
    r"|(?:staff (?:reporter|writer)|correspondent|news desk)$",
    re.IGNORECASE,
)
INTERFACE = re.compile(
    r"^[•·*\-\s]*(?:listen to this article|share|advertisement|read more|related|photo|image|"
    r"watch|live|breaking|\d+ min(?:ute)? read|اقرأ أيضا|اقرأ أيضاً|شارك|إعلان|مباشر|عاجل)\b",
    re.IGNORECASE,
)
# The heading of a list of links to other stories; the short lines after it are its items.
LINK_LIST_HEADING = re.compile(
    r"^(?:related(?: stories| articles| news| coverage)?|read more|read also|see also|"
    r"more on this(?: story)?|more from \w+(?: \w+){0,3}|most read|recommended|you may also like|"
    r"اقرأ أيضا|اقرأ أيضاً|اقرأ ايضا|أخبار ذات صلة|مواضيع ذات صلة|ذات صلة|الأكثر قراءة|المزيد)"
    r"\s*[:：]?$",
    re.IGNORECASE,
)
CAPTION = re.compile(
    r"\((?:file )?(?:photo|picture|image|photograph|video|credit)\b[^()]{0,80}\)"
    r"|(?:^|[|/]\s*)(?:file )?(?:photo|picture|image|photograph|caption|credit)s?\s*(?::|by\b)"
    r"|\((?:صورة|الصورة|تصوير|أرشيف|ارشيف)[^()]{0,80}\)|(?:^|[|/]\s*)(?:الصورة|صورة|تصوير)\s*:",
    re.IGNORECASE,
)
SENTENCE_END = re.compile(r"[.!?؟…]$")
CLOSERS = "\"'”’»)]\u200f\u200e "
# A line this long is a paragraph even without its last full stop.
PARAGRAPH_WORDS = 25
LINK_WORDS = 16


def is_furniture(line: str) -> bool:
    """A section path, byline, interface label, photo caption or date line. Bylines and
    labels are short and end no sentence: "By Monday, the troops had left." is news."""
    line = line.strip()
    words = len(line.split())
    segments = re.split(SEPARATOR, line)
    short_segments = all(len(segment.split()) <= 4 for segment in segments)
    navigation = NAVIGATION.search(line) and len(segments) >= 2 and short_segments
    byline = BYLINE.search(line) and words <= 12 and not ends_a_sentence(line)
    label = INTERFACE.search(line) and words <= 5
    return bool(
        navigation
        or byline
        or label
        or CAPTION.search(line)
        or (len(line) <= MAX_DATE_LINE and parse_date(line) is not None)
    )


def ends_a_sentence(line: str) -> bool:
    return bool(SENTENCE_END.search(line.rstrip(CLOSERS)))


def body_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line that reads as part of the story, in text order."""
    found, position, in_link_list = [], 0, False
    for line in text.split("\n"):
        start, position = position, position + len(line) + 1
        stripped = line.strip()
        if not stripped:
            continue
        words = len(stripped.split())
        if LINK_LIST_HEADING.match(stripped):
            in_link_list = True
            continue
        if in_link_list and words < LINK_WORDS:
            continue  # an item of the list
        in_link_list = False
        if is_furniture(stripped):
            continue
        if ends_a_sentence(stripped) or words >= PARAGRAPH_WORDS:
            found.append((start, start + len(line)))
    return found

"""Cue lexicons (data files in lexicons/) compiled to patterns: pure functions, no Django.

English cues match case-insensitively on word boundaries. Arabic cues match with optional
diacritics and tatweel after every letter, any alef variant for an alef, ى for ي, and the
clitic prefixes و ف (conjunctions) and ب ل ك (prepositions) in front, kept outside the span.
Conditions in the lexicon (see lexicons/README.md) rule out known false friends, such as
"May" the month or "about" that is not followed by a number.
"""

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import regex

from annotator.months import AR_MONTH_VARIANTS, AR_MONTHS, EN_MONTH_ABBREVIATIONS, EN_MONTHS

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"

# Arabic combining marks (harakat, shadda, sukun, dagger alef, Quranic marks) and tatweel.
AR_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640"
MARKS = f"[{AR_MARKS}]*"
AR_LETTER = "\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff"
ALEFS = "اأإآٱ"
_AR_CLASSES = {a: f"[{ALEFS}]" for a in ALEFS} | {
    "ي": "[يى]",
    "ى": "[يى]",
    "ة": "[ةه]",
    "ه": "[ةه]",
}
# Letters that, alone at the end of a cue, are prepositions glued to the next word: "وفقاً لـ".
GLUED = {"ل", "ب", "ك"}
WORD_CHARS = rf"\w{AR_MARKS}"
EN_NUMBER_WORDS = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
    "hundred",
    "hundreds",
    "thousand",
    "thousands",
    "million",
    "millions",
    "billion",
    "dozen",
    "dozens",
    "half",
    "a",
    "an",
]
# Arabic number words, after normalising: stems (matched at the start of a word) and words.
AR_NUMBER_STEMS = [
    "واحد",
    "اثن",
    "ثلاث",
    "اربع",
    "خمس",
    "سبع",
    "ثمان",
    "تسع",
    "عشر",
    "مئ",
    "مائ",
    "مليون",
    "ملايين",
    "مليار",
]
AR_NUMBER_WORDS = set(["ست", "سته", "ستين", "ستون", "الف", "الاف", "الفي", "نصف", "ربع"])
EN_MONTH_NAMES = set(EN_MONTHS) | set(EN_MONTH_ABBREVIATIONS)
NEXT_WORD = regex.compile(rf"[\s\u00a0«»\"“”(]*([{WORD_CHARS}%.,]+)")
# Read backwards from a cue: the word before it costs its own length, not the text's.
PREV_WORD = regex.compile(rf"([{WORD_CHARS}]+)[\s\u00a0]*", regex.REVERSE)
NUMBER_START = regex.compile(r"[\d٠-٩]")
AR_NUMBER_PREFIX = regex.compile("^[وب]")


def is_arabic(language: str) -> bool:
    return language.split("-")[0].lower() == "ar"


_AR_FOLD = str.maketrans({a: "ا" for a in ALEFS} | {"ى": "ي", "ة": "ه"})
_AR_MARKS_RE = regex.compile(f"[{AR_MARKS}]")


def ar_normalise(text: str) -> str:
    """Arabic text without marks/tatweel, one alef, ي for ى and ه for ة; Latin lower-cased."""
    return _AR_MARKS_RE.sub("", text).translate(_AR_FOLD).casefold()


# How a month's name starts ("كانون" of "كانون الثاني"), normalised.
AR_MONTH_NAMES = list(
    dict.fromkeys(
        ar_normalise(name.split()[0])
        for name in [*(e for e, _ in AR_MONTHS), *AR_MONTH_VARIANTS, *(le for _, le in AR_MONTHS)]
    )
)


def ar_letters(word: str) -> str:
    """Pattern for an Arabic word: any marks after each letter, letter variants allowed."""
    out = []
    for char in word:
        if char.isspace():
            out.append(r"[\s\u00a0]+")
        else:
            out.append(_AR_CLASSES.get(char, regex.escape(char)) + MARKS)
    return "".join(out)


def ar_pattern(cue: str) -> str:
    """Arabic cue with optional clitic prefixes (outside the `cue` group) and boundaries."""
    prefix = rf"(?<![{AR_LETTER}{AR_MARKS}\w])(?:[وف]{MARKS})?(?:[بلك]{MARKS})?"
    words = cue.split()
    if words[-1] in GLUED:
        # "وفقاً لـ": the last letter is a preposition glued to the next word.
        body = ar_letters(" ".join(words[:-1])) + r"[\s\u00a0]+" + ar_letters(words[-1])
        return rf"{prefix}(?P<cue>{body})"
    body = ar_letters(cue)
    if cue.startswith("ال"):  # after the preposition ل the article loses its alef: للمصادر
        body = rf"(?:[{ALEFS}]{MARKS}|(?<=ل{MARKS}))" + ar_letters(cue[1:])
    return rf"{prefix}(?P<cue>{body})(?![{AR_LETTER}{AR_MARKS}\w])"


def en_pattern(cue: str) -> str:
    body = r"[\s\u00a0]+".join(regex.escape(word) for word in cue.split())
    return rf"(?<![\w-])(?P<cue>{body})(?![\w])"


def fold(text: str, language: str) -> str:
    """Text as cue prefilters see it: Arabic normalised, everything case-folded."""
    return ar_normalise(text) if is_arabic(language) else text.casefold()


def normalise_word(word: str, language: str) -> str:
    return ar_normalise(word) if is_arabic(language) else word.casefold()


def is_number_word(word: str, language: str) -> bool:
    if NUMBER_START.match(word):
        return True
    word = normalise_word(word, language).strip(".,")
    if is_arabic(language):
        word = AR_NUMBER_PREFIX.sub("", word) if len(word) > 3 else word
        return word in AR_NUMBER_WORDS or any(word.startswith(s) for s in AR_NUMBER_STEMS)
    return word in EN_NUMBER_WORDS


@dataclass(frozen=True)
class Cue:
    kind: str  # "hedge" or "attribution"
    language: str
    cue: str
    type: str  # a HedgeType value, or the attribution shape
    conditions: dict = field(default_factory=dict, hash=False, compare=False)
    pattern: regex.Pattern = field(default=None, hash=False, compare=False, repr=False)
    # The cue's first word as it appears in folded text, to skip absent cues quickly.
    key: str = field(default="", hash=False, compare=False, repr=False)

    @property
    def rule(self) -> str:
        return f"{self.kind}:{self.language}:{self.cue}"

    def find(self, text: str):
        """(start, end) of every place the cue occurs in `text` and its conditions hold."""
        for match in self.pattern.finditer(text):
            start, end = match.span("cue")
            if self._conditions_hold(text, start, end):
                yield start, end

    def _conditions_hold(self, text: str, start: int, end: int) -> bool:
        conditions = self.conditions
        if not conditions:
            return True
        following = _next_words(text, end, 6)
        next_word = normalise_word(following[0], self.language) if following else ""
        if "number" in conditions and not _number_follows(following, self.language):
            return False
        if "next" in conditions and not _word_in(next_word, conditions["next"]):
            return False
        if "not_next" in conditions and _word_in(next_word, conditions["not_next"]):
            return False
        if "not_prev" in conditions:
            previous = PREV_WORD.match(text, 0, start)
            word = normalise_word(previous.group(1), self.language) if previous else ""
            if word in conditions["not_prev"]:
                return False
        if "near" in conditions:
            near = {normalise_word(w, self.language) for w in following[:5]}
            if not near & conditions["near"]:
                return False
        return True


def _word_in(word: str, choices: set) -> bool:
    """`word` is one of `choices`; a choice ending in * matches any word starting with it."""
    return word in choices or any(c.endswith("*") and word.startswith(c[:-1]) for c in choices)


def _next_words(text: str, position: int, count: int) -> list[str]:
    words = []
    for _ in range(count):
        match = NEXT_WORD.match(text, position)
        if not match or "\n" in text[position : match.start(1)]:
            break
        words.append(match.group(1).rstrip(".,"))
        position = match.end()
    return words


def _number_follows(following: list[str], language: str) -> bool:
    """A quantity follows ("about 300", "up to half", "about a dozen"), not a date ("10 May")."""
    if not following:
        return False
    first, rest = following[0], following[1:]
    if first.casefold() in {"a", "an"}:
        first, rest = (rest[0], rest[1:]) if rest else ("", [])
    if not is_number_word(first, language):
        return False
    return not (rest and is_month(" ".join(rest[:2]), language))


def is_month(words: str, language: str) -> bool:
    """The words start with a month name ("May 2024", "كانون الثاني", "أيار")."""
    if is_arabic(language):
        return any(ar_normalise(words).startswith(m) for m in AR_MONTH_NAMES)
    return words.split(" ")[0].rstrip(".").capitalize() in EN_MONTH_NAMES


def _parse_conditions(text: str, language: str) -> dict:
    conditions = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, value = item.partition("=")
        if value:
            conditions[name] = {normalise_word(w, language) for w in value.split("|")}
        else:
            conditions[name] = True
    return conditions


@dataclass(frozen=True)
class FoldedText:
    """A text folded for fast lookups (marks dropped, letters unified, lower case), with the
    original index of every folded character."""

    folded: str
    index: tuple[int, ...]

    @classmethod
    def of(cls, text: str, language: str) -> "FoldedText":
        arabic = is_arabic(language)
        # The kept stretches (between marks) folded whole, not letter by letter; a stretch
        # whose length changes (a letter that folds to two) or with a capital sigma (which
        # lower() reads in context) is folded letter by letter.
        stretches = _AR_UNMARKED.finditer(text) if arabic else [_WHOLE.match(text)]
        chars, index = [], []
        for stretch in stretches:
            piece, start = stretch.group(), stretch.start()
            folded = piece.translate(_AR_FOLD).casefold() if arabic else piece.lower()
            if len(folded) != len(piece) or (not arabic and "Σ" in piece):
                folded = "".join(_fold_char(char, arabic) for char in piece)
            chars.append(folded)
            index.extend(range(start, start + len(piece)))
        return cls("".join(chars), tuple(index))

    def starts(self, key: str):
        """Original indexes where `key` occurs in the folded text."""
        position = self.folded.find(key)
        while position != -1:
            yield self.index[position]
            position = self.folded.find(key, position + 1)


_AR_UNMARKED = regex.compile(f"[^{AR_MARKS}]+")
_WHOLE = regex.compile(r"(?s).*")


def _fold_char(char: str, arabic: bool) -> str:
    folded = char.translate(_AR_FOLD).casefold() if arabic else char.lower()
    return folded if len(folded) == 1 else char


CLITICS = "وفبلك"


def find_cues(text: str, kind: str, language: str, disabled=frozenset(), folded=None):
    """(start, end, cue) for every cue of the lexicon in `text` whose conditions hold.

    Each cue's pattern is tried only where its first word occurs (and, in Arabic, up to two
    clitic letters before), which is far quicker than scanning the text once per cue.
    """
    if not is_arabic(language):  # one scan per cue is quick enough for English
        return [
            (start, end, cue)
            for cue in load_lexicon(kind, language)
            if not disabled or cue.rule not in disabled
            for start, end in cue.find(text)
        ]
    folded = folded or FoldedText.of(text, language)
    found = []
    for cue in load_lexicon(kind, language):
        if disabled and cue.rule in disabled:
            continue
        for key_start in folded.starts(cue.key):
            # A key without the article's alef ("لمصادر") may start one letter into the cue.
            origins = (
                [key_start - 1, key_start]
                if cue.key != fold(cue.cue, language)[: len(cue.key)]
                else [key_start]
            )
            for start in origins:
                if _cue_at(text, start, cue, language, found):
                    break
    return found


def _cue_at(text: str, start: int, cue: Cue, language: str, found: list) -> bool:
    """Add the cue if it starts exactly at `start` (clitics before it allowed)."""
    for candidate in _clitic_starts(text, start, language):
        match = cue.pattern.match(text, candidate)
        if match and match.start("cue") == start:
            if cue._conditions_hold(text, start, match.end("cue")):
                found.append((start, match.end("cue"), cue))
            return True
    return False


def _clitic_starts(text: str, start: int, language: str) -> list[int]:
    """`start` and, in Arabic, the positions of up to two clitic letters just before it."""
    starts = [start]
    if not is_arabic(language):
        return starts
    position = start
    for _ in range(2):
        position -= 1
        while position >= 0 and _AR_MARKS_RE.match(text[position]):
            position -= 1
        if position < 0 or text[position] not in CLITICS:
            break
        starts.append(position)
    return starts


@cache
def load_lexicon(kind: str, language: str) -> tuple[Cue, ...]:
    """The cues of lexicons/<kind>s.<language>.tsv, longest first; () if there is none."""
    path = LEXICON_DIR / f"{kind}s.{language}.tsv"
    if not path.exists():
        return ()
    cues = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            raise ValueError(f"{path.name}:{number}: expected 'cue<TAB>type', got {line!r}")
        cue, cue_type = parts[0].strip(), parts[1].strip()
        conditions = _parse_conditions(parts[2] if len(parts) > 2 else "", language)
        if is_arabic(language):
            pattern = regex.compile(ar_pattern(ar_normalise(cue)))
        else:
            flags = 0 if "case" in conditions else regex.IGNORECASE
            pattern = regex.compile(en_pattern(cue), flags)
        key = fold(cue.split()[0], language)
        if is_arabic(language) and key.startswith("ال"):
            key = key[1:]  # "لمصادر" is in both "المصادر" and "للمصادر"
        cues.append(Cue(kind, language, cue, cue_type, conditions, pattern, key))
    return tuple(sorted(cues, key=lambda c: -len(c.cue)))

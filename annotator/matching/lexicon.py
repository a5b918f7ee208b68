"""A claim read as tokens, and the matching lexicons (lexicons/*.tsv) found in them.

Tokens are numbers, words and single other characters; words are folded as the suggestion
lexicons fold them (ar_normalise: no marks or tatweel, one alef, ي for ى, ه for ة, lower
case), so one lexicon serves every language and mixed text. An Arabic word is also tried
without its clitics (و ف, then ب ل ك, then the article: "وبالصواريخ" → "صواريخ"). Lexicon
phrases are matched word by word, longest first, left to right, without overlap: the cost
is a few dictionary look-ups per token, whatever the text.
"""

from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import regex

from annotator.suggestions.lexicon import ar_normalise

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"
STOP_KEY = "-"  # a stop phrase: matched so that nothing shorter matches there, then dropped
DIGIT = "[0-9٠-٩۰-۹]"
# A number (with thousands separators, or plain) with its decimals, a word (letters and
# marks, no digits: "بـ12" is a clitic and a number), or any other visible character.
TOKEN = regex.compile(
    rf"(?P<num>{DIGIT}{{1,3}}(?:[,٬]{DIGIT}{{3}})+(?!{DIGIT})(?:[.٫]{DIGIT}+)?"
    rf"|{DIGIT}+(?:[.٫]{DIGIT}+)?)"
    r"|(?P<word>[^\W\d_]+)|(?P<other>\S)"
)
ARABIC_LETTERS = regex.compile(r"[\u0621-\u064a]")
HYPHENS = {"-", "‐", "–"}
MEMO_SIZE = 50_000
FUTURE_PERSONS = set("يتنا")  # the letters a present-tense verb starts with


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "num", "word" or "other"
    start: int
    end: int
    text: str
    fold: str
    forms: tuple[str, ...]  # fold, then fold without its clitics (Arabic)


def tokenize(text: str) -> list[Token]:
    tokens = []
    for match in TOKEN.finditer(text):
        kind = match.lastgroup
        piece = match.group()
        fold, forms = _folded(piece) if kind == "word" else (piece, (piece,))
        tokens.append(Token(kind, match.start(), match.end(), piece, fold, forms))
    return tokens


@lru_cache(maxsize=50_000)  # news repeats its words: folding each once is most of the work
def _folded(word: str) -> tuple[str, tuple[str, ...]]:
    fold = ar_normalise(word)
    return fold, word_forms(fold)


def word_forms(fold: str) -> tuple[str, ...]:
    """The folded word and, for Arabic, the word without و/ف, ب/ل/ك and ال in front (and
    without a future's س: "وستنسحب" → "تنسحب")."""
    if not fold or not ARABIC_LETTERS.match(fold):
        return (fold,) if fold else ()
    forms, rest = [fold], fold
    if rest[0] in "وف" and len(rest) > 2:
        rest = rest[1:]
        forms.append(rest)
    if rest[0] == "س" and rest[1:2] in FUTURE_PERSONS and len(rest) > 3:
        forms.append(rest[1:])  # "ستعزز": the future's س before a verb
    if rest[0] in "بلك" and len(rest) > 2:
        preposition, rest = rest[0], rest[1:]
        forms.append(rest)
        if preposition == "ل" and rest[0] == "ل" and len(rest) > 3:
            rest = rest[1:]  # "للقتلى": the preposition ل, then the article without its alef
            forms.append(rest)
    if rest.startswith("ال") and len(rest) > 3:
        forms.append(rest[2:])
    return tuple(dict.fromkeys(forms))


@dataclass(frozen=True)
class Entry:
    key: str
    language: str
    words: tuple[str, ...]  # folded; a word ending in * matches any word it starts
    extra: str  # the fourth column: an opposite, a place, a factor


@dataclass(frozen=True)
class Found:
    key: str
    start: int  # token indexes, end exclusive
    end: int
    entry: Entry
    clitic: bool  # the first word matched only without its clitics ("وأصيب")


@dataclass(frozen=True)
class Lexicon:
    entries: tuple[Entry, ...]
    exact: dict  # first word → entries
    stems: dict  # first word's stem (for "word*") → entries
    stem_lengths: tuple[int, ...]
    memo: dict = field(default_factory=dict, compare=False, repr=False)  # form → entries

    def find(self, tokens: list[Token], skip: frozenset[int] = frozenset()) -> list[Found]:
        """Every phrase of the lexicon in `tokens`, longest first, without overlaps; stop
        phrases included (callers drop key "-"), tokens in `skip` never start one."""
        found, i = [], 0
        while i < len(tokens):
            best = None if i in skip else self.longest_at(tokens, i)
            if best is None:
                i += 1
                continue
            found.append(best)
            i = best.end
        return found

    def longest_at(self, tokens: list[Token], i: int) -> Found | None:
        best = None
        for found in self.all_at(tokens, i):
            if best is None or found.end > best.end:
                best = found
        return best

    def all_at(self, tokens: list[Token], i: int):
        """Every phrase of the lexicon that starts at token i."""
        token = tokens[i]
        if token.kind == "num":
            return
        for n, form in enumerate(token.forms):
            for entry in self._candidates(form):
                end = _match_rest(tokens, i + 1, entry.words[1:])
                if end is not None:
                    yield Found(entry.key, i, end, entry, n > 0 and token.fold[0] in "وف")

    def _candidates(self, form: str) -> tuple[Entry, ...]:
        """The entries whose first word is `form`, or a stem of it."""
        entries = self.memo.get(form)
        if entries is None:
            entries = (*self.exact.get(form, ()),) + tuple(
                entry
                for length in self.stem_lengths
                if length <= len(form)
                for entry in self.stems.get(form[:length], ())
            )
            if len(self.memo) > MEMO_SIZE:
                self.memo.clear()
            self.memo[form] = entries
        return entries


def _word_matches(word: str, token: Token) -> bool:
    if token.kind != "word":
        return token.kind == "other" and word == token.fold  # "%"
    if word.endswith("*"):
        return any(form.startswith(word[:-1]) for form in token.forms)
    return word in token.forms


def _match_rest(tokens: list[Token], j: int, words: tuple[str, ...]) -> int | None:
    """The end of the phrase if `words` follow from token j (hyphens between allowed)."""
    for word in words:
        if j < len(tokens) and tokens[j].text in HYPHENS:
            j += 1
        if j >= len(tokens) or not _word_matches(word, tokens[j]):
            return None
        j += 1
    return j


def _phrase_words(phrase: str) -> tuple[str, ...]:
    """'air-strike' → ('air', 'strike'); '%' stays itself (units)."""
    words = [t.fold for t in tokenize(phrase.replace("*", "")) if t.text not in HYPHENS]
    if phrase.endswith("*"):
        words[-1] += "*"
    return tuple(words)


@cache
def load(name: str) -> Lexicon:
    """lexicons/<name>.tsv: key <TAB> language <TAB> phrase [<TAB> extra]."""
    path = LEXICON_DIR / f"{name}.tsv"
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = [part.strip() for part in line.split("\t")]
        if len(parts) < 3 or not parts[2]:
            raise ValueError(f"{path.name}:{number}: expected key, language, phrase: {line!r}")
        extra = parts[3] if len(parts) > 3 else ""
        entries.append(Entry(parts[0], parts[1], _phrase_words(parts[2]), extra))
    exact, stems = {}, {}
    for entry in entries:
        first = entry.words[0]
        if first.endswith("*"):
            if len(first) < 4:  # a stem of two letters would match half the language
                raise ValueError(f"{path.name}: stem too short: {first}")
            stems.setdefault(first[:-1], []).append(entry)
        else:
            exact.setdefault(first, []).append(entry)
    lengths = tuple(sorted({len(stem) for stem in stems}))
    return Lexicon(tuple(entries), exact, stems, lengths)


@cache
def opposites() -> dict[str, frozenset[str]]:
    """Each action key's opposite keys (lexicons/actions.tsv), symmetric."""
    pairs: dict[str, set[str]] = {}
    for entry in load("actions").entries:
        if entry.extra:
            pairs.setdefault(entry.key, set()).add(entry.extra)
            pairs.setdefault(entry.extra, set()).add(entry.key)
    return {key: frozenset(value) for key, value in pairs.items()}

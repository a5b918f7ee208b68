"""Proper names and places in a claim.

English names are runs of capitalised words ("Port Amara", "Hayy al-Sawaqi"); a
sentence's first word alone is not one. Arabic has no capitals, so an Arabic place is a
word after a place marker in the construct state ("بلدة كلفانو", not "البلدة الحدودية").
For comparing across languages (by sound, sounds.py) the net is wider: a name after "in",
"to", "near" …, "the Hessa crossing", and in Arabic a bare word after "في", "إلى", "قرب" …
that is no common noun (lexicons/not_places.tsv), with its head ("عين مرزونة", "تل حصفا").
"""

from functools import cache

from annotator.matching.lexicon import Token, load
from annotator.matching.numbers import number_at
from annotator.matching.quantities import MONTH_WORDS
from annotator.suggestions.dates import AR_WEEKDAYS, EN_WEEKDAYS
from annotator.suggestions.lexicon import ar_normalise

EN_PLACE_MARKERS = {("town", "of"), ("city", "of"), ("village", "of"), ("port", "of")}
EN_PLACE_MARKERS |= {("in",), ("province", "of"), ("district", "of"), ("region", "of")}
EN_MARKER_STARTS = {marker[0] for marker in EN_PLACE_MARKERS}
EN_PLACE_AFTER = {"crossing", "province", "district", "governorate", "camp", "square"}
EN_PLACE_AFTER |= {"bridge", "port", "airport", "village", "town", "city", "island", "valley"}
EN_PLACE_AFTER |= {"neighbourhood", "neighborhood", "quarter", "region", "base", "prison"}
EN_CONNECTORS = {"al", "el", "ad", "ar", "as", "ash", "az", "an", "at", "ul", "bin", "ibn"}
AR_PLACE_MARKERS = {"مدينه", "بلده", "قريه", "محافظه", "منطقه", "مخيم", "ولايه", "اقليم"}
AR_PLACE_MARKERS |= {"ناحيه", "قضاء", "ميناء", "مطار", "معبر", "بلدات", "قري", "حي", "جزيره"}
# The first word of many Arabic place names: the name is it and the next word.
AR_PLACE_HEADS = {"عين", "تل", "راس", "ام", "ابو", "بيت", "كفر", "دير", "خربه", "مزرعه"}
AR_PLACE_HEADS |= {"حي", "باب", "سوق", "جبل", "وادي", "بئر", "مرسي", "جسر", "شارع", "ساحه"}
AR_PLACE_HEADS |= {"بني", "تله", "جزيره", "قلعه", "نهر", "سهل"}
AR_WEEKDAY_WORDS = {ar_normalise(day) for day in AR_WEEKDAYS} | {"اثنين"}
NAME_STOPWORDS = {"the", "a", "an", "in", "on", "at", "of", "for", "to", "by", "from", "with"}
NAME_STOPWORDS |= {"and", "but", "or", "he", "she", "it", "they", "we", "i", "his", "her"}
NAME_STOPWORDS |= {"their", "its", "this", "that", "these", "those", "there", "mr", "mrs", "ms"}
NAME_STOPWORDS |= {"dr", "after", "before", "when", "while", "according", "officials", "police"}
NAME_STOPWORDS |= {d.casefold() for d in EN_WEEKDAYS} | MONTH_WORDS
SENTENCE_OPENERS = set(".!?:\"“«‘'(")
AR_MARKS_CHARS = "".join(chr(c) for c in range(0x064B, 0x0660)) + "\u0670\u0640"
# Where a name is probably a place: after these words, grouped so that an English place
# and an Arabic one stand in the same slot ("in Varn" / "في فارن"). "" is a place marker's
# slot ("the town of", "بلدة", "the Hessa crossing"), which fits any.
PLACE_SLOTS = {
    "in": "in", "at": "in", "inside": "in", "في": "in", "عند": "in", "داخل": "in",
    "to": "to", "into": "to", "towards": "to", "toward": "to", "الي": "to", "نحو": "to",
    "on": "on", "over": "on", "across": "on", "علي": "on",
    "near": "near", "outside": "near", "around": "near", "قرب": "near", "خارج": "near",
    "حول": "near", "from": "from", "من": "from", "between": "between", "بين": "between",
    "through": "through", "via": "through", "عبر": "through",
}  # fmt: skip


def names_of(tokens: list[Token], arabic: bool) -> frozenset[str]:
    """English proper names, folded: runs of capitalised words, not a sentence's first
    word alone. (Arabic: none; its places are found by places_of.)"""
    if arabic:
        return frozenset()
    names, i = set(), 0
    while i < len(tokens):
        name, end = _capitalised_run(tokens, i)
        if not name:
            i += 1
            continue
        opener = i == 0 or tokens[i - 1].text in SENTENCE_OPENERS
        if len(name) > 1 and not (opener and " " not in name):
            names.add(name)
        i = end
    return frozenset(names)


def places_of(tokens: list[Token], arabic: bool) -> frozenset[str]:
    """Names after a place marker, as written: "the town of Varn" → "Varn", "مدينة قرمل"."""
    return frozenset(name for slot, name in _places(tokens, arabic, wide=False))


def place_candidates(tokens: list[Token], arabic: bool) -> frozenset[tuple[str, str]]:
    """(slot, name as written) of the names that are probably places."""
    found = _places(tokens, arabic, wide=True)
    marked = {name for slot, name in found if slot == ""}
    return frozenset((slot, name) for slot, name in found if slot == "" or name not in marked)


def _places(tokens: list[Token], arabic: bool, wide: bool) -> set[tuple[str, str]]:
    found, run_end = set(), 0
    for i, token in enumerate(tokens[:-1]):
        if token.kind != "word":
            continue
        if arabic:
            found.update(_arabic_places(tokens, i, wide))
            continue
        for marker in EN_PLACE_MARKERS if token.fold in EN_MARKER_STARTS else ():
            if tuple(t.fold for t in tokens[i : i + len(marker)]) == marker:
                found.update(("", name) for name in _english_run(tokens, i + len(marker)))
        slot = PLACE_SLOTS.get(token.fold)
        if wide and slot:
            found.update((slot, name) for name in _english_run(tokens, i + 1, joined=True))
        if wide and i >= run_end and token.text[0].isupper():  # each run read once
            name, run_end = _capitalised_run(tokens, i)
            if name and run_end < len(tokens) and tokens[run_end].fold in EN_PLACE_AFTER:
                found.add(("", _written(tokens, i, run_end)))
    return found


def _arabic_places(tokens: list[Token], i: int, wide: bool):
    token, after = tokens[i], tokens[i + 1]
    if after.kind != "word":
        return
    if _is_bare_marker(token):
        yield "", _arabic_name(tokens, i + 1, later=False)[0]
    slot = PLACE_SLOTS.get(token.fold)
    if not wide or slot is None:
        return
    j, later = i + 1, False
    while j < len(tokens) and tokens[j].kind == "word" and _may_be_name(tokens[j], later):
        name, j = _arabic_name(tokens, j, later)
        yield slot, name
        later = True  # "بين كلفانو وأوسترابيل": a second place after و


def _arabic_name(tokens: list[Token], j: int, later: bool) -> tuple[str, int]:
    """The name at token j as written (a later one of a list without its و), with the word
    after it if it is a place-name head ("عين مرزونة"); and the index after it."""
    text = tokens[j].text[1:].lstrip(AR_MARKS_CHARS) if later else tokens[j].text
    head = tokens[j].fold[1:] if later else tokens[j].fold
    if head in AR_PLACE_HEADS and j + 1 < len(tokens) and tokens[j + 1].kind == "word":
        return f"{text} {tokens[j + 1].text}", j + 2
    return text, j + 1


def _may_be_name(token: Token, later: bool) -> bool:
    """Not a common Arabic word: no article, ة or pronoun ("منازلهم"), no date, number or
    word of the lexicons. A later one of a list must carry its و."""
    fold = token.fold
    if later:
        if fold[:1] != "و" or len(fold) < 4:
            return False
        fold = fold[1:]
    if fold in AR_PLACE_HEADS:
        return True
    if fold.startswith("ال") or fold.endswith(("ه", "هم", "ها", "هما", "كم", "نا")):
        return False
    if fold in MONTH_WORDS or fold in AR_WEEKDAY_WORDS or fold in AR_PLACE_MARKERS:
        return False
    return fold not in _lexicon_words() and number_at([token], 0) is None


@cache
def _lexicon_words() -> frozenset[str]:
    """The first words of the lexicons' Arabic phrases: common words, not names."""
    words = set()
    for name in ("not_places", "means", "actions", "measures", "units"):
        words.update(e.words[0].rstrip("*") for e in load(name).entries if e.language == "ar")
    return frozenset(words)


def _is_bare_marker(token: Token) -> bool:
    """A place marker without the article: "بلدة", "وبمدينة", not "البلدة"."""
    marker = next((form for form in token.forms if form in AR_PLACE_MARKERS), None)
    with_article = any(form.startswith("ال") and form[2:] == marker for form in token.forms)
    return marker is not None and not with_article


def _capitalised_run(tokens: list[Token], i: int) -> tuple[str, int]:
    """The capitalised words from token i ("Port Amara", "Hayy al-Sawaqi"), folded, and
    the index after them."""
    words = []
    while i < len(tokens) and tokens[i].kind == "word":
        token = tokens[i]
        glued = i + 2 < len(tokens) and tokens[i + 1].text == "-"
        glued = glued and token.end == tokens[i + 1].start == tokens[i + 2].start - 1
        if token.fold in EN_CONNECTORS and words and glued and tokens[i + 2].text[0].isupper():
            words.append(token.fold)
            i += 2
            continue
        if not token.text[0].isupper() or token.fold in NAME_STOPWORDS:
            break
        words.append(token.fold)
        i += 2 if glued else 1
    return " ".join(words), i


def _english_run(tokens: list[Token], i: int, joined: bool = False) -> list[str]:
    """The name from token i as written, and (joined) those after it with "and" or a comma
    ("between Kelvano and Ostrabel")."""
    names = []
    while True:
        name, end = _capitalised_run(tokens, i)
        if not name:
            return names
        names.append(_written(tokens, i, end))
        if not joined or end + 1 >= len(tokens) or tokens[end].fold not in {"and", ","}:
            return names
        i = end + 1


def _written(tokens: list[Token], start: int, end: int) -> str:
    return " ".join(t.text for t in tokens[start:end] if t.text != "-")

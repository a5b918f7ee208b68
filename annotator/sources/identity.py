"""When two names are one source: the match key. Pure functions, no Django.

"al-Watan", "Al Watan", "AlWatan", "AL-WATAN" and "El-Watan" share the key "watan";
"الوطن" and "الْوَطَن" share "وطن". The key ignores case, spaces, hyphens and other
punctuation, a leading article ("al-", "el-", "ال"), Arabic diacritics and tatweel, and the
alef, ya and ta marbuta variants. Latin and Arabic spellings of one name do not share a key:
they are tied by an alias ("Tasnim" with the alias "تسنيم"). Close misspellings are the
database's trigram similarity's job (sources/queries.py).
"""

import re
import unicodedata

ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
# A word boundary for the key: anything but a letter or digit, and a change from a lower
# to an upper case letter ("AlWatan").
WORDS = re.compile(r"[^\W_]+")
CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
LATIN_ARTICLES = {"al", "el"}
ARABIC_ARTICLE = "ال"
MAX_NAME = 200


def source_key(name: str) -> str:
    """The match key of a source's name (empty for a name with no letters or digits)."""
    text = unicodedata.normalize("NFKC", name[:MAX_NAME])
    text = ARABIC_MARKS.sub("", text).translate(ARABIC_FOLD)
    words = WORDS.findall(CAMEL.sub(" ", text))
    words = [word.casefold() for word in words]
    if len(words) > 1 and words[0] in LATIN_ARTICLES:
        words = words[1:]
    if words and words[0].startswith(ARABIC_ARTICLE) and len(words[0]) > len(ARABIC_ARTICLE) + 1:
        words[0] = words[0][len(ARABIC_ARTICLE) :]
    return "".join(words)


def source_keys(name: str, aliases) -> list[str]:
    """The keys of a name and its aliases, each once, in order."""
    return list(dict.fromkeys(key for key in map(source_key, [name, *aliases]) if key))


def name_fold(text: str) -> str:
    """Text folded for finding a name inside it: any case, Arabic marks and letter variants
    ignored, runs of spaces and punctuation as one space (offsets are not kept)."""
    text = unicodedata.normalize("NFKC", text)
    text = ARABIC_MARKS.sub("", text).translate(ARABIC_FOLD)
    return " ".join(word.casefold() for word in WORDS.findall(text))

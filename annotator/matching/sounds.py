"""How names sound, to compare them across scripts: a name's consonant skeleton in one
Latin alphabet, vowels and the weak letters (ا و ي ع ء ه ح, a e i o u w y h) dropped, near
letters merged (v and ف, q k c and ق ك, th and ث …), doubled ones once: "Kelvano" and
"كلفانو" both sound "klfn", "Dar Qunfudh" and "دار قنفذ" "drknfd"."""

from annotator.matching.lexicon import Token, tokenize

MIN_SOUND = 3  # shorter skeletons match too many words by chance
MAX_SOUND_WORDS = 3  # Arabic word runs heard as one name ("عين مرزونة")
_EN_PAIRS = {"th": "t", "sh": "s", "kh": "k", "gh": "g", "dh": "d", "ph": "f", "ch": "s"}
_EN_SOUNDS = dict(zip("bcdfgjklmnpqrstvxz", "bkdfggklmnbkrstfkz", strict=True))
_AR_SOUNDS = dict(zip("بتثجخدذرزسشصضطظغفقكلمنپڤگچ", "bttgkddrzsssdtzgfkklmnbfgs", strict=True))


def name_fold(name: str) -> str:
    """A name folded as tokens are: "Port Amara" → "port amara"."""
    return " ".join(t.fold for t in tokenize(name) if t.kind == "word")


def sound(name: str) -> str:
    """The consonant skeleton of a name in either script ("" if too short to tell)."""
    return _joined([_word_sound(word) for word in name_fold(name).split()])


def name_sounds(name: str) -> set[str]:
    """A name's sound, its words' sounds, and those of words in -at without the t (Arabic
    writes "Mazraat", "Khirbat" with a ة: "مزرعة", "خربة")."""
    words = name_fold(name).split()
    sounds = {sound(name), *(_joined([_word_sound(w)]) for w in words)}
    sounds |= {_joined([_word_sound(w[:-1])]) for w in words if w.endswith("at")}
    sounds |= {sound(" ".join(w[:-1] if w.endswith("at") else w for w in words))}
    sounds.discard("")
    return sounds


def heard(name: str, sounds: frozenset[str]) -> bool:
    """The name, or one of its words, sounds like one of `sounds` (too short: no say)."""
    mine = name_sounds(name)
    return not mine or bool(mine & sounds)


def _word_sound(word: str) -> str:
    if word.startswith("ال") and len(word) > 4:
        word = word[2:]
    if word[:1] >= "\u0600":
        return "".join(_AR_SOUNDS.get(c, "") for c in word)
    if word in {"al", "el"}:
        return ""
    for pair, one in _EN_PAIRS.items():
        word = word.replace(pair, one)
    return "".join(_EN_SOUNDS.get(c, "") for c in word)


def _joined(parts: list[str]) -> str:
    joined = "".join(parts)
    merged = "".join(c for n, c in enumerate(joined) if n == 0 or c != joined[n - 1])
    return merged if len(merged) >= MIN_SOUND else ""


def sounds_of(tokens: list[Token], names: frozenset[str], arabic: bool) -> frozenset[str]:
    """What a claim's names sound like: an English claim's names and each of their words;
    every run of one to three words of an Arabic claim (its names are not marked), the
    first also without clitics."""
    if not arabic:
        return frozenset(s for name in names for s in name_sounds(name))
    words = [t for t in tokens if t.kind == "word"]
    plain = [_word_sound(t.fold) for t in words]
    found = set()
    for i, word in enumerate(words):
        rest = plain[i + 1 : i + MAX_SOUND_WORDS]
        for first in {_word_sound(form) for form in word.forms}:
            found.update(_joined([first, *rest[:n]]) for n in range(len(rest) + 1))
    found.discard("")
    return frozenset(found)

"""Numbers written as digits (ASCII, Arabic-Indic, Persian; thousands separators) or as
words ("twenty-two", "a dozen", "خمسة وعشرين", "ثلاثمائة"), read from tokens (lexicon.py).
Small numbers and round ones only: news writes larger numbers in digits."""

from annotator.matching.lexicon import HYPHENS, Token

_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_EN_ONES = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
_EN_ONES += " fifteen sixteen seventeen eighteen nineteen"
EN_NUMBERS = {w: n for n, w in enumerate(_EN_ONES.split(), 1)}
EN_NUMBERS |= {w: 20 + 10 * n for n, w in enumerate(_TENS)}
_AR_STEMS = ["ثلاث", "اربع", "خمس", "ست", "سبع", "ثمان", "تسع"]  # 3 to 9, folded
AR_ONES = {"واحد": 1, "واحدا": 1, "واحده": 1, "اثنان": 2, "اثنين": 2, "اثنتان": 2}
AR_ONES |= {"اثنتين": 2, "ثماني": 8, "ثمانيه": 8}
AR_ONES |= {s: n for n, s in enumerate(_AR_STEMS, 3)} | {
    s + "ه": n for n, s in enumerate(_AR_STEMS, 3)
}
AR_TEEN_ONES = {"احد": 1, "احدي": 1, "اثنا": 2, "اثني": 2, "اثنتا": 2, "اثنتي": 2}
AR_TEN = {"عشر", "عشره"}
AR_ORDINALS = {"حادي", "ثاني", "ثالث", "رابع", "خامس", "سادس", "سابع", "ثامن", "تاسع"}
AR_ORDINALS |= {word + "ه" for word in AR_ORDINALS} | {"حاديه"}
AR_TENS = {"عشرون": 20, "عشرين": 20}
AR_TENS |= {s + end: 10 * n for n, s in enumerate(_AR_STEMS, 3) for end in ("ون", "ين")}
AR_NUMBERS = {"عشر": 10, "عشره": 10, "مئه": 100, "مائه": 100, "مئتان": 200, "مئتين": 200}
AR_NUMBERS |= {"مائتان": 200, "مائتين": 200, "الف": 1000, "الفا": 1000, "الفين": 2000}
AR_NUMBERS |= {s + h: 100 * n for n, s in enumerate(_AR_STEMS, 3) for h in ("مئه", "مائه")}
AR_ALL = AR_ONES | AR_TENS | AR_NUMBERS
MULTIPLIERS = {"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9, "مئه": 100}
MULTIPLIERS |= {"مائه": 100, "الف": 1e3, "الفا": 1e3, "الاف": 1e3, "مليون": 1e6, "ملايين": 1e6}
MULTIPLIERS |= {"مليار": 1e9, "مليارات": 1e9, "dozen": 12}
NUMBER_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫", "01234567890123456789.", ",٬")


def parse_digits(text: str) -> float:
    return float(text.translate(NUMBER_DIGITS))


def number_at(tokens: list[Token], i: int) -> tuple[float, int, bool] | None:
    """(value, end, approximate) of a number starting at token i, or None."""
    token = tokens[i]
    if token.kind == "num":
        return parse_digits(token.text), i + 1, False
    if token.kind != "word":
        return None
    if token.fold in EN_NUMBERS:
        value = EN_NUMBERS[token.fold]
        if (
            value >= 20
            and text_at(tokens, i + 1) in HYPHENS
            and fold_at(tokens, i + 2) in EN_NUMBERS
        ):
            ones = EN_NUMBERS[fold_at(tokens, i + 2)]
            return (value + ones, i + 3, False) if ones < 10 else (value, i + 1, False)
        return value, i + 1, False
    if token.fold == "dozen" and fold_at(tokens, i - 1) == "a":
        return 12, i + 1, True
    return _arabic_number_at(tokens, i)


def _arabic_number_at(tokens: list[Token], i: int) -> tuple[float, int, bool] | None:
    forms = tokens[i].forms
    if tokens[i].fold.endswith("الاثنين"):
        forms = _without_article(forms)  # "الاثنين" is Monday, not the two
    teen = _first(tokens[i].forms, AR_TEEN_ONES) or _first(tokens[i].forms, AR_ONES)
    if teen and _any_form(tokens, i + 1, AR_TEN) is not None:  # "خمسة عشر", "الاثني عشر"
        return teen + 10, i + 2, False
    if _any_form(tokens, i, AR_TEN) and _any_form(tokens, i - 1, AR_ORDINALS):
        return None  # "الخامس عشر": the fifteenth
    ones = _first(forms, AR_ONES)
    if ones:
        tens, end = _and_number(tokens, i + 1, AR_TENS)  # "خمسة وعشرين"
        return ones + (tens or 0), end, False
    value = _first(forms, AR_TENS) or _first(forms, AR_NUMBERS)
    if not value:
        return None
    end = i + 1
    while value % 100 == 0:  # "ألف وخمسمائة", "مئة وخمسون": hundreds and thousands add up
        more, after = _and_number(tokens, end, AR_ALL)
        if not more or more >= value:
            break
        value, end = value + more, after
    return value, end, False


def _and_number(tokens: list[Token], j: int, table: dict) -> tuple[float | None, int]:
    """A number word of `table` after "و" ("وعشرين", "و عشرين"), and the index after it."""
    if fold_at(tokens, j) == "و":
        value = _any_form(tokens, j + 1, table)
        return (value, j + 2) if value else (None, j)
    if fold_at(tokens, j)[:1] == "و" and tokens[j].kind == "word":
        value = _first(tokens[j].forms[1:], table)  # without its و: not "واحد" itself
        return (value, j + 1) if value else (None, j)
    return None, j


def _without_article(forms: tuple[str, ...]) -> tuple[str, ...]:
    with_article = {form[2:] for form in forms if form.startswith("ال")}
    return tuple(form for form in forms if form not in with_article)


def _first(forms: tuple[str, ...], table: dict) -> float | None:
    return next((table[f] for f in forms if f in table), None)


def _any_form(tokens: list[Token], j: int, table) -> float | None:
    if not 0 <= j < len(tokens) or tokens[j].kind != "word":
        return None
    if isinstance(table, set):
        return 1 if any(f in table for f in tokens[j].forms) else None
    return _first(tokens[j].forms, table)


def text_at(tokens: list[Token], j: int) -> str:
    return tokens[j].text if 0 <= j < len(tokens) else ""


def fold_at(tokens: list[Token], j: int) -> str:
    return tokens[j].fold if 0 <= j < len(tokens) else ""


def forms_at(tokens: list[Token], j: int) -> tuple[str, ...]:
    return tokens[j].forms if 0 <= j < len(tokens) else ()

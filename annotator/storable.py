"""Text PostgreSQL cannot store: a NUL character, or half of a surrogate pair (which JSON's
"\\ud800" and a broken client's form can carry). The request middleware (annotator/health.py)
and the dataset import refuse it with these words, rather than failing in the database."""


def unstorable(text: str) -> str | None:
    """What in `text` cannot be stored, said for a person; None when all of it can."""
    if "\x00" in text:
        return "a NUL character (U+0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "half of a surrogate pair, which is not valid Unicode"
    return None


def strings_in(data):
    """Every string in parsed JSON, keys included (iteratively: nesting costs no stack)."""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield key
                pending.append(item)
        elif isinstance(value, list):
            pending.extend(value)


def first_unstorable(data) -> str | None:
    """What the first unstorable string in `data` (parsed JSON) holds, or None."""
    return next(filter(None, map(unstorable, strings_in(data))), None)

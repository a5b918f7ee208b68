"""Numbers read from query strings and form fields.

`str.isdigit()` is true for "²" and "١٢", which `int()` then refuses or reads as another
number, and a forty-digit id overflows PostgreSQL's bigint: every door reads ids, versions
and page numbers here, so malformed ones are simply not numbers (the view answers 404 or
422, never 500).
"""

import re

ASCII_NUMBER = re.compile(r"[0-9]{1,18}")  # 18 digits always fit a bigint


def number(value, default=None):
    """The value as an int when it is a plain ASCII number, else `default`."""
    if isinstance(value, str) and ASCII_NUMBER.fullmatch(value):
        return int(value)
    return default


def numbers(values) -> list[int]:
    """The plain numbers among `values` (e.g. request.POST.getlist("claims")), in order."""
    return [n for n in (number(v) for v in values) if n is not None]

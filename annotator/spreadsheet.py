"""Cells of the CSV files the app writes (the claims export, an event's timeline): one rule
for all of them, here because both the events app and the exports built on it use it."""

# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe; other
    values (numbers, None) are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def spreadsheet_row(values) -> list:
    """Every cell of a row made spreadsheet-safe: no text cell is written raw."""
    return [spreadsheet_safe(value) for value in values]

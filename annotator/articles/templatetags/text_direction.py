"""An article's base direction from its language, for the text box: a right-to-left
article whose first line is Latin must still run right to left (dir="auto" would take
the direction of the first strong character)."""

from django import template

register = template.Library()

RIGHT_TO_LEFT = {"ar", "arc", "ckb", "dv", "fa", "he", "ps", "sd", "ug", "ur", "yi"}


@register.filter
def text_dir(language: str) -> str:
    """ "rtl" or "ltr" for a known language tag; "auto" when the language is unknown."""
    base = (language or "").split("-", 1)[0].lower()
    if not base or base == "und":
        return "auto"
    return "rtl" if base in RIGHT_TO_LEFT else "ltr"

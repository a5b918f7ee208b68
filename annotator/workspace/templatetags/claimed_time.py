"""A claimed time as the panel's field writes it: `{{ claim|claimed_typed }}` ("15 January
2025") and `{{ claim|claimed_read_as }}` ("15 January 2025, day"), for an annotation or a
suggested time (anything with claimed_at and claimed_precision)."""

from django import template

from annotator.annotations.models import TimePrecision
from annotator.workspace.claimed import claimed_text

register = template.Library()


@register.filter
def claimed_typed(item) -> str:
    return claimed_text(item.claimed_at, item.claimed_precision)


@register.filter
def claimed_read_as(item) -> str:
    typed = claimed_typed(item)
    if not typed or item.claimed_precision not in TimePrecision.values:
        return typed
    return f"{typed}, {TimePrecision(item.claimed_precision).label.lower()}"

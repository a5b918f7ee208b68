"""The kind registry for any template: `{% load kinds %}{% kinds as all_kinds %}`, and
`{{ counts|per_kind }}` to walk a {kind: n} dict in registry order."""

from django import template

from annotator.annotations.kinds import KINDS

register = template.Library()


@register.simple_tag
def kinds():
    return list(KINDS.values())


@register.filter
def per_kind(counts) -> list:
    """[(KindSpec, n)] for every kind of the registry, 0 where `counts` has none."""
    counts = counts or {}
    return [(spec, counts.get(name, 0)) for name, spec in KINDS.items()]

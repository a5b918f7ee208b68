from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key], or an empty list: `by_kind|get_item:"claim"`."""
    return mapping.get(key, [])

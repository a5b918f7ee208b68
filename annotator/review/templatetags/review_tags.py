from django import template

register = template.Library()


@register.filter
def measure(value):
    """An agreement figure with two decimals, or a dash when it is undefined."""
    return "—" if value is None else f"{value:.2f}"

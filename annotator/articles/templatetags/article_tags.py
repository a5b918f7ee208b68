from datetime import UTC

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from annotator.articles.dates import tzinfo_for
from annotator.articles.forms import LANGUAGE_NAMES
from annotator.articles.listing import article_listing as listing_for

register = template.Library()


@register.simple_tag
def article_listing(project, request):
    """The project's article list for the request's search and filters (three queries)."""
    return listing_for(project, request.GET)


@register.simple_tag
def published(article):
    """An article's date as the source gave it: day only, or time with its zone."""
    value = article.published_at
    if value is None:
        return mark_safe('<span class="muted">unknown</span>')  # noqa: S308 (a constant)
    if article.published_precision != "minute":
        return format_html(
            '<time datetime="{}">{}</time>', value.date().isoformat(), f"{value:%-d %b %Y}"
        )
    zone = tzinfo_for(article.published_tz)
    if zone is None:
        return format_html(
            '<time datetime="{}" title="Time as given; the source gave no time zone">{}</time>',
            value.strftime("%Y-%m-%dT%H:%M"),
            f"{value:%-d %b %Y, %H:%M}",
        )
    local = value.astimezone(zone)
    offset = local.strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}"
    label = offset if article.published_tz.startswith(("+", "-")) else article.published_tz
    return format_html(
        '<time datetime="{}" title="{} UTC">{} <span class="muted">{}</span></time>',
        local.isoformat(),
        f"{value.astimezone(UTC):%-d %b %Y, %H:%M}",
        f"{local:%-d %b %Y, %H:%M}",
        label if label == offset else f"{label} ({offset})",
    )


@register.filter
def language_name(code):
    return LANGUAGE_NAMES.get(code, code) if code else "unknown"

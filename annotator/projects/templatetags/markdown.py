from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter(name="markdown")
def render_markdown(text: str) -> str:
    """Markdown to HTML, sanitised: guidelines are written by users, so no raw HTML survives.
    Both libraries load on the first guidelines shown: Django imports every tag library when
    it renders its first page of any kind."""
    import markdown as markdown_lib
    import nh3

    html = markdown_lib.markdown(text or "", extensions=["extra", "sane_lists"])
    return mark_safe(nh3.clean(html, url_schemes={"http", "https", "mailto"}))  # noqa: S308

from django import template

from annotator.articles.readiness import readiness_of

register = template.Library()


@register.filter
def measure(value):
    """An agreement figure with two decimals, or a dash when it is undefined."""
    return "—" if value is None else f"{value:.2f}"


@register.filter
def facts_for(data, annotation):
    """What the export will carry of `annotation` (review.queries.ItemFacts)."""
    return data.facts.get(annotation.pk)


@register.filter
def readiness(article):
    """Which of the article's assignees marked their work ready, from its prefetched
    assignments (articles.readiness.Readiness)."""
    return readiness_of(article.assignments.all())

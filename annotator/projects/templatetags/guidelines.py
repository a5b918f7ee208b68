from django import template

register = template.Library()


@register.filter
def guidelines_unseen(membership) -> bool:
    """The project has guidelines this member has not opened since they last changed (or
    ever): their link says "updated". Reads only the membership and its project, which
    every project page has loaded already."""
    project = membership.project
    if not project.guidelines.strip():
        return False
    seen = membership.guidelines_seen_at
    updated = project.guidelines_updated_at
    return seen is None or (updated is not None and updated > seen)

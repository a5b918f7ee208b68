"""One way to answer a refused change on the htmx pages (workspace, review)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django_htmx.http import reswap


def flash_error(request, *, partial: str, message: str, fallback_url: str, status: int = 422):
    """htmx: the message in the page's flash area (`partial`, swapped out of band) and
    nothing else changed. Plain request: the message, then back to `fallback_url`."""
    if request.htmx:
        response = render(request, partial, {"flash_error": message, "oob": True}, status=status)
        return reswap(response, "none")
    messages.error(request, message)
    return redirect(fallback_url)

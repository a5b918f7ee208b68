"""How the htmx pages answer, in one place: a page or the part of it htmx swaps, the
result of a change, and a refused change. Each page is one template whose partials
(`{% partialdef %}`) are the parts htmx swaps."""

from collections.abc import Callable

from django.contrib import messages
from django.shortcuts import redirect, render
from django_htmx.http import reswap


def render_htmx(request, template: str, context: dict, *, partial: str, status: int = 200):
    """The whole page; for an htmx request only its `partial`."""
    name = f"{template}#{partial}" if request.htmx else template
    return render(request, name, context, status=status)


def changed(
    request,
    *,
    template: str,
    context: Callable[[], dict],
    redirect_to: str,
    partial: str = "update",
    status: int = 200,
):
    """After a change: htmx gets the page's `partial` (its context built only then), a
    plain request a redirect to `redirect_to`, so the page works without JavaScript."""
    if request.htmx:
        return render(request, f"{template}#{partial}", context(), status=status)
    return redirect(redirect_to)


def refused(
    request,
    *,
    template: str,
    message: str,
    redirect_to: str,
    status: int = 422,
    partial: str = "flash",
):
    """A change that was not made. htmx: the message in the page's flash area (`partial`,
    swapped out of band) and nothing else changed. Plain request: the message, then back
    to `redirect_to`."""
    if request.htmx:
        context = {"flash_error": message, "oob": True}
        response = render(request, f"{template}#{partial}", context, status=status)
        return reswap(response, "none")
    messages.error(request, message)
    return redirect(redirect_to)

"""Pages of claim matching: the proposals of an event (a page of its own, and the part the
event page loads), the proposals of one claim (the workspace's claim panel loads them), and
a person's decision on a pair."""

from dataclasses import dataclass

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from annotator.annotations.access import annotation_for_member
from annotator.annotations.kinds import CLAIM
from annotator.annotations.models import Annotation
from annotator.events.models import Event
from annotator.htmx import render_htmx
from annotator.matching import queries, services
from annotator.matching.models import MatchCandidate
from annotator.params import number
from annotator.projects.access import membership_or_404

TEMPLATE = "matching/proposals.html"
DECIDED_EVENT = "matches-decided"  # the event page refreshes its groups on it


ON_EVENT_PAGE = 5  # pairs the event page shows above its analysis; the rest on their page


def _event_context(membership, event, error="", every=False):
    """`every`: the proposals' own page (50 at a time), else the event page's first few."""
    matches = queries.event_matches(event.pk, limit=queries.SHOWN if every else ON_EVENT_PAGE)
    count = queries.event_match_count(event.pk)
    return {
        "project": membership.project,
        "membership": membership,
        "event": event,
        "matches": matches,
        "match_count": count,
        "more": count - len(matches),
        "every": every,
        "error": error,
    }


@require_GET
def event_proposals(request, slug, event_id):
    membership = membership_or_404(request.user, slug)
    event = get_object_or_404(Event, pk=event_id, project=membership.project)
    context = _event_context(membership, event, every=not request.htmx)
    return render_htmx(request, TEMPLATE, context, partial="event_list")


def _claim_context(membership, claim, error=""):
    return {
        "project": membership.project,
        "membership": membership,
        "claim": claim,
        "groups": queries.by_event(queries.claim_matches(claim.pk) if claim.kind == CLAIM else []),
        "error": error,
    }


@require_GET
def claim_proposals(request, slug, annotation_id):
    membership, claim = annotation_for_member(request.user, slug, annotation_id)
    if not request.htmx:  # the list lives in the claim's panel: there it is
        return redirect(_claim_url(slug, claim))
    return render_htmx(request, TEMPLATE, _claim_context(membership, claim), partial="claim_list")


def _claim_url(slug, claim) -> str:
    return reverse("workspace:article", args=[slug, claim.article_id]) + f"?selected={claim.pk}"


@dataclass(frozen=True)
class _Origin:
    """The list a decision was made from (the form's `from`: event:<id> or claim:<id>),
    found before deciding, so a decision is never made for a page that cannot answer."""

    claim: Annotation | None
    event: Event | None
    every: bool


def _origin(request, membership, fallback_event_id) -> _Origin:
    where, _, pk = request.POST.get("from", "").partition(":")
    every = request.POST.get("every") == "1"
    if where == "claim":
        _, claim = annotation_for_member(request.user, membership.project.slug, number(pk, 0))
        return _Origin(claim, None, every)
    event_id = number(pk, 0) if where == "event" else fallback_event_id
    return _Origin(None, get_object_or_404(Event, pk=event_id, project=membership.project), every)


@require_POST
def decide(request, slug, candidate_id):
    """same / contradicts / reject; then the list it was decided from, again."""
    membership = membership_or_404(request.user, slug)
    candidate = get_object_or_404(MatchCandidate, pk=candidate_id, project=membership.project)
    origin = _origin(request, membership, candidate.event_id)
    error = ""
    try:
        services.match_decide(
            candidate=candidate, decision=request.POST.get("decision", ""), user=request.user
        )
    except ValueError as exc:
        error = str(exc)
    return _after(request, membership, origin, error)


@require_POST
def event_reject(request, slug, annotation_id):
    """ "Not this event" for a claim without one."""
    membership, claim = annotation_for_member(request.user, slug, annotation_id)
    event_id = number(request.POST.get("event"), 0)
    origin = _origin(request, membership, event_id)
    services.match_event_reject(claim=claim, event_id=event_id, user=request.user)
    return _after(request, membership, origin, "")


def _after(request, membership, origin: _Origin, error: str):
    slug = membership.project.slug
    claim = origin.claim
    if not request.htmx:
        if error:
            messages.error(request, error)
        if claim is not None:
            return redirect(_claim_url(slug, claim))
        return redirect(reverse("matching:event", args=[slug, origin.event.pk]))
    if claim is None:
        context = _event_context(membership, origin.event, error, origin.every)
        response = render_htmx(request, TEMPLATE, context, partial="event_list")
        return response if error else trigger_client_event(response, DECIDED_EVENT)
    version = claim.version
    claim.refresh_from_db(fields=["version", "event"])
    response = render_htmx(
        request, TEMPLATE, _claim_context(membership, claim, error), partial="claim_list"
    )
    # Moved into an event: the workspace reads its panel again (else it would save an old
    # version); any other decision leaves the panel, and what is typed in it, alone.
    moved = claim.version != version
    return trigger_client_event(response, DECIDED_EVENT) if moved else response

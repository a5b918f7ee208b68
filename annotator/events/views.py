import csv
import json
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from annotator.annotations.access import annotation_for_member
from annotator.annotations.kinds import CLAIM
from annotator.annotations.services import AnnotationConflict
from annotator.events import fragments, services
from annotator.events.analysis import EventAnalysis, event_analysis
from annotator.events.layout import group_colour, timeline_layout
from annotator.events.models import ClaimRelation, Event, RelationKind
from annotator.events.timeline import Group
from annotator.htmx import changed
from annotator.params import number, numbers
from annotator.projects.access import membership_or_404
from annotator.projects.models import Role
from annotator.spreadsheet import spreadsheet_row

CREDIBILITY = [
    (1, "1 confirmed"),
    (2, "2 probably true"),
    (3, "3 possibly true"),
    (4, "4 doubtful"),
    (5, "5 improbable"),
    (6, "6 cannot be judged"),
]


@require_http_methods(["GET", "POST"])
def event_list(request, slug):
    membership = membership_or_404(request.user, slug)
    project = membership.project
    error = None
    if request.method == "POST":
        try:
            event = services.event_create(
                project=project,
                title=request.POST.get("title", ""),
                place=request.POST.get("place", ""),
                description=request.POST.get("description", ""),
            )
            return redirect("events:detail", slug, event.pk)
        except services.EventError as exc:
            error = str(exc)
    events = Event.objects.filter(project=project).annotate(
        claim_count=Count("claims", filter=Q(claims__kind=CLAIM)),
        article_count=Count("claims__article", distinct=True),
    )
    return render(
        request,
        "events/event_list.html",
        {
            "project": project,
            "membership": membership,
            "events": events,
            "error": error,
        },
        status=422 if error else 200,
    )


GROUPS_SHOWN = 60  # group cards, contradiction pairs, discrepancies shown before "show all"


@dataclass
class GroupCard:
    """A group as the page draws it: the analysis's group and its colour."""

    group: Group
    colour: str


def _event_context(membership, event, error=None, show_all=False):
    """The page: the analysis, plus what only the page needs (colours, the picture's
    layout, the HTML of the rows that repeat per claim)."""
    analysis: EventAnalysis = event_analysis(event)
    limit = None if show_all else GROUPS_SHOWN
    can_review = membership.has_role(Role.REVIEWER)
    slug = membership.project.slug
    group_of = {row.claim.pk: row.group for row in analysis.rows}
    layout = timeline_layout(analysis.claims, group_of)
    linked = analysis.linked_groups
    return {
        "project": membership.project,
        "membership": membership,
        "event": event,
        "can_review": can_review,
        "error": error,
        "claims": analysis.claims,
        "rows": analysis.rows,
        "groups": analysis.groups,
        "relations": analysis.relations,
        "lone_claims": analysis.lone_claims,
        "layout": layout,
        "rows_html": fragments.table_rows(analysis.rows, slug, can_review),
        "marks_html": fragments.timeline_marks(layout, slug),
        "relations_html": fragments.relation_items(analysis.relations),
        "shown_groups": [GroupCard(g, group_colour(g.number)) for g in linked[:limit]],
        "hidden_groups": max(0, len(linked) - GROUPS_SHOWN) if limit else 0,
        "contradictions": analysis.contradictions,
        "discrepancies": analysis.discrepancies[:limit],
        "hidden_discrepancies": max(0, len(analysis.discrepancies) - GROUPS_SHOWN) if limit else 0,
        "shown_contradictions": [
            [GroupCard(g, group_colour(g.number)) for g in pair]
            for pair in analysis.contradictions[:limit]
        ],
    }


@require_GET
def event_detail(request, slug, event_id):
    membership = membership_or_404(request.user, slug)
    event = get_object_or_404(Event, pk=event_id, project=membership.project)
    context = _event_context(membership, event, show_all=request.GET.get("groups") == "all")
    return render(request, "events/event_detail.html", context)


def _analysis(request, membership, event, error=None):
    """After a change: the groups, table and relations again (htmx), or the page."""
    if error and not request.htmx:
        messages.error(request, error)
    return changed(
        request,
        template="events/event_detail.html",
        partial="analysis",
        context=lambda: _event_context(membership, event, error),
        redirect_to=reverse("events:detail", args=[membership.project.slug, event.pk]),
        status=422 if error else 200,
    )


@require_POST
def relation_create(request, slug, event_id):
    """Link the ticked claims: all as the same assertion, or two as contradicting."""
    membership = membership_or_404(request.user, slug)
    event = get_object_or_404(Event, pk=event_id, project=membership.project)
    ids = numbers(request.POST.getlist("claims"))
    claims = list(event.claims.filter(kind=CLAIM, pk__in=ids).order_by("pk"))
    kind = request.POST.get("kind", "")
    if len(claims) < 2:
        return _analysis(request, membership, event, "Tick at least two claims to link them.")
    if kind == RelationKind.CONTRADICTS and len(claims) != 2:
        return _analysis(request, membership, event, "Tick exactly two claims that contradict.")
    try:
        for other in claims[1:]:
            services.claim_relation_create(
                claim=claims[0], other=other, kind=kind, user=request.user
            )
    except services.EventError as exc:
        return _analysis(request, membership, event, str(exc))
    return _analysis(request, membership, event)


@require_POST
def relation_delete(request, slug, event_id):
    membership = membership_or_404(request.user, slug)
    event = get_object_or_404(Event, pk=event_id, project=membership.project)
    relation = get_object_or_404(
        ClaimRelation, pk=number(request.POST.get("relation"), 0), claim_a__event=event
    )
    services.claim_relation_delete(relation=relation, user=request.user)
    return _analysis(request, membership, event)


@require_http_methods(["GET", "POST"])
def credibility_set(request, slug, annotation_id):
    """GET: the small form to rate one claim; POST: set its credibility (reviewers)."""
    membership, claim = annotation_for_member(request.user, slug, annotation_id)
    if not membership.has_role(Role.REVIEWER):
        raise PermissionDenied("Only reviewers and owners rate credibility.")
    if claim.event_id is None or claim.kind != CLAIM:
        return HttpResponse("Only claims of an event are rated here.", status=422)
    if request.method == "GET":
        return render(
            request,
            "events/event_detail.html#credibility_form",
            {
                "project": membership.project,
                "claim": claim,
                "choices": CREDIBILITY,
            },
        )
    value = request.POST.get("credibility", "")
    error = None
    try:
        if value and number(value) is None:
            raise services.EventError("Credibility is a number from 1 to 6, or empty.")
        services.claim_credibility_set(
            claim=claim,
            credibility=number(value),
            version=number(request.POST.get("version"), 0),
            user=request.user,
        )
    except services.EventError as exc:
        error = str(exc)
    except AnnotationConflict:
        error = "Someone changed this claim meanwhile; its current values are shown."
    return _analysis(request, membership, claim.event, error)


@require_GET
def timeline_csv(request, slug, event_id):
    membership = membership_or_404(request.user, slug)
    event = get_object_or_404(Event, pk=event_id, project=membership.project)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}-timeline.csv"'
    response.write("\ufeff")  # so spreadsheet programs read the Arabic as UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [
            "claimed_at",
            "precision",
            "reported_at",
            "outlet",
            "outlet_grade",
            "quote",
            "hedges",
            "attribution_chain",
            "credibility",
            "admiralty",
            "status",
            "group",
            "article_url",
            "claim_id",
            "differences",
        ]
    )
    analysis = event_analysis(event)
    differences = analysis.differences_by_claim()
    for row in analysis.rows:
        claim = row.claim
        writer.writerow(
            spreadsheet_row(
                [
                    claim.claimed_at.isoformat() if claim.claimed_at else "",
                    claim.claimed_precision,
                    claim.article.published_at.isoformat() if claim.article.published_at else "",
                    claim.article.outlet.name if claim.article.outlet_id else "",
                    row.grade or "",
                    claim.quote,
                    "; ".join(h.quote for h in row.hedges),
                    " | ".join(str(chain) for chain in row.chains),
                    claim.credibility or "",
                    row.admiralty,
                    claim.status,
                    row.group,
                    request.build_absolute_uri(
                        f"/p/{slug}/articles/{claim.article_id}/?selected={claim.pk}"
                    ),
                    claim.pk,
                    "; ".join(
                        f"{d.this} vs {d.other} ({d.facet}) with claim {d.other_claim_id}"
                        for d in differences.get(claim.pk, [])
                    ),
                ]
            )
        )
    return response


def _timeline_differences(differences) -> str:
    """The discrepancies a claim is part of, for its TimelineJS text."""
    return "".join(
        f" Discrepancy ({d.facet}): {d.this} here, {d.other} in "
        f"{d.other_claim.article.outlet_name if d.other_claim else 'another report'}."
        for d in differences
    )


@require_GET
def timeline_json(request, slug, event_id):
    """The timeline in TimelineJS's JSON format; every text is HTML-escaped (TimelineJS
    renders HTML), so a quote holding markup stays text."""
    membership = membership_or_404(request.user, slug)
    event = get_object_or_404(Event, pk=event_id, project=membership.project)
    items = []
    analysis = event_analysis(event)
    differences = analysis.differences_by_claim()
    for row in analysis.rows:
        claim = row.claim
        moment = claim.claimed_at or claim.article.published_at
        if moment is None:
            continue
        outlet = claim.article.outlet_name
        date = {"year": moment.year, "month": moment.month, "day": moment.day}
        if claim.claimed_precision == "month":
            del date["day"]
        elif claim.claimed_precision == "minute":
            date.update(hour=moment.hour, minute=moment.minute)
        items.append(
            {
                "start_date": date,
                "text": {
                    "headline": escape(f"{outlet}: {claim.quote[:80]}"),
                    "text": escape(
                        f"{claim.quote} — {' | '.join(str(c) for c in row.chains)}"
                        + (
                            f" (reported {claim.article.published_at:%Y-%m-%d %H:%M})"
                            if claim.article.published_at
                            else ""
                        )
                        + _timeline_differences(differences.get(claim.pk, []))
                    ),
                },
                "group": escape(outlet),
                "unique_id": f"claim-{claim.pk}",
            }
        )
    payload = {
        "title": {"text": {"headline": escape(event.title), "text": escape(event.description)}},
        "events": items,
    }
    response = HttpResponse(
        json.dumps(payload, ensure_ascii=False, indent=1),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}-timelinejs.json"'
    return response

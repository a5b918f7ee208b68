from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from annotator.projects.access import membership_or_404
from annotator.projects.models import Role
from annotator.suggestions.ranker import claim_decision_counts, claim_ranker_summary
from annotator.suggestions.services import (
    SWITCH_OFF_BELOW,
    SWITCH_OFF_MIN_DECISIONS,
    rule_statistics,
    rule_switch,
    suggester_statistics,
)
from annotator.suggestions.tasks import claim_ranker_enqueue


@require_GET
def suggestion_stats(request, slug):
    """How each suggester and rule fares in this project, and which rules are switched off."""
    membership = membership_or_404(request.user, slug)
    project = membership.project
    rules = rule_statistics(project=project)
    return render(
        request,
        "suggestions/stats.html",
        {
            "project": project,
            "membership": membership,
            "suggesters": suggester_statistics(project=project, rules=rules),
            "rules": rules,
            "can_switch": membership.has_role(Role.REVIEWER),
            "min_precision": SWITCH_OFF_BELOW,
            "min_decisions": SWITCH_OFF_MIN_DECISIONS,
            **claim_ranker_summary(project),
        },
    )


@require_POST
def rule_toggle(request, slug):
    membership = membership_or_404(request.user, slug)
    if not membership.has_role(Role.REVIEWER):
        raise PermissionDenied("Only reviewers and owners switch suggestion rules.")
    rule = request.POST.get("rule", "")
    enabled = request.POST.get("enabled") == "1"
    rule_switch(
        project=membership.project,
        rule=rule,
        enabled=enabled,
        user=request.user,
        reason="" if enabled else f"switched off by {request.user.get_username()}",
    )
    messages.success(request, f"Rule {rule} switched {'on' if enabled else 'off'}.")
    return redirect("suggestions:stats", slug)


@require_POST
def ranker_retrain(request, slug):
    """Queue training of the project's claim ranker (it runs in the background)."""
    membership = membership_or_404(request.user, slug)
    if not membership.has_role(Role.REVIEWER):
        raise PermissionDenied("Only reviewers and owners retrain the claim ranker.")
    counts = claim_decision_counts(membership.project)
    if not counts.enough:
        messages.warning(request, counts.shortfall)
    else:
        claim_ranker_enqueue(membership.project)
        messages.success(
            request,
            f"Retraining on {counts.total} claim decisions: it takes a few seconds in the "
            "background; reload this page to see the new figures.",
        )
    return redirect("suggestions:stats", slug)

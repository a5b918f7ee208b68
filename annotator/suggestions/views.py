"""The project's Suggestions page (how each rule fares, switches, the claim ranker) and the
workspace's suggestion endpoints: accept or reject one, accept all of a kind, suggest
again (in the background, with progress). These answer with the workspace's own partials
(workspace.views)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from annotator.annotations.access import annotation_for_member, article_for_member
from annotator.projects.access import membership_or_404
from annotator.projects.models import Role
from annotator.suggestions.models import (
    DateSuggestion,
    RunStatus,
    SuggestionKind,
    SuggestionRun,
)
from annotator.suggestions.ranker_status import (
    claim_ranker_summary,
)
from annotator.suggestions.services import (
    SuggestionError,
    SuggestionOverlap,
    claim_ranker_retrain,
    date_suggestion_accept,
    date_suggestion_reject,
    rule_switch,
    suggestion_accept,
    suggestion_accept_all,
    suggestion_reject,
)
from annotator.suggestions.stats import (
    SWITCH_OFF_BELOW,
    SWITCH_OFF_MIN_DECISIONS,
    pending_suggestions,
    rule_statistics,
    suggester_statistics,
)
from annotator.suggestions.suggesters import SUGGESTER_KIND
from annotator.suggestions.tasks import (
    SUGGEST_AGAIN_PRIORITY,
    suggestions_run_enqueue,
)
from annotator.workspace.answers import Before
from annotator.workspace.queries import next_suggestion
from annotator.workspace.views import workspace_changed, workspace_refused, workspace_update


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
            "suggesters_off": [name for name in SUGGESTER_KIND if name in project.suggesters_off],
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
    try:
        rule_switch(
            project=membership.project,
            rule=rule,
            enabled=enabled,
            user=request.user,
            reason="" if enabled else f"switched off by {request.user.get_username()}",
        )
    except SuggestionError as error:
        messages.error(request, str(error))
        return redirect("suggestions:stats", slug)
    state = "on" if enabled else "off"
    messages.success(request, format_html("Rule <bdi>{}</bdi> switched {}.", rule, state))
    return redirect("suggestions:stats", slug)


@require_POST
def ranker_retrain(request, slug):
    """Queue training of the project's claim ranker (it runs in the background)."""
    membership = membership_or_404(request.user, slug)
    try:
        messages.success(
            request, claim_ranker_retrain(user=request.user, project=membership.project)
        )
    except SuggestionError as error:
        messages.warning(request, str(error))
    return redirect("suggestions:stats", slug)


# --- in the workspace -----------------------------------------------------------------


@require_POST
def decide(request, slug, annotation_id):
    """Accept (it becomes the person's draft) or reject a suggestion; then on to the next."""
    membership, annotation = annotation_for_member(request.user, slug, annotation_id, edit=True)
    article = annotation.article
    before = Before.of(annotation)
    try:
        if request.POST.get("decision") == "reject":
            suggestion_reject(annotation=annotation, user=request.user)
        else:
            suggestion_accept(
                annotation=annotation,
                user=request.user,
                allow_overlap=request.POST.get("allow_overlap") == "1",
            )
    except SuggestionOverlap as overlap:
        extra = {"overlap": overlap.overlapping}
        return workspace_changed(
            request, membership, article, annotation.pk, [], status=409, extra=extra
        )
    except SuggestionError as error:
        return workspace_refused(request, membership, article, str(error))
    following = next_suggestion(article, annotation.start)
    return workspace_changed(request, membership, article, following, [before])


@require_POST
def date_decide(request, slug, date_id):
    """Accept a suggested claim time (it is written onto the claim) or reject it."""
    membership = membership_or_404(request.user, slug)
    date = get_object_or_404(
        DateSuggestion.objects.select_related("claim__article"),
        pk=date_id,
        article__project=membership.project,
    )
    article = date.claim.article
    before = Before.of(date.claim)
    try:
        if request.POST.get("decision") == "reject":
            date_suggestion_reject(date_suggestion=date, user=request.user)
        else:
            date_suggestion_accept(date_suggestion=date, user=request.user)
    except SuggestionError as error:
        return workspace_refused(request, membership, article, str(error))
    return workspace_changed(
        request, membership, article, date.claim_id, [before], suggestions=True
    )


@require_http_methods(["GET", "POST"])
def accept_all(request, slug, article_id):
    """GET: preview every open suggestion of one kind; POST: accept them all."""
    membership, article = article_for_member(request.user, slug, article_id)
    kind = request.GET.get("kind") or request.POST.get("kind", "")
    if kind not in SuggestionKind.values:
        return workspace_refused(request, membership, article, "Choose a kind of suggestion.")
    if request.method == "GET":
        pending = (
            DateSuggestion.objects.filter(article=article).select_related("claim")
            if kind == SuggestionKind.DATE
            else pending_suggestions(article=article, kind=kind)
        )
        return render(
            request,
            "workspace/workspace.html#accept_all_preview",
            {
                "project": membership.project,
                "article": article,
                "kind": kind,
                "pending": list(pending),
            },
        )
    result = suggestion_accept_all(article=article, kind=kind, user=request.user)
    skipped = len(result.skipped_overlapping)
    note = f"Accepted {len(result.accepted)} suggestion{'s' * (len(result.accepted) != 1)}."
    if skipped:
        note += f" {skipped} overlap annotations of yours and stay open: decide them one by one."
    if result.skipped_not_yours:
        left = len(result.skipped_not_yours)
        note += f" Left to their authors: {left} time{'s' * (left != 1)} for others' claims."
    return workspace_update(request, membership, article, extra={"flash_info": note})


@require_http_methods(["GET", "POST"])
def run(request, slug, article_id):
    """Suggest again. POST queues the suggesters on the article and answers at once (a
    second click while they wait or run queues nothing); the suggestions bar then polls
    with GET, which answers with the bar's progress line until the run is over, then with
    the text, the list and the bar showing what it found."""
    membership, article = article_for_member(request.user, slug, article_id)
    if request.method == "POST":
        _, queued = suggestions_run_enqueue(
            article=article, user=request.user, priority=SUGGEST_AGAIN_PRIORITY
        )
        note = QUEUED_NOTE if queued else ALREADY_NOTE
        return workspace_update(request, membership, article, extra={"flash_info": note})
    latest = SuggestionRun.objects.filter(article=article).first()
    if request.htmx and latest is not None and latest.pending:
        context = {"project": membership.project, "article": article, "run": latest}
        return render(request, RUN_PARTIAL, context | {"run_oob": True})
    return workspace_update(request, membership, article, extra=_run_outcome(latest))


RUN_PARTIAL = "workspace/workspace.html#suggestions_run"  # the bar's progress line
QUEUED_NOTE = "Suggesting: the new suggestions appear here when the run is over."
ALREADY_NOTE = "The suggesters are already on this article: their suggestions appear here soon."


def _run_outcome(latest: SuggestionRun | None) -> dict:
    """The flash message once a run is over."""
    if latest is None or latest.pending:
        return {}
    if latest.status == RunStatus.FAILED:
        return {"flash_error": latest.error}
    if latest.status != RunStatus.DONE:  # queued or running too long: no worker got to it
        return {"flash_error": "The suggesters did not finish: try Suggest again."}
    made = latest.created
    return {
        "flash_info": f"{made} new suggestion{'s' * (made != 1)}."
        if made
        else "No new suggestions."
    }

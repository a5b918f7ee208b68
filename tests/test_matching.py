"""Claim matching through its doors: a claim saved on the page or the API is embedded by the
worker, which proposes the claims of other articles (English ↔ Arabic) that may make the
same assertion, with the facts that differ; a person decides each pair on the event page,
in the claim panel or through the API. Built from factories; the worker runs the real model."""

from datetime import UTC, datetime

import factories
import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from annotator.events.models import ClaimRelation
from annotator.matching.models import ClaimEmbedding, MatchCandidate, MatchStatus

PUBLISHED = datetime(2025, 4, 16, 9, 0, tzinfo=UTC)  # a Wednesday
EN_TEXT = (
    "KAFR DALLA, April 16 (Harbour Wire) - At least 20 people were killed when drones struck "
    "the market in Kafr Dalla on Monday, rescuers said.\n\n"
    "The provincial council approved a new budget for road repairs on Thursday."
)
EN_STRIKE = "At least 20 people were killed when drones struck the market in Kafr Dalla on Monday"
EN_BUDGET = "The provincial council approved a new budget for road repairs on Thursday"
AR_TEXT = (
    "كفر دالة - قال مسعفون إن ما لا يقل عن 20 شخصاً قُتلوا عندما ضربت طائرات مسيّرة سوق "
    "كفر دالة يوم الاثنين.\n\nوأضافوا أن فرق الإنقاذ ما زالت تبحث عن مفقودين."
)
AR_STRIKE = "ما لا يقل عن 20 شخصاً قُتلوا عندما ضربت طائرات مسيّرة سوق كفر دالة يوم الاثنين"
EN_WITHDREW = "The army withdrew its troops 10 kilometres from the border on Tuesday"
AR_WITHDREW = "سحب الجيش قواته مسافة 12 كيلومتراً من الحدود يوم الثلاثاء"


@pytest.fixture
def worker(monkeypatch):
    """work() runs `db_worker` once over what is queued, in this test's transaction."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def work():
        call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)

    return work


@pytest.fixture
def reports(team, django_capture_on_commit_callbacks):
    """One event; an English and an Arabic article reporting it, their claims saved."""
    event = factories.event(team.project, "Market strike in Kafr Dalla")
    wire = factories.source(team.project, "Harbour Wire")
    daily = factories.source(team.project, "Al-Marfa Daily", language="ar")
    en = factories.article(
        team.project, EN_TEXT, outlet=wire, published_at=PUBLISHED, title="Drones hit market"
    )
    ar = factories.article(
        team.project, AR_TEXT, outlet=daily, language="ar", published_at=PUBLISHED, title="غارة"
    )
    by = team["annotator"]
    with django_capture_on_commit_callbacks(execute=True):
        claims = {
            "en": factories.span(en, EN_STRIKE, by=by, event=event),
            "budget": factories.span(en, EN_BUDGET, by=by, event=event),
            "ar": factories.span(ar, AR_STRIKE, by=by, event=event),
        }
    return event, claims


@pytest.fixture
def pull_back(team):
    """An event, an English article that puts the withdrawal at 10 km and an Arabic one at
    12 km (claims not yet marked)."""
    event = factories.event(team.project, "Border pull-back")
    en = factories.article(
        team.project, EN_WITHDREW + ", the ministry said.", published_at=PUBLISHED
    )
    ar = factories.article(
        team.project, AR_WITHDREW + "، بحسب الوزارة.", language="ar", published_at=PUBLISHED
    )
    return event, en, ar


def test_saving_claims_queues_matching_and_the_worker_proposes_across_languages(reports, worker):
    event, claims = reports
    assert DBTaskResult.objects.filter(task_path__endswith="claims_match_task").exists()
    worker()
    assert ClaimEmbedding.objects.count() == 3
    candidate = MatchCandidate.objects.get(
        claim_a=min(claims["en"].pk, claims["ar"].pk), claim_b=max(claims["en"].pk, claims["ar"].pk)
    )
    assert candidate.status == MatchStatus.OPEN and candidate.event == event
    assert candidate.score > 0.6
    assert not candidate.differ  # "at least 20" and "ما لا يقل عن 20", Monday and الاثنين
    best_for_ar = MatchCandidate.objects.touching(claims["ar"].pk).order_by("-score").first()
    assert best_for_ar == candidate  # the budget claim, same event and outlet, ranks below


def test_event_page_proposes_the_pair_and_same_makes_a_relation(reports, worker, client):
    event, claims = reports
    worker()
    client.force_login(reports_user := event.project.memberships.get(role="reviewer").user)
    page = client.get(reverse("matching:event", args=[event.project.slug, event.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Possibly the same" in html and AR_STRIKE in html and EN_STRIKE in html
    candidate = MatchCandidate.objects.touching(claims["ar"].pk).order_by("-score").first()
    response = client.post(
        reverse("matching:decide", args=[event.project.slug, candidate.pk]),
        {"decision": "same", "from": f"event:{event.pk}"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "matches-decided" in response.headers["HX-Trigger"]
    relation = ClaimRelation.objects.get(claim_a=candidate.claim_a, claim_b=candidate.claim_b)
    assert relation.kind == "same" and relation.created_by == reports_user
    candidate.refresh_from_db()
    assert candidate.status == MatchStatus.SAME
    assert EN_STRIKE not in response.content.decode()  # decided: no longer proposed


def test_a_rejected_pair_is_never_proposed_again(
    reports, worker, team, client, django_capture_on_commit_callbacks
):
    event, claims = reports
    worker()
    candidate = MatchCandidate.objects.touching(claims["ar"].pk).order_by("-score").first()
    client.force_login(team["annotator"])
    client.post(
        reverse("matching:decide", args=[team.slug, candidate.pk]),
        {"decision": "reject", "from": f"event:{event.pk}"},
    )
    # The claim changes (a note): the worker proposes its matches again, but not this pair.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("workspace:save", args=[team.slug, claims["ar"].pk]),
            {
                "version": claims["ar"].version,
                "kind": "claim",
                "event": event.pk,
                "note": "checked",
            },
        )
    worker()
    claims["ar"].refresh_from_db()
    assert claims["ar"].note == "checked"
    assert ClaimEmbedding.objects.get(annotation=claims["ar"]).annotation_version == (
        claims["ar"].version
    )  # proposed again for its new version
    candidate.refresh_from_db()
    assert candidate.status == MatchStatus.REJECTED
    page = client.get(
        reverse("matching:claim", args=[team.slug, claims["ar"].pk]), HTTP_HX_REQUEST="true"
    )
    assert EN_STRIKE not in page.content.decode()


def test_a_claim_without_an_event_is_proposed_the_event_of_its_matches(
    team, pull_back, worker, client, django_capture_on_commit_callbacks
):
    event, en, ar = pull_back
    with django_capture_on_commit_callbacks(execute=True):
        factories.span(en, EN_WITHDREW, by=team["annotator"], event=event)
        ar_claim = factories.span(ar, AR_WITHDREW, by=team["annotator"])
    worker()
    client.force_login(team["annotator"])
    panel = client.get(
        reverse("matching:claim", args=[team.slug, ar_claim.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Probably event" in panel and "Border pull-back" in panel
    assert "10 km" in panel and "12 km" in panel  # the distance differs
    candidate = MatchCandidate.objects.get(event=event)
    assert candidate.differ
    response = client.post(
        reverse("matching:decide", args=[team.slug, candidate.pk]),
        {"decision": "contradicts", "from": f"claim:{ar_claim.pk}"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    ar_claim.refresh_from_db()
    assert ar_claim.event == event  # moved into the proposed event
    relation = ClaimRelation.objects.get()
    assert relation.kind == "contradicts"
    assert {"facet": "quantity"}.items() <= relation.differences[0].items()


def test_api_lists_matches_with_facts_and_takes_a_decision(reports, worker, team, api_as):
    event, claims = reports
    worker()
    call = api_as(team["annotator"])
    path = f"/api/projects/{team.slug}/annotations/{claims['en'].pk}/matches/"
    answer = call("get", path)
    assert answer.status_code == 200
    best = answer.json()[0]
    assert best["other_id"] == claims["ar"].pk and best["other_language"] == "ar"
    assert best["score"] > 0.6 and isinstance(best["agree"], list)
    decide = f"/api/projects/{team.slug}/matches/{best['id']}/"
    refused = call("post", decide, {"decision": "maybe"})
    assert refused.status_code == 422 and "same, contradicts or reject" in refused.json()["detail"]
    decided = call("post", decide, {"decision": "reject"})
    assert decided.status_code == 200 and decided.json()["status"] == "rejected"
    assert all(match["id"] != best["id"] for match in call("get", path).json())


def test_outsiders_see_no_matches_and_cannot_decide(reports, worker, outsider, client, api_as):
    event, claims = reports
    worker()
    candidate = MatchCandidate.objects.first()
    client.force_login(outsider)
    slug = event.project.slug
    assert client.get(reverse("matching:event", args=[slug, event.pk])).status_code == 404
    response = client.post(
        reverse("matching:decide", args=[slug, candidate.pk]), {"decision": "same"}
    )
    assert response.status_code == 404
    path = f"/api/projects/{slug}/annotations/{claims['en'].pk}/matches/"
    assert api_as(outsider)("get", path).status_code == 404
    candidate.refresh_from_db()
    assert candidate.status == MatchStatus.OPEN


def test_event_proposals_page_reads_a_bounded_number_of_queries(
    reports, worker, client, team, django_assert_max_num_queries
):
    event, _ = reports
    worker()
    client.force_login(team["annotator"])
    with django_assert_max_num_queries(8):
        response = client.get(
            reverse("matching:event", args=[team.slug, event.pk]), HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200


def test_a_decided_or_withdrawn_pair_is_not_decided_again(reports, worker, team, api_as):
    event, claims = reports
    worker()
    candidate = MatchCandidate.objects.touching(claims["ar"].pk).order_by("-score").first()
    call = api_as(team["annotator"])
    decide = f"/api/projects/{team.slug}/matches/{candidate.pk}/"
    assert call("post", decide, {"decision": "same"}).status_code == 200
    again = call("post", decide, {"decision": "reject"})
    assert again.status_code == 422 and "Already decided" in again.json()["detail"]
    candidate.refresh_from_db()
    assert candidate.status == MatchStatus.SAME and ClaimRelation.objects.count() == 1
    MatchCandidate.objects.filter(pk=candidate.pk).delete()  # the worker withdrew it
    assert call("post", decide, {"decision": "same"}).status_code == 404


def test_a_bad_origin_is_refused_before_anything_is_decided(reports, worker, team, client):
    event, claims = reports
    worker()
    candidate = MatchCandidate.objects.touching(claims["ar"].pk).order_by("-score").first()
    client.force_login(team["annotator"])
    url = reverse("matching:decide", args=[team.slug, candidate.pk])
    for origin in ("event:999999", "claim:abc", "claim:99999999999999999999"):
        response = client.post(url, {"decision": "reject", "from": origin}, HTTP_HX_REQUEST="true")
        assert response.status_code == 404
    candidate.refresh_from_db()
    assert candidate.status == MatchStatus.OPEN
    # No `from`: the pair's event answers.
    response = client.post(url, {"decision": "reject"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="match-proposals"' in response.content.decode()


def test_someone_elses_claim_is_not_moved_and_the_refusal_is_said(
    team, pull_back, worker, client, django_capture_on_commit_callbacks
):
    event, en, ar = pull_back
    with django_capture_on_commit_callbacks(execute=True):
        factories.span(en, EN_WITHDREW, by=team["annotator"], event=event)
        theirs = factories.span(ar, AR_WITHDREW, by=team["annotator2"])  # no event
    worker()
    candidate = MatchCandidate.objects.get(event=event)
    client.force_login(team["annotator"])
    response = client.post(
        reverse("matching:decide", args=[team.slug, candidate.pk]),
        {"decision": "same", "from": f"event:{event.pk}"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "You can change only your own annotations. Ask its author" in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.event is None and not ClaimRelation.objects.exists()
    candidate.refresh_from_db()
    assert candidate.status == MatchStatus.OPEN


def test_a_claim_made_a_hedge_leaves_the_proposals(reports, worker, team, client):
    event, claims = reports
    worker()
    Annotation = type(claims["ar"])
    Annotation.objects.filter(pk=claims["ar"].pk).update(kind="hedge", event=None)
    client.force_login(team["annotator"])
    page = client.get(reverse("matching:event", args=[team.slug, event.pk]))
    assert AR_STRIKE not in page.content.decode()


def test_saves_in_one_transaction_queue_one_task_per_article(
    team, django_capture_on_commit_callbacks
):
    article = factories.article(team.project, EN_TEXT, published_at=PUBLISHED)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        factories.span(article, EN_STRIKE, by=team["annotator"])
        factories.span(article, EN_BUDGET, by=team["annotator"])
    assert DBTaskResult.objects.filter(task_path__endswith="claims_match_task").count() == 1


def test_saves_one_after_another_share_the_task_no_worker_took_yet(
    team, worker, django_capture_on_commit_callbacks
):
    article = factories.article(team.project, EN_TEXT, published_at=PUBLISHED)
    tasks = DBTaskResult.objects.filter(task_path__endswith="claims_match_task")
    claims = []
    for quote in (EN_STRIKE, EN_BUDGET):
        with django_capture_on_commit_callbacks(execute=True):
            claims.append(factories.span(article, quote, by=team["annotator"]))
    assert tasks.count() == 1  # the second claim waits in the first one's task
    worker()
    assert ClaimEmbedding.objects.filter(annotation__in=claims).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        factories.span(article, "rescuers said", by=team["annotator"])
    assert tasks.count() == 2 and tasks.filter(status="READY").count() == 1  # a task of its own


def test_not_this_event_holds_for_the_events_later_claims(
    team, pull_back, worker, client, django_capture_on_commit_callbacks
):
    event, en, ar = pull_back
    later = factories.article(
        team.project, EN_WITHDREW + ", officials said.", published_at=PUBLISHED
    )
    with django_capture_on_commit_callbacks(execute=True):
        factories.span(en, EN_WITHDREW, by=team["annotator"], event=event)
        lone = factories.span(ar, AR_WITHDREW, by=team["annotator"])
    worker()
    client.force_login(team["annotator"])
    client.post(
        reverse("matching:event_reject", args=[team.slug, lone.pk]),
        {"event": event.pk, "from": f"claim:{lone.pk}"},
    )
    assert not MatchCandidate.objects.open().exists()
    with django_capture_on_commit_callbacks(execute=True):
        factories.span(later, EN_WITHDREW, by=team["annotator"], event=event)
    worker()
    assert not MatchCandidate.objects.open().touching(lone.pk).exists()


def test_a_claims_headline_picks_the_event_its_words_do_not_name(
    team, worker, django_capture_on_commit_callbacks
):
    """Two events with the same kind of claim: the article's headline tells which."""
    claim = "At least 20 people were killed when drones struck the market on Monday"
    events = {}
    with django_capture_on_commit_callbacks(execute=True):
        for town in ("Kafr Dalla", "Wadi Surra"):
            events[town] = factories.event(team.project, f"Market strike in {town}")
            article = factories.article(
                team.project,
                f"{town.upper()} - {claim}, rescuers said.",
                title=f"Drone strike kills 20 in {town} market",
                published_at=PUBLISHED,
            )
            factories.span(article, claim, by=team["annotator"], event=events[town])
        lone_quote = "قُتل ما لا يقل عن 20 شخصاً عندما ضربت طائرات مسيّرة السوق يوم الاثنين"
        report = factories.article(
            team.project,
            f"قال سكان إنه {lone_quote}.",
            title="مقتل 20 في غارة بطائرات مسيّرة على سوق كفر دالة",
            language="ar",
            published_at=PUBLISHED,
        )
        lone = factories.span(report, lone_quote, by=team["annotator"])
    worker()
    best = MatchCandidate.objects.touching(lone.pk).order_by("-score").first()
    assert best.event == events["Kafr Dalla"]

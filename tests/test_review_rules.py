"""Who may change what once review has begun (issue 13, points 4, 5, 14 and 15), through the
doors where people meet the rules: the workspace, the review page, the event page, the
suggestions endpoints and the JSON API.

- A change to an approved or rejected span sends it back to draft and to the review queue;
  deleting an approved span is for reviewers.
- "Accept all" of suggested claim times applies the check of accepting one.
- An explicit null for an optional API field is the field left out; messages say "an
  attribution".
- Nobody approves their own span unless they are the project's only reviewer; taking an
  article out of the queue is for those who work on it and reviewers; a relation is its
  maker's or a reviewer's to delete.
"""

import html
from datetime import UTC, datetime

import factories
import pytest
from django.urls import reverse
from export_helpers import jsonl_rows

from annotator.annotations.kinds import ATTRIBUTION, CLAIM, HEDGE
from annotator.annotations.models import Annotation, Status
from annotator.articles.models import Article, ArticleStatus
from annotator.events.models import ClaimRelation
from annotator.events.services import claim_relation_create
from annotator.projects.models import Role
from annotator.review.services import annotation_review
from annotator.suggestions.models import DateSuggestion
from annotator.suggestions.runs import suggestions_run

HTMX = {"HTTP_HX_REQUEST": "true"}
REPORT = (
    "Rescue teams reached the flooded village of Wadi Nour on Thursday, the civil defence "
    "said.\n\n"
    "Around 200 families were moved to a school, according to a local council member."
)
RESCUE = "Rescue teams reached the flooded village of Wadi Nour on Thursday"
FAMILIES = "Around 200 families were moved to a school"
SAID = "the civil defence said"
AROUND = "Around"


@pytest.fixture
def report(team):
    """A report the annotator marked (two claims, an attribution, a hedge), ready for
    review."""
    article = factories.article(
        team.project,
        REPORT,
        title="Rescue teams reach Wadi Nour",
        published_at=datetime(2025, 11, 8, 9, 0, tzinfo=UTC),
        uploaded_by=team["owner"],
    )
    for quote, kind in [(RESCUE, CLAIM), (FAMILIES, CLAIM), (SAID, ATTRIBUTION)]:
        factories.span(article, quote, kind, by=team["annotator"])
    factories.span(article, AROUND, HEDGE, by=team["annotator"], hedge_type="approximator")
    Article.objects.filter(pk=article.pk).update(status=ArticleStatus.READY)
    article.refresh_from_db()
    return article


def span_of(article, quote) -> Annotation:
    return Annotation.objects.get(article=article, quote=quote)


def approve_all(article, reviewer):
    """The reviewer approves every span: the article becomes reviewed."""
    for annotation in Annotation.objects.filter(article=article, status=Status.DRAFT):
        annotation_review(annotation=annotation, reviewer=reviewer, decision=Status.APPROVED)
    article.refresh_from_db()
    assert article.status == ArticleStatus.REVIEWED


def api_path(team, *parts) -> str:
    return "/api/projects/" + "/".join([team.slug, *map(str, parts)]) + "/"


def approved_export_quotes(login, team) -> set[str]:
    response = login(team["owner"]).get(
        reverse("exports:download", args=[team.slug]), {"formats": "jsonl"}
    )
    rows = jsonl_rows(b"".join(response.streaming_content))
    return {span["quote"] for row in rows for span in row["spans"]}


def queue_ids(api_as, team) -> list[int]:
    response = api_as(team["reviewer"])("get", api_path(team, "review", "queue"))
    assert response.status_code == 200
    return [row["id"] for row in response.json()]


# --- Point 4: a change to a decided span sends it back to review ---------------------


def test_an_authors_change_in_the_workspace_sends_an_approved_span_back_to_review(
    login, api_as, team, report
):
    approve_all(report, team["reviewer"])
    assert RESCUE in approved_export_quotes(login, team)
    assert report.pk not in queue_ids(api_as, team)
    claim = span_of(report, RESCUE)
    data = {"version": claim.version, "kind": CLAIM, "note": "Second source: the governor."}
    response = login(team["annotator"]).post(
        reverse("workspace:save", args=[team.slug, claim.pk]), data, **HTMX
    )
    assert response.status_code == 200
    claim.refresh_from_db()
    report.refresh_from_db()
    assert claim.status == Status.DRAFT and claim.note == "Second source: the governor."
    assert report.status == ArticleStatus.READY
    assert report.pk in queue_ids(api_as, team)
    exported = approved_export_quotes(login, team)
    assert RESCUE not in exported and FAMILIES in exported  # only the changed span is out
    annotation_review(annotation=claim, reviewer=team["reviewer"], decision=Status.APPROVED)
    assert RESCUE in approved_export_quotes(login, team)


def test_a_span_moved_in_the_workspace_goes_back_to_review(login, team, report):
    approve_all(report, team["reviewer"])
    hedge = span_of(report, AROUND)
    response = login(team["annotator"]).post(
        reverse("workspace:respan", args=[team.slug, hedge.pk]),
        {"version": hedge.version, "move": "widen-end"},
        **HTMX,
    )
    assert response.status_code == 200
    hedge.refresh_from_db()
    assert hedge.quote == "Around 200" and hedge.status == Status.DRAFT


def test_an_authors_api_patch_sends_approved_and_rejected_spans_back(api_as, team, report):
    claim, families = span_of(report, RESCUE), span_of(report, FAMILIES)
    annotation_review(annotation=claim, reviewer=team["reviewer"], decision=Status.APPROVED)
    annotation_review(
        annotation=families, reviewer=team["reviewer"], decision=Status.REJECTED, comment="Why?"
    )
    api = api_as(team["annotator"])
    for annotation in (claim, families):
        annotation.refresh_from_db()
        response = api(
            "patch",
            api_path(team, "annotations", annotation.pk),
            {"version": annotation.version, "note": "Checked with the council."},
        )
        assert response.status_code == 200, response.content
        assert response.json()["status"] == Status.DRAFT


def test_an_unchanged_save_keeps_the_decision(login, api_as, team, report):
    approve_all(report, team["reviewer"])
    claim = span_of(report, RESCUE)
    response = api_as(team["annotator"])(
        "patch",
        api_path(team, "annotations", claim.pk),
        {"version": claim.version, "note": "", "kind": CLAIM, "event_id": None},
    )
    assert response.json()["status"] == Status.APPROVED
    claim.refresh_from_db()
    data = {"version": claim.version, "kind": CLAIM, "note": ""}
    login(team["annotator"]).post(reverse("workspace:save", args=[team.slug, claim.pk]), data)
    claim.refresh_from_db()
    report.refresh_from_db()
    assert claim.status == Status.APPROVED and report.status == ArticleStatus.REVIEWED


def test_a_reviewers_edit_of_anothers_span_keeps_the_decision(login, team, report):
    approve_all(report, team["reviewer"])
    claim = span_of(report, RESCUE)
    data = {"version": claim.version, "kind": CLAIM, "note": "Wording checked."}
    response = login(team["reviewer"]).post(
        reverse("review:edit", args=[team.slug, claim.pk]), data, **HTMX
    )
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.status == Status.APPROVED and claim.note == "Wording checked."


def test_a_reviewers_edit_of_their_own_approved_span_on_the_review_page_reopens_it(
    login, team, report
):
    mine = factories.span(report, "moved to a school", HEDGE, by=team["reviewer"])
    annotation_review(annotation=mine, reviewer=team["owner"], decision=Status.APPROVED)
    mine.refresh_from_db()
    data = {"version": mine.version, "kind": HEDGE, "note": "Not a hedge after all?"}
    response = login(team["reviewer"]).post(
        reverse("review:edit", args=[team.slug, mine.pk]), data, **HTMX
    )
    assert response.status_code == 200
    mine.refresh_from_db()
    assert mine.status == Status.DRAFT


def test_accepting_a_suggested_time_reopens_an_approved_claim(login, team, report):
    approve_all(report, team["reviewer"])
    suggestions_run(article=report)
    date = DateSuggestion.objects.get(article=report, claim=span_of(report, RESCUE))
    response = login(team["annotator"]).post(
        reverse("suggestions:date_decide", args=[team.slug, date.pk]),
        {"decision": "accept"},
        **HTMX,
    )
    assert response.status_code == 200
    claim = span_of(report, RESCUE)
    assert claim.claimed_at.date().isoformat() == "2025-11-06"
    assert claim.status == Status.DRAFT


def test_authors_cannot_delete_an_approved_span_reviewers_can(login, api_as, team, report):
    approve_all(report, team["reviewer"])
    claim, families = span_of(report, RESCUE), span_of(report, FAMILIES)
    page = login(team["annotator"]).post(reverse("workspace:delete", args=[team.slug, claim.pk]))
    assert page.status_code == 403
    assert "Only reviewers and owners delete an approved annotation" in page.content.decode()
    htmx = login(team["annotator"]).post(
        reverse("workspace:delete", args=[team.slug, claim.pk]), **HTMX
    )
    assert htmx.status_code == 403 and b"data-problem" in htmx.content  # errors.js shows it
    api = api_as(team["annotator"])("delete", api_path(team, "annotations", families.pk))
    assert api.status_code == 403
    assert api.json()["detail"].startswith("Only reviewers and owners delete an approved")
    assert Annotation.objects.filter(pk__in=[claim.pk, families.pk]).count() == 2
    reviewer = api_as(team["reviewer"])("delete", api_path(team, "annotations", families.pk))
    assert reviewer.status_code == 204
    assert not Annotation.objects.filter(pk=families.pk).exists()


def test_an_author_still_deletes_their_draft(login, team, report):
    claim = span_of(report, RESCUE)
    response = login(team["annotator"]).post(
        reverse("workspace:delete", args=[team.slug, claim.pk]), **HTMX
    )
    assert response.status_code == 200
    assert not Annotation.objects.filter(pk=claim.pk).exists()


# --- Point 5: accept all suggested times, with the check of accepting one ---------------


@pytest.fixture
def two_authors(team):
    """A report with two dated sentences, a claim in each: one by annotator, one by
    annotator2; the suggesters then propose a time for each claim."""
    text = (
        "Rescue teams reached Wadi Nour on Thursday, the civil defence said.\n\n"
        "The road to the village reopened on Friday, officials said."
    )
    article = factories.article(
        team.project, text, published_at=datetime(2025, 11, 8, 9, 0, tzinfo=UTC)
    )
    factories.span(article, "Rescue teams reached Wadi Nour on Thursday", by=team["annotator"])
    factories.span(article, "The road to the village reopened on Friday", by=team["annotator2"])
    suggestions_run(article=article)
    assert DateSuggestion.objects.filter(article=article).count() == 2
    return article


def test_accept_all_times_leaves_other_peoples_claims_to_them(login, team, two_authors):
    client = login(team["annotator2"])
    response = client.post(
        reverse("suggestions:accept_all", args=[team.slug, two_authors.pk]),
        {"kind": "date"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "Left to their authors: 1 time for others' claims." in html.unescape(
        response.content.decode()
    )
    theirs = Annotation.objects.get(article=two_authors, created_by=team["annotator"])
    mine = Annotation.objects.get(article=two_authors, created_by=team["annotator2"])
    assert theirs.claimed_at is None
    assert mine.claimed_at.date().isoformat() == "2025-11-07"
    left = DateSuggestion.objects.get(article=two_authors)
    assert left.claim_id == theirs.pk
    # Deciding that one alone is refused the same way.
    one = client.post(reverse("suggestions:date_decide", args=[team.slug, left.pk]), **HTMX)
    assert one.status_code == 403
    assert DateSuggestion.objects.filter(pk=left.pk).exists()


def test_a_reviewer_accepts_all_times(login, team, two_authors):
    login(team["reviewer"]).post(
        reverse("suggestions:accept_all", args=[team.slug, two_authors.pk]), {"kind": "date"}
    )
    assert not DateSuggestion.objects.filter(article=two_authors).exists()
    claims = Annotation.objects.filter(article=two_authors, kind=CLAIM)
    assert all(claim.claimed_at is not None for claim in claims)


# --- Point 14: null is "left out"; "an attribution" ------------------------------------


def test_explicit_nulls_for_optional_fields_are_left_out(api_as, team):
    article = factories.article(team.project, REPORT)
    start = REPORT.index(SAID)
    body = {
        "kind": ATTRIBUTION,
        "start": start,
        "end": start + len(SAID),
        "quote": SAID,
        "event_id": None,
        "claimed_at": None,
        "claimed_precision": None,
        "hedge_type": None,
        "cited_source_id": None,
        "note": None,
    }
    api = api_as(team["annotator"])
    response = api("post", api_path(team, "articles", article.pk, "annotations"), body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["note"] == "" and created["event_id"] is None
    patch = {"version": created["version"], "kind": None, "start": None, "quote": None}
    patched = api("patch", api_path(team, "annotations", created["id"]), patch)
    assert patched.status_code == 200, patched.content
    assert patched.json()["quote"] == SAID and patched.json()["kind"] == ATTRIBUTION


def test_null_clears_a_kinds_own_field_on_patch(api_as, team):
    article = factories.article(team.project, REPORT)
    event = factories.event(team.project, "Floods in Wadi Nour")
    claim = factories.span(article, RESCUE, by=team["annotator"], event=event)
    response = api_as(team["annotator"])(
        "patch",
        api_path(team, "annotations", claim.pk),
        {"version": claim.version, "event_id": None},
    )
    assert response.status_code == 200 and response.json()["event_id"] is None


def test_nulls_for_optional_fields_of_other_endpoints(api_as, team, report):
    owner = api_as(team["owner"])
    source = owner(
        "post",
        api_path(team, "sources"),
        {"name": "Wadi Nour council", "kind": None, "country": None, "aliases": None},
    )
    assert source.status_code == 201, source.content
    assert source.json()["kind"] == "outlet"
    event = owner(
        "post", api_path(team, "events"), {"title": "Floods", "description": None, "place": None}
    )
    assert event.status_code == 201, event.content
    claim = span_of(report, RESCUE)
    decided = owner(
        "post",
        api_path(team, "annotations", claim.pk, "review"),
        {"decision": "approved", "comment": None},
    )
    assert decided.status_code == 200 and decided.json()["review_comment"] == ""
    required = owner("post", api_path(team, "events"), {"title": None})
    assert required.status_code == 422  # a required field still refuses null


def test_refusals_say_an_attribution_and_a_hedge(api_as, team):
    article = factories.article(team.project, REPORT)
    event = factories.event(team.project, "Floods in Wadi Nour")
    api = api_as(team["annotator"])
    path = api_path(team, "articles", article.pk, "annotations")
    start = REPORT.index(SAID)
    span = {"kind": ATTRIBUTION, "start": start, "end": start + len(SAID), "quote": SAID}
    refused = api("post", path, {**span, "event_id": event.pk})
    assert refused.status_code == 422
    assert refused.json()["detail"] == "An attribution cannot have event."
    hedge = {"kind": HEDGE, "start": 0, "end": len("Rescue"), "quote": "Rescue"}
    when = api("post", path, {**hedge, "claimed_at": "2025-11-06T00:00:00Z"})
    assert when.json()["detail"].startswith("A hedge cannot have claimed_at")
    assert api("post", path, span).status_code == 201
    twice = api("post", path, span)
    assert twice.json()["detail"] == "You have marked this passage as an attribution already."
    claim = factories.span(article, RESCUE, by=team["annotator"])
    link = api(
        "post",
        api_path(team, "links"),
        {"from_id": claim.pk, "to_id": claim.pk, "kind": "attributes"},
    )
    assert "joins an attribution to a claim, not a claim to a claim" in link.json()["detail"]


# --- Point 15: four eyes, the queue, relations -----------------------------------------


def test_a_reviewer_cannot_approve_their_own_span(login, api_as, team, report):
    mine = factories.span(report, "moved to a school", HEDGE, by=team["reviewer"])
    page = login(team["reviewer"]).post(
        reverse("review:decide", args=[team.slug, mine.pk]),
        {"decision": "approved", "version": mine.version},
    )
    assert page.status_code == 403
    assert "You cannot approve your own annotation" in page.content.decode()
    curate = login(team["reviewer"]).post(reverse("review:curate", args=[team.slug, mine.pk]))
    assert curate.status_code == 403
    api = api_as(team["reviewer"])(
        "post", api_path(team, "annotations", mine.pk, "review"), {"decision": "approved"}
    )
    assert api.status_code == 403 and "own annotation" in api.json()["detail"]
    mine.refresh_from_db()
    assert mine.status == Status.DRAFT
    # Another reviewer (here the owner) approves it; the author may withdraw (reject) it.
    owner = api_as(team["owner"])(
        "post", api_path(team, "annotations", mine.pk, "review"), {"decision": "approved"}
    )
    assert owner.status_code == 200 and owner.json()["status"] == Status.APPROVED
    own_reject = factories.span(report, "a local council member", by=team["reviewer"])
    rejected = api_as(team["reviewer"])(
        "post", api_path(team, "annotations", own_reject.pk, "review"), {"decision": "rejected"}
    )
    assert rejected.status_code == 200


def test_a_projects_only_reviewer_approves_their_own_span(db, api_as):
    editor = factories.user("editor")
    desk = factories.project("Small desk", owner=editor)
    factories.member(desk, Role.ANNOTATOR)
    article = factories.article(desk, REPORT)
    claim = factories.span(article, RESCUE, by=editor)
    response = api_as(editor)(
        "post",
        f"/api/projects/{desk.slug}/annotations/{claim.pk}/review/",
        {"decision": "approved"},
    )
    assert response.status_code == 200 and response.json()["status"] == Status.APPROVED


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("annotator", True),  # has spans in it
        ("owner", True),  # uploaded it (and is an owner)
        ("reviewer", True),
        ("annotator2", False),  # neither works on it nor reviews
    ],
)
def test_who_takes_an_article_out_of_the_review_queue(login, team, report, who, allowed):
    response = login(team[who]).post(
        reverse("workspace:article_status", args=[team.slug, report.pk]),
        {"status": "in_progress"},
    )
    report.refresh_from_db()
    if allowed:
        assert response.status_code == 302 and report.status == ArticleStatus.IN_PROGRESS
    else:
        assert response.status_code == 403
        assert "take it out of the review queue" in response.content.decode()
        assert report.status == ArticleStatus.READY


def test_the_uploader_or_an_assignee_takes_it_back_through_the_api(login, api_as, team, report):
    path = api_path(team, "articles", report.pk, "status")
    refused = api_as(team["annotator2"])("post", path, {"status": "in_progress"})
    assert refused.status_code == 403
    assert "take it out of the review queue" in refused.json()["detail"]
    uploader = factories.member(team.project, Role.ANNOTATOR, "stringer")
    Article.objects.filter(pk=report.pk).update(uploaded_by=uploader)
    assert api_as(uploader)("post", path, {"status": "in_progress"}).status_code == 200
    # Any member marks it ready; once assigned to it, annotator2 may take it back too.
    assert api_as(team["annotator2"])("post", path, {"status": "ready"}).status_code == 200
    assigned = login(team["owner"]).post(
        reverse("review:assignments", args=[team.slug]),
        {"articles": [report.pk], "users": [team["annotator2"].pk]},
    )
    assert assigned.status_code == 302
    assert api_as(team["annotator2"])("post", path, {"status": "in_progress"}).status_code == 200


@pytest.fixture
def related(team):
    """Two claims of one event that annotator marked as the same assertion."""
    event = factories.event(team.project, "Floods in Wadi Nour")
    first = factories.article(team.project, REPORT)
    second = factories.article(team.project, "Rescuers arrived in Wadi Nour late on Thursday.")
    one = factories.span(first, RESCUE, by=team["annotator"], event=event)
    other = factories.span(
        second, "Rescuers arrived in Wadi Nour", by=team["annotator"], event=event
    )
    relation = claim_relation_create(claim=one, other=other, kind="same", user=team["annotator"])
    return event, relation


def test_only_its_maker_or_a_reviewer_deletes_a_relation(login, api_as, team, related):
    event, relation = related
    url = reverse("events:relation_delete", args=[team.slug, event.pk])
    page = login(team["annotator2"]).post(url, {"relation": relation.pk})
    assert page.status_code == 403
    assert "Only reviewers and owners delete a relation another member made" in (
        page.content.decode()
    )
    api = api_as(team["annotator2"])("delete", api_path(team, "relations", relation.pk))
    assert api.status_code == 403 and "relation another member made" in api.json()["detail"]
    assert ClaimRelation.objects.filter(pk=relation.pk).exists()
    assert (
        api_as(team["reviewer"])("delete", api_path(team, "relations", relation.pk)).status_code
        == 204
    )
    assert not ClaimRelation.objects.filter(pk=relation.pk).exists()


def test_its_maker_deletes_a_relation_on_the_event_page(login, team, related):
    event, relation = related
    url = reverse("events:relation_delete", args=[team.slug, event.pk])
    assert login(team["annotator"]).post(url, {"relation": relation.pk}, **HTMX).status_code == 200
    assert not ClaimRelation.objects.filter(pk=relation.pk).exists()


def test_another_member_cannot_turn_a_relation_around(login, api_as, team, related):
    event, relation = related
    body = {"claim_id": relation.claim_a_id, "other_id": relation.claim_b_id, "kind": "contradicts"}
    path = api_path(team, "events", event.pk, "relations")
    assert api_as(team["annotator2"])("post", path, body).status_code == 403
    relation.refresh_from_db()
    assert relation.kind == "same"
    page = login(team["reviewer"]).post(
        reverse("events:relation_create", args=[team.slug, event.pk]),
        {"claims": [relation.claim_a_id, relation.claim_b_id], "kind": "contradicts"},
        **HTMX,
    )
    assert page.status_code == 200
    relation.refresh_from_db()
    assert relation.kind == "contradicts"


# --- Follow-ups from a review of this work -------------------------------------------------


def test_accepting_agreed_spans_takes_another_annotators_twin_of_the_reviewers_own(
    login, team, report
):
    # The reviewer marked the same claim as the annotator: the pair is "agreed".
    factories.span(report, RESCUE, CLAIM, by=team["reviewer"])
    theirs = Annotation.objects.get(article=report, quote=RESCUE, created_by=team["annotator"])
    response = login(team["reviewer"]).post(
        reverse("review:accept_agreed", args=[team.slug, report.pk]),
        {"annotation": [theirs.pk]},
        **HTMX,
    )
    assert response.status_code == 200
    theirs.refresh_from_db()
    assert theirs.status == Status.APPROVED and theirs.reviewed_by == team["reviewer"]
    response = login(team["reviewer"]).post(
        reverse("review:accept_agreed", args=[team.slug, report.pk]),
        {"annotation": [Annotation.objects.get(quote=RESCUE, created_by=team["reviewer"]).pk]},
        **HTMX,
    )
    assert response.status_code == 200  # their own span points at the approved twin


def test_an_authors_new_link_reopens_their_approved_spans(api_as, team, report):
    approve_all(report, team["reviewer"])
    said, claim = span_of(report, SAID), span_of(report, FAMILIES)
    response = api_as(team["annotator"])(
        "post",
        api_path(team, "links"),
        {"from_id": said.pk, "to_id": claim.pk, "kind": "attributes"},
    )
    assert response.status_code == 201, response.content
    said.refresh_from_db()
    claim.refresh_from_db()
    assert said.status == Status.DRAFT and claim.status == Status.DRAFT


def test_clearing_a_claimed_time_through_the_api_clears_its_precision(api_as, team, report):
    claim = span_of(report, RESCUE)
    call = api_as(team["annotator"])
    path = api_path(team, "annotations", claim.pk)
    response = call("patch", path, {"version": claim.version, "claimed_at": "2025-11-06T00:00Z"})
    assert response.status_code == 200, response.content
    response = call("patch", path, {"version": claim.version + 1, "claimed_at": None})
    assert response.status_code == 200, response.content
    claim.refresh_from_db()
    assert claim.claimed_at is None and claim.claimed_precision == ""
    response = call("patch", path, {"version": claim.version, "claimed_precision": "day"})
    assert response.status_code == 422
    assert "claimed_precision qualifies claimed_at" in response.content.decode()

"""One span is one span, and counts say what people did.

A person tagging a passage that an open suggestion of the same kind already covers takes the
suggestion over (its links kept) instead of making a twin; the database refuses a person's
second identical span. Lists count people's work apart from suggestions, and an article the
suggesters alone touched stays new.
"""

import io
import json
import zipfile

import factories
import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from export_helpers import export_bytes

from annotator.annotations.kinds import ATTRIBUTION, CLAIM
from annotator.annotations.models import Annotation, Link, Status
from annotator.annotations.services import SpanError, annotation_create, annotation_update
from annotator.articles.models import ArticleStatus
from annotator.exports.records import Selection
from annotator.exports.streams import export_stream
from annotator.suggestions.models import SuggestionDecision
from annotator.suggestions.services import suggestion_reject

HTMX = {"HTTP_HX_REQUEST": "true"}
TEXT = "The bridge at Nahr Saif was destroyed overnight, two local officials said on Sunday."
CLAIM_QUOTE = "The bridge at Nahr Saif was destroyed overnight"
SAID = "two local officials said"


def _suggest(article, quote, kind):
    start = article.text.index(quote)
    return annotation_create(
        article=article,
        kind=kind,
        start=start,
        end=start + len(quote),
        quote=quote,
        created_by=None,
        status=Status.SUGGESTED,
        suggested_by="attributions" if kind == ATTRIBUTION else "claims",
        suggestion_rule=f"{kind}:en:test",
        confidence=0.7,
    )


@pytest.fixture
def story(team):
    """An article the suggesters went over: a suggested claim, a suggested attribution
    linked to it, and nothing by a person yet."""
    article = factories.article(team.project, TEXT)
    claim = _suggest(article, CLAIM_QUOTE, CLAIM)
    said = _suggest(article, SAID, ATTRIBUTION)
    factories.link(said, claim)
    article.refresh_from_db()
    return article


def _span(article, quote, kind):
    start = article.text.index(quote)
    return {"kind": kind, "start": start, "end": start + len(quote), "quote": quote}


def _tag_on_page(client, team, article, quote, kind):
    url = reverse("workspace:create", args=[team.slug, article.pk])
    return client.post(url, _span(article, quote, kind), **HTMX)


def _tag_in_api(api, team, article, quote, kind):
    path = f"/api/projects/{team.slug}/articles/{article.pk}/annotations/"
    return api("post", path, _span(article, quote, kind))


@pytest.mark.parametrize("door", ["page", "api"])
def test_tagging_over_an_open_suggestion_takes_it_over(door, team, story, login, api_as):
    annotator = team["annotator"]
    if door == "page":
        response = _tag_on_page(login(annotator), team, story, SAID, ATTRIBUTION)
        assert response.status_code == 200
        assert response.content.decode().count('data-label="attribution"') == 1
    else:
        response = _tag_in_api(api_as(annotator), team, story, SAID, ATTRIBUTION)
        assert response.status_code == 201
    spans = Annotation.objects.filter(article=story, kind=ATTRIBUTION)
    assert spans.count() == 1, "a twin was made"
    said = spans.get()
    assert (said.status, said.created_by) == (Status.DRAFT, annotator)
    assert Link.objects.filter(from_annotation=said).count() == 1, "its link was lost"
    decision = SuggestionDecision.objects.get(article=story, kind=ATTRIBUTION)
    assert (decision.decision, decision.annotation) == ("accepted", said)
    story.refresh_from_db()
    assert story.status == ArticleStatus.IN_PROGRESS


def test_the_taken_suggestion_and_its_link_go_out_once(team, story, login):
    client = login(team["annotator"])
    _tag_on_page(client, team, story, CLAIM_QUOTE, CLAIM)
    _tag_on_page(client, team, story, SAID, ATTRIBUTION)
    export = export_stream(Selection(team.project, include_all=True), "jsonl")
    line = json.loads(b"".join(export.chunks))
    assert sorted(span["kind"] for span in line["spans"]) == [ATTRIBUTION, CLAIM]
    assert [link["kind"] for link in line["links"]] == ["attributes"]


def test_a_nearly_identical_selection_takes_it_over_with_the_persons_span(team, story, login):
    client = login(team["annotator"])
    response = _tag_on_page(client, team, story, "local officials said", ATTRIBUTION)
    assert response.status_code == 200
    said = Annotation.objects.get(article=story, kind=ATTRIBUTION)
    assert said.quote == "local officials said"  # what the person selected
    assert SuggestionDecision.objects.get(article=story, kind=ATTRIBUTION).decision == "edited"


def test_a_different_kind_or_a_far_span_is_a_new_annotation(team, story, login):
    client = login(team["annotator"])
    _tag_on_page(client, team, story, SAID, CLAIM)  # a claim where a suggested attribution is
    _tag_on_page(client, team, story, "destroyed overnight", CLAIM)  # a fifth of the claim
    assert Annotation.objects.filter(article=story, status=Status.SUGGESTED).count() == 2


def test_three_quarters_shared_is_a_twin_and_a_little_less_is_not(team, api_as):
    article = factories.article(team.project, TEXT)
    # The person's 30 characters and suggestions 10 and 11 characters longer, before them.
    for kind, start, end in ((CLAIM, 10, 40), (ATTRIBUTION, 11, 41)):
        _suggest(article, TEXT[0:end], kind)
        span = {"kind": kind, "start": start, "end": end, "quote": TEXT[start:end]}
        path = f"/api/projects/{team.slug}/articles/{article.pk}/annotations/"
        assert api_as(team["annotator"])("post", path, span).status_code == 201
    spans = Annotation.objects.filter(article=article)
    assert not spans.filter(kind=CLAIM, status=Status.SUGGESTED).exists()  # 30 / 40 shared
    assert spans.filter(kind=ATTRIBUTION).count() == 2  # 30 / 41: a span of its own


def test_a_person_marks_a_passage_once(team, story, login):
    client = login(team["annotator"])
    _tag_on_page(client, team, story, CLAIM_QUOTE, CLAIM)
    again = _tag_on_page(client, team, story, CLAIM_QUOTE, CLAIM)
    assert again.status_code == 422
    assert "marked this passage as a claim already" in again.content.decode()
    assert Annotation.objects.filter(article=story, kind=CLAIM).count() == 1
    mine = Annotation.objects.get(article=story, kind=CLAIM)
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database says so
        Annotation.objects.create(
            article=story,
            kind=CLAIM,
            start=mine.start,
            end=mine.end,
            quote=mine.quote,
            created_by=mine.created_by,
        )
    # Two people may mark the same passage: that is how agreement is measured.
    other = _tag_on_page(login(team["annotator2"]), team, story, CLAIM_QUOTE, CLAIM)
    assert other.status_code == 200


def test_moving_a_span_onto_ones_own_twin_is_refused(team, story):
    person = team["annotator"]
    first = factories.span(story, CLAIM_QUOTE, by=person)
    second = factories.span(story, "destroyed overnight", by=person)
    with pytest.raises(SpanError, match="already"):
        annotation_update(
            annotation=second,
            version=second.version,
            user=person,
            start=first.start,
            end=first.end,
            quote=first.quote,
        )


def test_link_targets_offer_a_suggestion_marked_and_never_beside_its_twin(team, story, login):
    client = login(team["annotator"])
    _tag_on_page(client, team, story, "two local officials said on Sunday", ATTRIBUTION)
    mine = Annotation.objects.get(article=story, created_by=team["annotator"])
    detail = reverse("workspace:detail", args=[team.slug, mine.pk])
    suggested_claim = Annotation.objects.get(article=story, kind=CLAIM)
    panel = client.get(detail, **HTMX).content.decode()
    assert f'<option value="{suggested_claim.pk}">Claim (suggested):' in panel
    # Tagged by a person, the passage is offered once, as theirs.
    _tag_on_page(client, team, story, CLAIM_QUOTE, CLAIM)
    panel = client.get(detail, **HTMX).content.decode()
    (claim,) = Annotation.objects.filter(article=story, kind=CLAIM)  # it took the suggestion over
    assert claim.status == "draft"
    assert panel.count(f'<option value="{claim.pk}">Claim: ') == 1
    assert "Claim (suggested)" not in panel


def test_counts_and_new_say_what_people_did(team, story, login):
    client = login(team["annotator"])
    listing = client.get(reverse("articles:list", args=[team.slug]), {"status": "new"})
    row = listing.context["listing"].articles
    assert [a.pk for a in row] == [story.pk], "suggestions alone leave an article new"
    assert (row[0].counts, row[0].suggested) == ({}, 2)
    claim = Annotation.objects.get(article=story, kind=CLAIM)
    suggestion_reject(annotation=claim, user=team["annotator"])
    story.refresh_from_db()
    assert story.status == ArticleStatus.IN_PROGRESS  # a person decided something
    _tag_on_page(client, team, story, "The bridge at Nahr Saif", CLAIM)
    rejected = factories.span(story, "destroyed overnight", by=team["annotator"])
    annotation_update(
        annotation=rejected, version=rejected.version, user=None, status=Status.REJECTED
    )
    article = client.get(reverse("articles:list", args=[team.slug])).context["listing"]
    row = article.articles[0]
    assert (row.counts, row.suggested) == ({CLAIM: 1}, 1)  # the rejected one is not counted


def test_the_api_list_counts_people_apart_from_open_suggestions(team, story, api_as):
    api = api_as(team["annotator"])
    factories.span(story, "destroyed overnight", CLAIM, by=team["annotator"])
    listed = api("get", f"/api/projects/{team.slug}/articles/").json()
    assert [(a["id"], a["annotations"], a["open_suggestions"]) for a in listed] == [
        (story.pk, {CLAIM: 1}, 2)
    ]


def test_the_dataset_card_counts_people_apart_from_open_suggestions(team, story):
    factories.span(story, "destroyed overnight", CLAIM, by=team["annotator"])
    data = export_bytes(team.slug, "zip", "--include-all")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        card = archive.read("README.md").decode()
    assert "1 article, 1 annotation by people, 2 open suggestions" in card

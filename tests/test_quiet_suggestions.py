"""Quieter claim suggestions: none on page furniture (section paths, headlines, bylines,
datelines, captions, link lists); the text draws the most likely few per paragraph and the
list holds the rest; a toggle hides every suggestion."""

import re

import factories
import pytest
from django.urls import reverse

from annotator.annotations.models import Annotation, Status
from annotator.suggestions.runs import suggestions_run

# A saved web page, written for this test (fictional places and outlets).
PAGE = (
    "Regions | Coast\n"
    "Harbour wall gives way in Port Selwyn as the storm surge hits the old town\n"
    "By Amara Quist, Coastal Correspondent\n"
    "Published 9 November 2025 | 07:40 GMT\n\n"
    "A 40-metre section of the harbour wall collapsed on Saturday night, the port authority "
    "said.\n\n"
    "Fishermen moving their boats after the collapse on Sunday. (Photo: Port Selwyn Authority)\n\n"
    "Around 120 homes in the old town were flooded, according to the mayor.\n\n"
    "Related\n"
    "Port Selwyn ferry fares to rise by 5 percent in January\n"
    "Storm season: 14 things to know before the winter\n"
)
FURNITURE = [
    "Regions | Coast",
    "Harbour wall gives way",
    "By Amara Quist",
    "Published 9 November",
    "Fishermen moving their boats",
    "Related",
    "Port Selwyn ferry fares",
    "Storm season",
]
# One paragraph with five claim-worthy sentences.
BUSY = (
    "Flood waters rose by two metres in Port Selwyn on Saturday, officials said. "
    "About 300 people spent the night in the sports hall, the Red Crescent said. "
    "The coastal road to Dunmere was closed for 12 hours, police said. "
    "Three fishing boats sank in the harbour on Sunday morning, the port office said. "
    "Schools in the district will stay shut until Wednesday, the council said.\n\n"
    "The mayor thanked the volunteers."
)


def line_of(text: str, position: int) -> str:
    return text[text.rfind("\n", 0, position) + 1 : text.find("\n", position)]


def test_no_claims_are_suggested_on_page_furniture(team):
    article = factories.article(team.project, PAGE)
    suggestions_run(article=article)
    claims = Annotation.objects.filter(article=article, kind="claim", status=Status.SUGGESTED)
    lines = {line_of(article.text, claim.start) for claim in claims}
    assert any(line.startswith("A 40-metre section") for line in lines)
    assert any(line.startswith("Around 120 homes") for line in lines)
    for furniture in FURNITURE:
        assert not any(line.startswith(furniture) for line in lines), furniture


def test_a_byline_word_opening_a_sentence_is_still_news(team):
    text = "By Monday evening, 300 families had left the old town, the mayor said."
    article = factories.article(team.project, text)
    suggestions_run(article=article)
    assert Annotation.objects.filter(article=article, kind="claim").exists()


@pytest.fixture
def busy(team):
    article = factories.article(team.project, BUSY)
    suggestions_run(article=article)
    return article


def drawn_ids(page: str, kind: str) -> set[str]:
    text = re.search(r'<div id="article-text".*?</div>', page, re.S)[0]
    return set(re.findall(rf'<mark class="hl hl-{kind} st-suggested[^"]*" data-id="(\d+)"', text))


def workspace(client, team, article, query=""):
    url = reverse("workspace:article", args=[team.slug, article.pk])
    return client.get(url + query).content.decode()


def test_the_text_draws_the_most_likely_few_claims_per_paragraph(login, team, busy):
    client = login(team["annotator"])
    claims = list(Annotation.objects.filter(article=busy, kind="claim", status=Status.SUGGESTED))
    assert len(claims) == 5
    page = workspace(client, team, busy)
    drawn = drawn_ids(page, "claim")
    most_likely = sorted(claims, key=lambda c: (-c.confidence, c.start))[:2]
    assert drawn == {str(c.pk) for c in most_likely}
    assert "3 more wait in the list" in page
    for claim in claims:  # every one is in the list
        assert f'data-annotation-id="{claim.pk}"' in page
    # Every attribution is drawn: the limit is the claim kind's.
    attributions = Annotation.objects.filter(article=busy, kind="attribution")
    assert drawn_ids(page, "attribution") == {str(a.pk) for a in attributions}
    waiting = next(c for c in claims if str(c.pk) not in drawn)
    selected = workspace(client, team, busy, f"?selected={waiting.pk}")
    assert str(waiting.pk) in drawn_ids(selected, "claim")  # the selected one is drawn


def test_deciding_a_drawn_claim_draws_the_next_one(login, team, busy):
    client = login(team["annotator"])
    before = drawn_ids(workspace(client, team, busy), "claim")
    decided = before.pop()
    client.post(reverse("suggestions:decide", args=[team.slug, decided]), {"decision": "reject"})
    after = drawn_ids(workspace(client, team, busy), "claim")
    assert len(after) == 2 and decided not in after and before < after


def test_a_toggle_hides_every_suggestion_until_shown_again(login, team, busy):
    client = login(team["annotator"])
    mine = factories.span(busy, "The mayor thanked the volunteers", "claim", by=team["annotator"])
    hidden = workspace(client, team, busy, "?suggestions=hide")
    assert not suggestions_shown(hidden) and f'data-id="{mine.pk}"' in hidden
    assert "Suggestions are hidden" in hidden and "5 claims" in hidden
    other = factories.article(team.project, BUSY.replace("Selwyn", "Arlen"))
    suggestions_run(article=other)
    assert not suggestions_shown(workspace(client, team, other))  # the choice is remembered
    shown = workspace(client, team, busy, "?suggestions=show")
    assert suggestions_shown(shown) and 'id="hide-suggestions"' in shown


def suggestions_shown(page: str) -> bool:
    """Whether the text or the list shows any suggestion."""
    in_list = re.search(r'class="ann-item kind-\w+ st-suggested"', page)
    return bool(in_list or drawn_ids(page, r"\w+"))

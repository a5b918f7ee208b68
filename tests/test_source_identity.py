"""One source is one source: spellings that share a match key, aliases in other scripts and
close spellings find the existing source, and the app asks before a likely duplicate is
created, so following its proposal keeps an event's independent origins right."""

import factories
import pytest
from django.urls import reverse

from annotator.annotations.kinds import ATTRIBUTION
from annotator.events.analysis import event_analysis
from annotator.events.services import claim_relation_create
from annotator.sources.identity import source_key
from annotator.sources.models import Source

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("al-Watan", "Al-Watan"),
        ("al-Watan", "Al Watan"),
        ("al-Watan", "AlWatan"),
        ("al-Watan", "EL-WATAN"),
        ("الوطن", "الْوَطَن"),  # diacritics
        ("الوطن", "وطن"),  # the article
        ("مؤسسة الإعلام", "مؤسسه الاعلام"),  # alef and ta marbuta forms
        ("Meridian Wire", "meridian-wire"),
    ],
)
def test_spellings_of_one_name_share_a_key(one, other):
    assert source_key(one) == source_key(other)


@pytest.mark.parametrize(("one", "other"), [("Alexandria", "Xandria"), ("Tasnim", "تسنيم")])
def test_other_names_do_not(one, other):
    assert source_key(one) != source_key(other)


STORIES = [
    "Militiamen shelled the ridge at dawn, according to al-Watan.",
    "The ridge was shelled at dawn, al-Watan reported.",
    "Shelling hit the ridge early on Monday, al-Watan said.",
]
CLAIMS = ["Militiamen shelled the ridge at dawn", "The ridge was shelled at dawn",
          "Shelling hit the ridge early on Monday"]  # fmt: skip
CITES = ["according to al-Watan", "al-Watan reported", "al-Watan said"]
FOURTH = "Gunners fired on the ridge before sunrise, Al-Watan said."


@pytest.fixture
def shelling(team):
    """Three outlets' claims of one assertion, each resting on al-Watan, and a fourth
    outlet's story citing "Al-Watan" that nobody has tagged the source of yet."""
    watan = factories.source(team.project, "al-Watan", kind="outlet", aliases=["الوطن"])
    event = factories.event(team.project, "Shelling of the ridge")
    claims = []
    for text, quote, cite in zip(STORIES, CLAIMS, CITES, strict=True):
        article = factories.article(team.project, text, outlet=factories.source(team.project))
        claim = factories.span(article, quote, by=team["annotator"], event=event)
        said = factories.span(article, cite, ATTRIBUTION, by=team["annotator"], cited_source=watan)
        factories.link(said, claim)
        claims.append(claim)
    article = factories.article(team.project, FOURTH, outlet=factories.source(team.project))
    claim = factories.span(article, "Gunners fired on the ridge before sunrise", event=event,
                           by=team["annotator"])  # fmt: skip
    said = factories.span(article, "Al-Watan said", ATTRIBUTION, by=team["annotator"])
    factories.link(said, claim)
    for other in [*claims[1:], claim]:
        claim_relation_create(claim=claims[0], other=other, kind="same", user=team["annotator"])
    return {"event": event, "watan": watan, "said": said, "claim": claim}


def _independent(event) -> int:
    (group,) = event_analysis(event).groups
    return group.independent


def _search(client, team, said, query):
    url = reverse("workspace:source_search", args=[team.slug, said.pk])
    return client.get(url, {"q": query}, **HTMX).content.decode()


def _save(client, team, said, **fields):
    url = reverse("workspace:save", args=[team.slug, said.pk])
    data = {"version": said.version, "kind": ATTRIBUTION, "note": "", **fields}
    return client.post(url, data, **HTMX)


def test_the_app_proposes_the_existing_source_and_independence_stays_one(team, shelling, login):
    client = login(team["annotator"])
    said, watan = shelling["said"], shelling["watan"]
    assert _independent(shelling["event"]) == 2  # the fourth claim cites nobody yet
    panel = client.get(reverse("workspace:detail", args=[team.slug, said.pk]), **HTMX)
    assert "Its words name" in panel.content.decode()  # from "Al-Watan said"
    options = _search(client, team, said, "Al-Watan")  # its name in another case
    assert f'name="cited_source" value="{watan.pk}"' in options
    assert "Create new source" not in options
    options = _search(client, team, said, "Al Watan")  # the same name spelled otherwise
    assert "looks like" in options and "Create new source" not in options
    response = _save(client, team, said, cited_source=watan.pk)  # "Use al-Watan"
    assert response.status_code == 200
    said.refresh_from_db()
    assert said.cited_source == watan
    assert Source.objects.filter(project=team.project, name__iexact="al-watan").count() == 1
    assert _independent(shelling["event"]) == 1


@pytest.mark.parametrize("typed", ["AlWatan", "Al Watan", "الوطن", "al-Watn"])
def test_other_spellings_scripts_and_typos_find_it(team, shelling, login, typed):
    options = _search(login(team["annotator"]), team, shelling["said"], typed)
    assert f'value="{shelling["watan"].pk}"' in options


def test_creating_a_look_alike_asks_first_and_can_add_an_alias(team, shelling, login):
    client = login(team["annotator"])
    said, watan = shelling["said"], shelling["watan"]
    refused = _save(client, team, said, new_source_name="Al-Watann")
    assert refused.status_code == 422
    assert "looks like the existing source" in refused.content.decode()
    assert not Source.objects.filter(name="Al-Watann").exists()
    response = _save(client, team, said, q="Al-Watann", alias_for=watan.pk)
    assert response.status_code == 200
    watan.refresh_from_db()
    assert "Al-Watann" in watan.aliases
    said.refresh_from_db()
    assert said.cited_source == watan
    assert _independent(shelling["event"]) == 1


def test_create_anyway_is_a_persons_decision(team, shelling, login):
    client = login(team["annotator"])
    response = _save(client, team, shelling["said"], new_source_anyway="Al Watan")
    assert response.status_code == 200
    assert Source.objects.filter(project=team.project, name="Al Watan").exists()
    assert _independent(shelling["event"]) == 2  # two sources, as the person said


def test_the_sources_page_lists_likely_duplicates(team, shelling, login):
    factories.source(team.project, "Al Watan")
    page = login(team["reviewer"]).get(reverse("sources:list", args=[team.slug]))
    assert "Possibly the same source" in page.content.decode()
    assert "same name, other spelling" in page.content.decode()


def test_the_api_finds_best_first_and_asks_before_a_duplicate(team, shelling, api_as):
    api = api_as(team["annotator"])
    path = f"/api/projects/{team.slug}/sources/"
    found = api("get", f"{path}?q=Al Watan").json()
    assert found[0]["name"] == "al-Watan"
    assert found[0]["aliases"] == ["الوطن"]
    assert found[0]["match"] == "same name, other spelling"
    assert api("get", f"{path}?q=Al-Watan").json()[0]["match"] == "name"
    assert api("get", f"{path}?q=الوطن").json()[0]["match"] == "alias"
    asked = api("post", path, {"name": "Al-Watan", "kind": "outlet"})
    assert asked.status_code == 409
    assert asked.json()["match"]["id"] == shelling["watan"].pk
    assert not Source.objects.filter(name="Al-Watan").exists()
    forced = api("post", path, {"name": "Al-Watan", "kind": "outlet", "force": True})
    assert forced.status_code == 201
    made = api("post", path, {"name": "Harbour Radio", "aliases": ["إذاعة الميناء"]})
    assert made.status_code == 201 and made.json()["aliases"] == ["إذاعة الميناء"]
    said = shelling["said"]
    patch = {"version": said.version, "cited_source_id": shelling["watan"].pk}
    assert (
        api("patch", f"/api/projects/{team.slug}/annotations/{said.pk}/", patch).status_code == 200
    )
    assert _independent(shelling["event"]) == 1


def test_an_outlet_spelled_otherwise_at_import_is_the_same_outlet(team, shelling, api_as):
    response = api_as(team["annotator"])(
        "post",
        f"/api/projects/{team.slug}/article-imports/",
        {"text": "Calm returned to the ridge by noon, residents said.", "outlet": "AL WATAN"},
    )
    assert response.status_code == 201
    assert response.json()["article"]["outlet"] == "al-Watan"

"""An htmx write in the workspace answers only what it changed: the panel, and out of band
the text part(s) the span touches, its list item and the counts, not the whole article."""

import html
import re

import factories
import pytest
from django.urls import reverse

from annotator.annotations.kinds import HEDGE
from annotator.annotations.models import Annotation

HTMX = {"HTTP_HX_REQUEST": "true"}
LINE = (
    "Officials in the port city said on Sunday that about 40 lorries had crossed the "
    "bridge, according to a local radio station, though the figure could not be checked. "
)


@pytest.fixture
def long_article(team):
    """Thirty paragraphs of about 170 characters, each with ten short claims or hedges."""
    text = "\n".join(f"{n}. {LINE}" for n in range(1, 31))
    article = factories.article(team.project, text, title="Lorries at the bridge")
    for index, match in enumerate(list(re.finditer(r"\w+ \w+", text))[:300]):
        factories.span(
            article,
            match.group(),
            kind=HEDGE if index % 2 else "claim",
            occurrence=_before(text, match.group(), match.start()),
            by=team["annotator"],
        )
    return article


def _before(text: str, quote: str, start: int) -> int:
    """How many times `quote` appears in `text` before `start` (overlaps counted)."""
    count, found = 0, text.find(quote)
    while found != -1 and found < start:
        count, found = count + 1, text.find(quote, found + 1)
    return count


def create_url(team, article):
    return reverse("workspace:create", args=[team.slug, article.pk])


def oob_ids(body: str) -> list[str]:
    return re.findall(r'id="([^"]+)"[^>]*hx-swap-oob="(?:true|delete)"', body)


def part_text(body: str, index: int) -> str:
    part = re.search(rf'<span class="text-part" id="text-part-{index}"[^>]*>(.*?)</span>\n', body)
    return html.unescape(re.sub(r"<[^>]+>", "", part.group(1)))


def test_the_page_holds_the_text_in_parts_with_stable_ids(login, team, long_article):
    body = login(team["annotator"]).get(
        reverse("workspace:article", args=[team.slug, long_article.pk])
    )
    inner = re.search(
        r'<div id="article-text"[^>]*>(.*?)</div>', body.content.decode(), re.S
    ).group(1)
    assert html.unescape(re.sub(r"<[^>]+>", "", inner)) == long_article.text  # byte for byte
    assert inner.count('class="text-part"') == 30  # one per paragraph
    assert 'id="text-part-29"' in inner


def test_a_create_answers_its_paragraph_item_and_counts_only(
    login, team, long_article, django_assert_max_num_queries
):
    text = long_article.text
    start = text.index("could not be checked", text.index("7. "))
    quote = "could not be checked"
    data = {"kind": "claim", "start": start, "end": start + len(quote), "quote": quote}
    client = login(team["annotator"])
    # Session, user, membership, article, assignments (whose spans to show), the twin
    # check, the insert, then the answer: the touched paragraph, counts, the item before
    # it, the events for the panel; with BEGIN and COMMIT. The article's size adds none.
    with django_assert_max_num_queries(13):
        response = client.post(create_url(team, long_article), data, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    made = Annotation.objects.get(article=long_article, start=start, kind="claim")
    assert f'data-selected="{made.pk}"' in body  # the panel shows it
    ids = oob_ids(body)
    assert [i for i in ids if i.startswith("text-part-")] == ["text-part-6"]
    assert part_text(body, 6) == text.split("\n")[6]
    assert f'data-id="{made.pk}"' in body
    # Inserted in the claims' list after the claim before it in the text, and counted.
    earlier = (
        Annotation.objects.filter(article=long_article, kind="claim", start__lt=start)
        .order_by("-start")
        .first()
    )
    assert f'hx-swap-oob="afterend:#ann-item-{earlier.pk}"' in body
    assert f'id="ann-item-{made.pk}"' in body
    assert re.search(r'id="ann-count" hx-swap-oob="true">301<', body)
    assert re.search(r'id="ann-count-claim" hx-swap-oob="true">151<', body)
    assert 'id="article-text"' not in body and 'id="annotation-list"' not in body
    assert len(response.content) < 15_000, len(response.content)


def test_saving_a_note_replaces_its_item_in_place(login, team, long_article):
    claim = Annotation.objects.filter(article=long_article, kind="claim").order_by("start")[40]
    client = login(team["annotator"])
    url = reverse("workspace:save", args=[team.slug, claim.pk])
    data = {"version": claim.version, "kind": "claim", "note": "Checked with the port office."}
    response = client.post(url, data, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    item = rf'<li class="ann-item [^"]*" id="ann-item-{claim.pk}"[^>]*hx-swap-oob="true"'
    assert re.search(item, body)
    assert "Checked with the port office." in body  # the panel
    assert "afterend:" not in body and 'hx-swap-oob="delete"' not in body
    assert len(response.content) < 15_000
    claim.refresh_from_db()
    assert claim.note == "Checked with the port office."


def test_a_delete_removes_its_item_and_redraws_its_paragraph(login, team, long_article):
    hedge = Annotation.objects.filter(article=long_article, kind=HEDGE).order_by("start")[3]
    client = login(team["annotator"])
    response = client.post(reverse("workspace:delete", args=[team.slug, hedge.pk]), **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert f'<li id="ann-item-{hedge.pk}" hx-swap-oob="delete">' in body
    index = long_article.text[: hedge.start].count("\n")
    assert f'id="text-part-{index}"' in body and f'data-id="{hedge.pk}"' not in body
    assert 'id="undo-bar" hx-swap-oob="true"' in body and "Undo" in body
    assert re.search(r'id="ann-count" hx-swap-oob="true">299<', body)
    assert len(response.content) < 15_000
    assert not Annotation.objects.filter(pk=hedge.pk).exists()


def test_a_kind_left_with_one_item_is_redrawn_whole(login, team):
    article = factories.article(team.project, "Rain is expected, forecasters said.")
    rain = factories.span(article, "Rain is expected", by=team["annotator"])
    client = login(team["annotator"])
    response = client.post(reverse("workspace:delete", args=[team.slug, rain.pk]), **HTMX)
    body = response.content.decode()
    assert 'id="ann-items-claim" hx-swap-oob="true">' in body and "None yet." in body
    response = client.post(
        create_url(team, article),
        {"kind": "claim", "start": 0, "end": 4, "quote": "Rain"},
        **HTMX,
    )
    body = response.content.decode()
    made = Annotation.objects.get(article=article, quote="Rain")
    redrawn = rf'id="ann-items-claim" hx-swap-oob="true"><li[^>]*id="ann-item-{made.pk}"'
    assert re.search(redrawn, body)


def test_a_conflict_shows_both_values_and_keep_mine_saves_over_theirs(login, team, long_article):
    claim = Annotation.objects.filter(article=long_article, kind="claim").first()
    url = reverse("workspace:save", args=[team.slug, claim.pk])
    client = login(team["annotator"])
    stale = claim.version
    first = client.post(url, {"version": stale, "kind": "claim", "note": "theirs"}, **HTMX)
    assert first.status_code == 200
    response = client.post(url, {"version": stale, "kind": "claim", "note": "mine"}, **HTMX)
    assert response.status_code == 409
    body = response.content.decode()
    assert 'id="keep-mine"' in body and 'id="take-theirs"' in body
    assert re.search(r"<td>note</td><td[^>]*>mine</td><td[^>]*>theirs</td>", body)
    assert len(response.content) < 15_000
    keep = re.search(r'<form hx-post="([^"]+)"[^>]*>((?:(?!</form>).)*id="keep-mine")', body, re.S)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', keep.group(2)))
    fields.pop("csrfmiddlewaretoken")
    assert fields["version"] == str(stale + 1)  # the version saved now
    assert fields["note"] == "mine"
    again = client.post(keep.group(1), fields, **HTMX)
    assert again.status_code == 200
    claim.refresh_from_db()
    assert claim.note == "mine"


def test_without_htmx_writes_still_redirect_to_the_page(login, team, long_article):
    claim = Annotation.objects.filter(article=long_article).first()
    response = login(team["annotator"]).post(
        reverse("workspace:delete", args=[team.slug, claim.pk])
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("workspace:article", args=[team.slug, long_article.pk]))


def test_deciding_a_suggestion_answers_its_paragraphs_and_the_suggestions_bar(
    login, team, long_article, django_assert_max_num_queries
):
    """Accept and reject redraw the decided span's paragraph, the next suggestion's (now
    selected) and the bar's counts, not the whole article."""
    text = long_article.text
    offers = []
    for paragraph in (24, 28):  # past the spans of the fixture
        start = text.index("the figure", text.index(f"{paragraph + 1}. "))
        offers.append(
            factories.span(
                long_article,
                "the figure",
                kind=HEDGE,
                occurrence=_before(text, "the figure", start),
                status="suggested",
                confidence=0.8,
            )
        )
    client = login(team["annotator"])
    url = reverse("suggestions:decide", args=[team.slug, offers[0].pk])
    with django_assert_max_num_queries(35):  # the decision's own bookkeeping is most of it
        response = client.post(url, {"decision": "accept"}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-selected="{offers[1].pk}"' in body  # on to the next one
    parts = [i for i in oob_ids(body) if i.startswith("text-part-")]
    assert sorted(parts) == ["text-part-24", "text-part-28"]
    assert 'id="suggestions-bar" class="panel suggestions-bar"' in body
    assert "1 hedge" in body and "2 hedges" not in body
    assert 'id="article-text"' not in body and 'id="annotation-list"' not in body
    assert len(response.content) < 15_000
    offers[0].refresh_from_db()
    assert offers[0].status == "draft"

    url = reverse("suggestions:decide", args=[team.slug, offers[1].pk])
    body = client.post(url, {"decision": "reject"}, **HTMX).content.decode()
    assert f'<li id="ann-item-{offers[1].pk}" hx-swap-oob="delete">' in body
    assert "No open suggestions." in body
    assert not Annotation.objects.filter(pk=offers[1].pk).exists()


def test_deciding_a_suggested_claim_draws_the_next_one_waiting_in_its_paragraph(login, team):
    """Two suggested claims are drawn per paragraph; rejecting one brings the third in,
    even when it sits in another part of a long paragraph."""
    sentences = [
        "The harbour master said forty boats stayed in port on Monday.",
        "Fishermen said the catch had fallen by half since the spring.",
        "A ferry captain said the northern channel was closed to traffic.",
        "Dock workers said the cranes would stay idle until the weekend.",
    ]
    article = factories.article(team.project, " ".join(sentences))  # one 250-character line
    offers = [
        factories.span(article, quote, status="suggested", confidence=confidence)
        for quote, confidence in zip(sentences[:3], (0.9, 0.8, 0.7), strict=True)
    ]
    client = login(team["annotator"])
    page = client.get(reverse("workspace:article", args=[team.slug, article.pk])).content
    assert f'data-id="{offers[2].pk}"'.encode() not in page  # waits in the list
    url = reverse("suggestions:decide", args=[team.slug, offers[0].pk])
    body = client.post(url, {"decision": "reject"}, **HTMX).content.decode()
    parts = [i for i in oob_ids(body) if i.startswith("text-part-")]
    assert len(parts) >= 2  # the whole paragraph
    assert f'data-id="{offers[2].pk}"' in body  # now drawn
    assert "more wait" not in body


def test_a_long_quote_of_few_characters_is_listed_whole(login, team):
    """The list cuts quotes at 80 characters as people see them: vocalised Arabic has
    more code points than characters."""
    quote = "قَالَ المَسؤُولُ إِنَّ القَافِلَةَ غَادَرَت"  # 44 code points, fewer characters
    text = f"{quote} {quote}"
    article = factories.article(team.project, text, language="ar")
    span = factories.span(article, text, by=team["annotator"])
    assert len(span.quote) > 80
    page = login(team["annotator"]).get(reverse("workspace:article", args=[team.slug, article.pk]))
    item = re.search(rf'id="ann-item-{span.pk}".*?</li>', page.content.decode(), re.S).group()
    assert html.escape(text) in item or text in html.unescape(item)
    assert "…" not in item


def test_a_span_over_an_open_suggestion_takes_its_list_item_over(login, team):
    """The person's span takes the suggestion over (one span, same id): the answer replaces
    the suggestion's list item rather than adding a second one beside it."""
    text = "Officials said about 40 lorries crossed the bridge on Sunday.\nSecond line."
    article = factories.article(team.project, text)
    quote = "about 40 lorries crossed the bridge"
    offer = factories.span(article, quote, status="suggested", kind="claim")
    # A second claim, so the group is not redrawn whole (it is when it holds one item).
    factories.span(article, "Second line", kind="claim", by=team["annotator"])
    start = text.index(quote)
    data = {"kind": "claim", "start": start, "end": start + len(quote), "quote": quote}
    body = login(team["annotator"]).post(create_url(team, article), data, **HTMX)
    assert body.status_code == 200
    content = body.content.decode()
    assert Annotation.objects.filter(article=article).count() == 2
    assert f'id="ann-item-{offer.pk}"' in content
    assert "afterend:#ann-item-" not in content and "afterbegin:#ann-items-" not in content

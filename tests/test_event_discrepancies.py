"""Discrepancies of an event: the differences accepted "contradicts" relations record,
merged per facet and pair of values, on the page, in the printout, the timeline exports
and the dataset's round trip."""

import csv
import hashlib
import io
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import factories
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from annotator.annotations.kinds import ATTRIBUTION
from annotator.annotations.models import Annotation
from annotator.articles.models import Article
from annotator.events.analysis import event_analysis
from annotator.events.models import ClaimRelation
from annotator.events.services import EventError, claim_relation_create
from annotator.sources.models import SourceKind

# Four reports of one convoy crossing (invented): two say 40 trucks, two say 25.
HARBOUR = (
    "PORT SALIM (Harbour Post) - 40 trucks crossed the old bridge on Friday, port officials "
    "said, carrying flour and fuel."
)
COASTLINE = (
    "Coastline Radio learned that 40 trucks crossed the bridge, quoting the Harbour Post, "
    "which first reported the convoy."
)
NOUR = "قالت قناة النور إن 25 شاحنة عبرت الجسر القديم صباحاً."
WADI = "ذكر موقع الوادي أن 25 شاحنة عبرت الجسر يوم الخميس محملة بالطحين."

QUANTITY = {"facet": "quantity", "a": "40 trucks", "b": "25 trucks"}
DAY = {"facet": "date", "a": "Friday", "b": "الخميس"}


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def convoy(team):
    """- Harbour Post (graded B), "40 trucks crossed the old bridge on Friday" ← port officials.
    - Nour Channel (Arabic), "25 شاحنة عبرت الجسر القديم", citing nobody.
    - Coastline Radio, "40 trucks crossed the bridge" ← Harbour Post (so, followed to the
      Harbour Post's claim, its origin is port officials too).
    - Al-Wadi (graded C, Arabic), "25 شاحنة عبرت الجسر يوم الخميس", citing nobody.

    Contradicts: Harbour Post vs Al-Wadi (40 vs 25 trucks, Friday vs Thursday) and
    Nour vs Coastline (25 vs 40 trucks, the same values the other way round).
    Claims are created in that order, so ids ascend as listed."""
    project, by = team.project, team["annotator"]
    officials = factories.source(project, "port officials", kind=SourceKind.OFFICIAL)
    harbour_post = factories.source(project, "Harbour Post", grade="B")
    crossing = factories.event(project, "Convoy over the old bridge")

    def report(text, outlet, published, language="en"):
        return factories.article(
            project, text, outlet=outlet, language=language, published_at=at(published)
        )

    def claim_in(article, quote):
        return factories.span(article, quote, event=crossing, by=by)

    def said(article, quote, claim, cited):
        attribution = factories.span(article, quote, ATTRIBUTION, cited_source=cited, by=by)
        factories.link(attribution, claim, by=by)

    harbour = report(HARBOUR, harbour_post, "2025-05-02T10:00")
    forty = claim_in(harbour, "40 trucks crossed the old bridge on Friday")
    said(harbour, "port officials said", forty, officials)
    nour = report(NOUR, factories.source(project, "Nour Channel"), "2025-05-02T11:00", "ar")
    nour_25 = claim_in(nour, "25 شاحنة عبرت الجسر القديم")
    coastline = report(COASTLINE, factories.source(project, "Coastline Radio"), "2025-05-02T12:00")
    coast_40 = claim_in(coastline, "40 trucks crossed the bridge")
    said(coastline, "quoting the Harbour Post", coast_40, harbour_post)
    wadi = report(WADI, factories.source(project, "Al-Wadi", grade="C"), "2025-05-02T13:00", "ar")
    wadi_25 = claim_in(wadi, "25 شاحنة عبرت الجسر يوم الخميس")

    contradicts = "contradicts"
    claim_relation_create(
        claim=forty, other=wadi_25, kind=contradicts, user=by, differences=[QUANTITY, DAY]
    )
    claim_relation_create(  # nour_25 has the smaller id: "a" is what it says
        claim=coast_40,
        other=nour_25,
        kind=contradicts,
        user=by,
        differences=[{"facet": "Quantity", "a": " 25 Trucks", "b": "40 TRUCKS "}],
    )
    claim_relation_create(claim=forty, other=coast_40, kind="same", user=by)
    return {
        "event": crossing,
        "forty": forty,
        "nour_25": nour_25,
        "coast_40": coast_40,
        "wadi_25": wadi_25,
    }


def page(client, event):
    return client.get(reverse("events:detail", args=[event.project.slug, event.pk]))


def test_identical_differences_merge_into_one_discrepancy(convoy):
    discrepancies = event_analysis(convoy["event"]).discrepancies
    assert [(d.facet, [s.value for s in d.sides]) for d in discrepancies] == [
        ("quantity", ["40 trucks", "25 trucks"]),  # the first spelling, as first recorded
        ("date", ["Friday", "الخميس"]),
    ]
    forty, twenty_five = discrepancies[0].sides
    assert [c.pk for c in forty.claims] == [convoy["forty"].pk, convoy["coast_40"].pk]
    assert [c.pk for c in twenty_five.claims] == [convoy["nour_25"].pk, convoy["wadi_25"].pk]
    assert forty.outlets == ["Coastline Radio", "Harbour Post (B)"]
    assert twenty_five.outlets == ["Al-Wadi (C)", "Nour Channel"]
    # Coastline Radio's source is the Harbour Post, followed to its port officials: one.
    assert (forty.independent, twenty_five.independent) == (1, 2)
    friday, thursday = discrepancies[1].sides
    assert (friday.independent, thursday.independent) == (1, 1)
    assert [c.pk for c in thursday.claims] == [convoy["wadi_25"].pk]


def test_same_relations_and_equal_values_make_no_discrepancy(team, convoy):
    forty, coast_40 = convoy["forty"], convoy["coast_40"]
    # A "same" relation stores no differences, whatever it is given.
    relation = claim_relation_create(
        claim=forty, other=coast_40, kind="same", user=team["annotator"], differences=[QUANTITY]
    )
    assert relation.differences == []
    ClaimRelation.objects.filter(claim_a=convoy["nour_25"]).update(
        differences=[{"facet": "quantity", "a": "25 trucks", "b": " 25 TRUCKS"}, "junk", {"a": 1}]
    )
    quantity, _date = event_analysis(convoy["event"]).discrepancies
    assert [c.pk for c in quantity.sides[1].claims] == [convoy["wadi_25"].pk]


def test_page_shows_the_discrepancies_section(login, team, convoy):
    html = page(login(team["annotator"]), convoy["event"]).content.decode()
    section = html[html.index('<section class="discrepancies"') :]
    section = section[: section.index("</section>")]
    assert html.index("<h2>Assertions") < html.index('id="discrepancies-title"')
    assert "Discrepancies" in section and '<span class="count">2</span>' in section
    assert "<bdi>40 trucks</bdi>" in section and "<bdi>25 trucks</bdi>" in section
    assert "<bdi>الخميس</bdi>" in section
    assert "<bdi>Coastline Radio</bdi>, <bdi>Harbour Post (B)</bdi> · 1 independent" in section
    assert "<bdi>Al-Wadi (C)</bdi>, <bdi>Nour Channel</bdi> · 2 independent" in section
    assert "1 independent origin<" in section and "2 independent origins" in section
    assert section.count('<blockquote class="discrepancy-quote" dir="auto">') == 6
    assert "25 شاحنة عبرت الجسر القديم" in section
    assert "no-print" not in section  # the printout carries it


def test_relation_list_shows_what_differs(login, team, convoy):
    html = page(login(team["annotator"]), convoy["event"]).content.decode()
    assert (
        '<strong>contradicts</strong> <span class="differences">(<bdi>40 trucks</bdi> vs '
        "<bdi>25 trucks</bdi>; <bdi>Friday</bdi> vs <bdi>الخميس</bdi>)</span>"
    ) in html
    same = next(item for item in html.split("<li>") if "same assertion" in item)
    assert "differences" not in same


def test_values_are_escaped(login, team, convoy):
    ClaimRelation.objects.filter(claim_a=convoy["nour_25"]).update(
        differences=[{"facet": "means", "a": "<b>drones</b>", "b": "rockets"}]
    )
    html = page(login(team["annotator"]), convoy["event"]).content.decode()
    assert "<b>drones" not in html
    assert "<bdi>&lt;b&gt;drones&lt;/b&gt;</bdi>" in html


def test_empty_state_says_how_discrepancies_get_there(login, team):
    quiet = factories.event(team.project, "Nothing disputed")
    html = page(login(team["annotator"]), quiet).content.decode()
    section = html[html.index('<section class="discrepancies"') :]
    assert "accept a proposed contradiction" in section[: section.index("</section>")]


def test_csv_carries_each_claims_differences(login, team, convoy):
    ClaimRelation.objects.filter(claim_a=convoy["forty"], kind="contradicts").update(
        differences=[QUANTITY, {"facet": "date", "a": "=1+1", "b": "الخميس"}]
    )
    client = login(team["annotator"])
    response = client.get(reverse("events:timeline_csv", args=[team.slug, convoy["event"].pk]))
    reader = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    header, *rows = list(reader)
    assert header[-2:] == ["claim_id", "differences"]  # added at the end
    by_claim = {int(row[-2]): row[-1] for row in rows}
    forty, wadi_25 = convoy["forty"].pk, convoy["wadi_25"].pk
    assert by_claim[forty] == (
        f"40 trucks vs 25 trucks (quantity) with claim {wadi_25}; "
        f"=1+1 vs الخميس (date) with claim {wadi_25}"
    )
    assert by_claim[wadi_25].startswith(f"25 trucks vs 40 trucks (quantity) with claim {forty}")
    assert by_claim[convoy["nour_25"].pk] == (
        f"25 Trucks vs 40 TRUCKS (Quantity) with claim {convoy['coast_40'].pk}"
    )
    # A cell that would start with a formula is defused.
    ClaimRelation.objects.filter(claim_a=convoy["forty"], kind="contradicts").update(
        differences=[{"facet": "date", "a": "=1+1", "b": "Friday"}]
    )
    response = client.get(reverse("events:timeline_csv", args=[team.slug, convoy["event"].pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert any(row[-1].startswith("'=1+1 vs Friday") for row in rows)


def test_timelinejs_mentions_the_discrepancy(login, team, convoy):
    ClaimRelation.objects.filter(claim_a=convoy["nour_25"]).update(
        differences=[{"facet": "quantity", "a": "25 <i>trucks</i>", "b": "40 trucks"}]
    )
    client = login(team["annotator"])
    response = client.get(reverse("events:timeline_json", args=[team.slug, convoy["event"].pk]))
    texts = {
        int(e["unique_id"].removeprefix("claim-")): e["text"]["text"]
        for e in json.loads(response.content)["events"]
    }
    assert (
        "Discrepancy (quantity): 40 trucks here, 25 trucks in Al-Wadi." in texts[convoy["forty"].pk]
    )
    assert "Discrepancy (date): الخميس here, Friday in Harbour Post." in texts[convoy["wadi_25"].pk]
    nour = texts[convoy["nour_25"].pk]
    assert "Discrepancy (quantity): 25 &lt;i&gt;trucks&lt;/i&gt; here, 40 trucks in" in nour
    assert "<i>" not in nour


def _export(slug) -> list[dict]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.jsonl"
        call_command(
            "export_dataset",
            "--project",
            slug,
            "--format",
            "jsonl",
            "--include-all",
            "--output",
            str(path),
            stderr=io.StringIO(),
        )
        return [json.loads(line) for line in path.read_text().splitlines()]


def _import(rows, slug) -> tuple[str, str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.jsonl"
        path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("import_dataset", str(path), "--project", slug, stdout=out, stderr=err)
        except CommandError as exc:  # some lines were not imported
            err.write(str(exc))
        return out.getvalue(), err.getvalue()


@pytest.fixture
def moved(team):
    project = factories.project("Moved", slug="moved", owner=team["owner"])
    project.memberships.create(user=team["annotator"], role="annotator")
    return project


def _flip(differences: list[dict]) -> list[dict]:
    return [{"facet": d["facet"], "a": d["b"], "b": d["a"]} for d in differences]


def _stored(project) -> dict[tuple[str, str], list]:
    """(quote, other quote) -> the differences as the first says them, both ways round."""
    found = {}
    for r in ClaimRelation.objects.filter(claim_a__article__project=project).select_related(
        "claim_a", "claim_b"
    ):
        found[(r.claim_a.quote, r.claim_b.quote)] = r.differences
        found[(r.claim_b.quote, r.claim_a.quote)] = _flip(r.differences)
    return found


def _records(rows) -> list[tuple]:
    """Each relation record as (its claim's quote, the other's quote, differences)."""
    quote = {(row["id"], s["id"]): s["quote"] for row in rows for s in row["spans"]}
    return sorted(
        (
            quote[(row["id"], r["claim"])],
            quote[(r["other_article"], r["other_claim"])],
            json.dumps(r["differences"], ensure_ascii=False),
        )
        for row in rows
        for r in row["relations"]
    )


def test_dataset_round_trip_keeps_the_differences(team, convoy, moved):
    rows = _export(team.slug)
    records = {
        (r["claim"], r["other_claim"]): r["differences"] for row in rows for r in row["relations"]
    }
    forty, wadi_25 = convoy["forty"].pk, convoy["wadi_25"].pk
    assert records[(forty, wadi_25)] == [QUANTITY, DAY]  # "a" is what `claim` says
    assert records[(wadi_25, forty)] == [
        {"facet": "quantity", "a": "25 trucks", "b": "40 trucks"},
        {"facet": "date", "a": "الخميس", "b": "Friday"},
    ]
    assert records[(forty, convoy["coast_40"].pk)] == []
    # In reverse, the claims get ids in the other order here, and "a" must follow.
    for order in (rows, rows[::-1]):
        Article.objects.filter(project=moved).delete()
        out, err = _import(order, "moved")
        assert "3 claim relations" in out, err
        assert _stored(moved) == _stored(team.project)
        assert _records(_export("moved")) == _records(rows)


@pytest.mark.parametrize(
    "differences, message",
    [
        ("40 vs 25", "is not of type 'array'"),
        ([{"facet": "quantity", "a": "40"}], "'b' is a required property"),
        ([{"facet": "quantity", "a": "4" * 201, "b": "25"}], "is too long"),
        ([{"facet": "", "a": "40", "b": "25"}], "should be non-empty"),
        ([{"facet": "quantity", "a": 40, "b": "25"}], "is not of type 'string'"),
        ([{"facet": " ", "a": "40", "b": "25"}], "facet has 1 to 40 characters"),  # the service
    ],
)
def test_bad_differences_are_the_lines_error(team, convoy, moved, differences, message):
    rows = _export(team.slug)
    for row in rows:
        for relation in row["relations"]:
            if relation["kind"] == "contradicts":
                relation["differences"] = differences
    out, err = _import(rows, "moved")
    assert message in err, err
    assert "lines were not imported" in err
    assert not ClaimRelation.objects.filter(claim_a__article__project=moved).exists()


def test_the_service_refuses_bad_differences(team, convoy):
    forty, coast_40 = convoy["forty"], convoy["coast_40"]
    for bad in (
        "40 vs 25",
        [QUANTITY] * 21,
        [{"facet": "quantity", "a": "40"}],
        [{"facet": " ", "a": "40", "b": "25"}],
        [{"facet": "quantity", "a": "40", "b": "2" * 201}],
    ):
        with pytest.raises(EventError):
            claim_relation_create(
                claim=forty,
                other=coast_40,
                kind="contradicts",
                user=team["annotator"],
                differences=bad,
            )
    relation = claim_relation_create(
        claim=forty,
        other=coast_40,
        kind="contradicts",
        user=team["annotator"],
        differences=[{"facet": " means ", "a": " drones", "b": "rockets", "score": 3}],
    )
    assert relation.differences == [{"facet": "means", "a": "drones", "b": "rockets"}]


def test_event_page_queries_stay_bounded_with_many_discrepancies(
    login, team, convoy, django_assert_max_num_queries
):
    """As tests/test_events.py's 2,000 claims: 400 more claims in 200 contradicting pairs,
    each recording two differences, add no query."""
    event, outlet = convoy["event"], team.project.sources.get(name="Harbour Post")
    texts = [f"Dispatch {i}: {i % 7} trucks crossed, officials said." for i in range(200)]
    articles = Article.objects.bulk_create(
        Article(
            project=team.project,
            title=f"D{i}",
            text=text,
            outlet=outlet,
            text_sha256=hashlib.sha256(text.encode()).hexdigest(),
            published_at=f"2025-05-{1 + i % 28:02}T08:00:00Z",
            published_precision="minute",
        )
        for i, text in enumerate(texts)
    )
    claims = Annotation.objects.bulk_create(
        Annotation(
            article=article,
            kind="claim",
            start=start,
            end=start + len(quote),
            quote=quote,
            event=event,
        )
        for article in articles
        for quote in ("trucks crossed", "officials said")
        for start in [article.text.index(quote)]
    )
    ClaimRelation.objects.bulk_create(
        ClaimRelation(
            claim_a=claims[i],
            claim_b=claims[i + 1],
            kind="contradicts",
            differences=[
                {"facet": "quantity", "a": f"{i % 7} trucks", "b": f"{i % 5 + 7} trucks"},
                {"facet": "date", "a": "Friday", "b": "Thursday"},
            ],
        )
        for i in range(0, 400, 2)
    )
    client = login(team["annotator"])
    with django_assert_max_num_queries(14):
        response = page(client, event)
    assert response.status_code == 200
    assert len(response.context["discrepancies"]) > 2


SIDES = """() => {
  const quotes = [...document.querySelectorAll('.discrepancy-quote')];
  const sides = [...document.querySelector('.discrepancy').querySelectorAll('.discrepancy-side')];
  const [one, two] = sides.map((s) => s.getBoundingClientRect());
  return {
    directions: quotes.map((q) => [
      /[\u0600-\u06ff]/.test(q.textContent), getComputedStyle(q).direction]),
    sideBySide: two.left >= one.right - 1 || two.right <= one.left + 1,
    stacked: two.top >= one.bottom - 1,
  };
}"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_discrepancies_in_the_browser(live_pages, team, convoy, width, artifacts):
    page = live_pages(team["annotator"], {"width": width, "height": 900})
    page.goto(reverse("events:detail", args=[team.slug, convoy["event"].pk]))
    page.wait_for_selector(".discrepancy")
    found = page.evaluate(SIDES)
    # Each quote takes its direction from its own text: the Arabic ones right to left.
    assert sorted(found["directions"]) == [[False, "ltr"]] * 3 + [[True, "rtl"]] * 3
    # Side by side on a wide screen; one above the other on a phone.
    assert found["sideBySide"] if width > 640 else found["stacked"]
    page.locator("#discrepancies-title").scroll_into_view_if_needed()
    page.screenshot(path=artifacts / f"event-discrepancies-{width}.png")
    page.emulate_media(media="print")
    assert page.locator(".discrepancies").is_visible()
    assert not page.locator(".relations").is_visible()
    assert page.evaluate(SIDES)["sideBySide"]  # on paper too, whatever the width

"""Datetimes at the ends of the calendar (issue 13, point 1).

PostgreSQL stores instants that Python cannot read back (0001-01-01T00:00+14:00 is
0000-12-31 in UTC); one such claimed time or publication date used to break every page that
showed its article. Every door refuses a value outside 0001-01-02 – 9999-12-30 (UTC) with
422 or a form error and stores nothing, the database refuses it too, and values just inside
the range are stored and shown everywhere. Hypothesis drives each door with datetimes at
the edges of the range and just outside it.
"""

import json
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta, timezone

import factories
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.annotations.models import Annotation
from annotator.articles.models import Article
from annotator.sources.models import ReliabilityAssessment
from annotator.suggestions.models import DateSuggestion

HTMX = {"HTTP_HX_REQUEST": "true"}
FERRY = (
    "PORT IDRA, 4 May (Harbour Post) - The ferry to Idra resumed service on Monday, the port "
    "authority said, after storms kept it in harbour for a week."
)
BRIDGE = "قال مسؤولون في البلدية إن الجسر الجديد سيفتح أمام السيارات في نهاية الشهر."
POISONED = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00-14:00"]
REFUSED = "between 0001-01-02 and 9999-12-30 (UTC)"
# The first and last instants stored, in Python's terms.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, tzinfo=UTC)  # the first refused


@pytest.fixture
def story(team):
    """A report with a claim on an event, dated in the ordinary way."""
    outlet = factories.source(team.project, "Harbour Post", grade="B")
    article = factories.article(
        team.project, FERRY, outlet=outlet, published_at=datetime(2025, 5, 4, 9, 30, tzinfo=UTC)
    )
    event = factories.event(team.project, "Idra ferry resumes")
    claim = factories.span(
        article,
        "The ferry to Idra resumed service on Monday",
        by=team["annotator"],
        event=event,
        claimed_at=datetime(2025, 5, 4, tzinfo=UTC),
        claimed_precision="day",
    )
    return article, event, claim


@pytest.fixture
def annotator_api(api_as, team):
    return api_as(team["annotator"])


@pytest.fixture
def reviewer_client(login, team):
    return login(team["reviewer"])


@pytest.fixture
def annotator_client(login, team):
    return login(team["annotator"])


def api_claim(api, team, article, claimed_at, precision=None, quote="the port authority said"):
    start = article.text.index(quote)
    payload = {
        "kind": "claim",
        "start": start,
        "end": start + len(quote),
        "quote": quote,
        "event_id": Annotation.objects.filter(article=article).first().event_id,
        "claimed_at": claimed_at,
    }
    if precision:
        payload["claimed_precision"] = precision
    return api("post", f"/api/projects/{team.slug}/articles/{article.pk}/annotations/", payload)


def assert_every_view_answers(client, api, team, article, event):
    """Every page, file and API answer that shows the article, its claims or its event."""
    slug = team.slug
    urls = [
        reverse("workspace:article", args=[slug, article.pk]),
        reverse("review:article", args=[slug, article.pk]),
        reverse("events:detail", args=[slug, event.pk]),
        reverse("events:timeline_csv", args=[slug, event.pk]),
        reverse("events:timeline_json", args=[slug, event.pk]),
        reverse("articles:list", args=[slug]),
        reverse("articles:about", args=[slug, article.pk]),
        reverse("exports:download", args=[slug]) + "?formats=jsonl&annotations=all",
        reverse("exports:download", args=[slug]) + "?formats=csv&annotations=all",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        if response.streaming:
            assert b"".join(response.streaming_content)
    for path in (f"articles/{article.pk}/", f"events/{event.pk}/"):
        assert api("get", f"/api/projects/{slug}/{path}").status_code == 200, path


# --- The doors, one by one -------------------------------------------------------------


@pytest.mark.parametrize("claimed_at", POISONED)
def test_the_api_refuses_a_claimed_time_python_cannot_read_back(
    team, story, annotator_api, reviewer_client, claimed_at
):
    article, event, claim = story
    before = Annotation.objects.count()
    created = api_claim(annotator_api, team, article, claimed_at)
    assert created.status_code == 422
    assert REFUSED in created.json()["detail"]
    assert Annotation.objects.count() == before
    patch = {"version": claim.version, "claimed_at": claimed_at, "claimed_precision": "minute"}
    changed = annotator_api("patch", f"/api/projects/{team.slug}/annotations/{claim.pk}/", patch)
    assert changed.status_code == 422 and REFUSED in changed.json()["detail"]
    claim.refresh_from_db()
    assert (claim.claimed_at, claim.version) == (datetime(2025, 5, 4, tzinfo=UTC), 1)
    assert_every_view_answers(reviewer_client, annotator_api, team, article, event)
    # The claim can still be deleted (it used to answer 500 too).
    deleted = annotator_api("delete", f"/api/projects/{team.slug}/annotations/{claim.pk}/")
    assert deleted.status_code == 204


@pytest.mark.parametrize(
    "claimed_at, precision",
    [
        ("0001-01-02T00:00:00Z", "day"),
        ("0001-01-02T10:00:00+10:00", "minute"),  # 0001-01-02T00:00 in UTC, the first one
        ("9999-12-30T23:59:59.999999Z", "minute"),  # the last one
        ("9999-12-01T00:00:00Z", "month"),  # its month runs to the end of the calendar
        ("9999-12-30T00:00:00-14:00", "approximate"),
    ],
)
def test_claimed_times_at_the_ends_of_the_range_are_stored_and_shown(
    team, story, annotator_api, reviewer_client, claimed_at, precision
):
    article, event, _ = story
    created = api_claim(annotator_api, team, article, claimed_at, precision)
    assert created.status_code == 201, created.content
    stored = Annotation.objects.get(pk=created.json()["id"]).claimed_at
    assert stored == datetime.fromisoformat(claimed_at)
    assert EARLIEST <= stored < LATEST
    assert_every_view_answers(reviewer_client, annotator_api, team, article, event)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_workspace_refuses_a_claimed_date_outside_the_range(
    team, story, annotator_client, annotator_api, reviewer_client, day
):
    article, event, claim = story
    url = reverse("workspace:save", args=[team.slug, claim.pk])
    data = {"version": claim.version, "kind": "claim", "claimed_date": day, "claimed_time": ""}
    response = annotator_client.post(url, data, **HTMX)
    assert response.status_code == 422
    assert REFUSED in response.content.decode()
    claim.refresh_from_db()
    assert (claim.claimed_at, claim.version) == (datetime(2025, 5, 4, tzinfo=UTC), 1)
    assert_every_view_answers(reviewer_client, annotator_api, team, article, event)


def test_the_workspace_stores_the_last_day_of_the_range(
    team, story, annotator_client, reviewer_client, annotator_api
):
    article, event, claim = story
    url = reverse("workspace:save", args=[team.slug, claim.pk])
    data = {
        "version": claim.version,
        "kind": "claim",
        "event": event.pk,
        "claimed_date": "9999-12-30",
        "claimed_time": "23:59",
    }
    assert annotator_client.post(url, data, **HTMX).status_code == 200
    claim.refresh_from_db()
    assert claim.claimed_at == datetime(9999, 12, 30, 23, 59, tzinfo=UTC)
    assert_every_view_answers(reviewer_client, annotator_api, team, article, event)


@pytest.mark.parametrize(
    "query, found",
    [
        ({"date_to": "9999-12-31"}, True),
        ({"date_from": "0001-01-01"}, True),
        ({"date_from": "0001-01-01", "date_to": "9999-12-31"}, True),
        ({"date_from": "9999-12-31"}, False),
        ({"date_to": "0001-01-01"}, False),
    ],
)
def test_date_filters_at_the_ends_of_the_calendar(team, story, reviewer_client, query, found):
    response = reviewer_client.get(reverse("articles:list", args=[team.slug]), query)
    assert response.status_code == 200
    assert ("The ferry to Idra" in response.content.decode()) is found


# --- The dataset import ----------------------------------------------------------------


@pytest.fixture
def exported(team, story, login):
    """The project's articles as JSONL lines (dicts): the ferry report and an Arabic one."""
    factories.article(team.project, BRIDGE, language="ar")
    client = login(team["owner"])
    url = reverse("exports:download", args=[team.slug])
    response = client.get(url, {"formats": "jsonl", "annotations": "all"})
    rows = [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]
    return {("ferry" if row["language"] == "en" else "bridge"): row for row in rows}


@pytest.fixture
def moved(team):
    return factories.project("Moved", slug="moved", owner=team["owner"])


@pytest.fixture
def owner_client(login, team):
    return login(team["owner"])


def import_page(client, rows):
    body = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()
    upload = SimpleUploadedFile("dataset.jsonl", body, content_type="application/x-ndjson")
    return client.post(reverse("exports:import", args=["moved"]), {"file": upload})


def ferry_claim(row):
    return next(span for span in row["spans"] if span["attributes"]["claimed_at"])


@pytest.mark.parametrize("value", POISONED)
def test_the_dataset_import_refuses_an_unreadable_date_and_imports_the_rest(
    exported, moved, owner_client, value
):
    poisoned_article = {**exported["ferry"], "published_at": value}
    poisoned_claim = json.loads(json.dumps(exported["ferry"]))
    ferry_claim(poisoned_claim)["attributes"]["claimed_at"] = value
    poisoned_grade = json.loads(json.dumps(exported["ferry"]))
    poisoned_grade["sources"][0]["assessments"][0]["assessed_at"] = value
    response = import_page(
        owner_client, [poisoned_article, poisoned_claim, poisoned_grade, exported["bridge"]]
    )
    assert response.status_code == 200
    page = response.content.decode()
    for field in ("published_at", "claimed_at", "assessed_at"):
        assert f"{field} &#x27;{value}&#x27; must be {REFUSED}" in page, field
    assert list(Article.objects.filter(project=moved).values_list("language", flat=True)) == ["ar"]
    assert not ReliabilityAssessment.objects.filter(source__project=moved).exists()
    for name in ("projects:detail", "articles:list"):
        assert owner_client.get(reverse(name, args=["moved"])).status_code == 200


def test_the_dataset_import_keeps_dates_at_the_ends_of_the_range(exported, moved, owner_client):
    row = {**exported["ferry"], "published_at": "0001-01-02T00:00:00Z"}
    ferry_claim(row)["attributes"]["claimed_at"] = "9999-12-30T23:59:00Z"
    assert import_page(owner_client, [row]).status_code == 200
    article = Article.objects.get(project=moved)
    assert article.published_at == EARLIEST
    assert article.annotations.get(claimed_at__isnull=False).claimed_at == datetime(
        9999, 12, 30, 23, 59, tzinfo=UTC
    )
    for name in ("projects:detail", "articles:list", "events:list"):
        assert owner_client.get(reverse(name, args=["moved"])).status_code == 200
    workspace = reverse("workspace:article", args=["moved", article.pk])
    assert owner_client.get(workspace).status_code == 200


# --- The database ----------------------------------------------------------------------


def test_the_database_refuses_what_the_doors_refuse(story):
    """Even a queryset update, which no service sees, cannot store such a value."""
    article, _, claim = story
    far = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))
    writes = [
        lambda: Annotation.objects.filter(pk=claim.pk).update(claimed_at=far),
        lambda: Annotation.objects.filter(pk=claim.pk).update(reviewed_at=LATEST),
        lambda: Article.objects.filter(pk=article.pk).update(published_at=far),
        lambda: ReliabilityAssessment.objects.update(assessed_at=LATEST),
    ]
    for write in writes:
        with pytest.raises(IntegrityError), transaction.atomic():
            write()
    # The suggesters' dates too, which only the app writes.
    with connection.cursor() as cursor:
        checks = connection.introspection.get_constraints(cursor, DateSuggestion._meta.db_table)
    assert checks["date_suggestion_claimed_at_in_range"]["check"]


# --- Hypothesis: every datetime door, at the edges of the range ------------------------

OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
EDGE_OFFSETS = st.sampled_from([timedelta(hours=14), timedelta(hours=-14), timedelta(0)]).map(
    timezone
)
# Wall-clock times within a few days of either end of Python's calendar.
NEAR_THE_ENDS = st.one_of(
    st.datetimes(datetime(1, 1, 1), datetime(1, 1, 4)),
    st.datetimes(datetime(9999, 12, 28), datetime(9999, 12, 31, 23, 59, 59, 999999)),
)
# The instants on either side of each end of the stored range.
BOUNDARIES = st.sampled_from(
    [EARLIEST, EARLIEST - timedelta(microseconds=1), LATEST, LATEST - timedelta(microseconds=1)]
)
edge_datetimes = st.one_of(
    BOUNDARIES,
    st.builds(lambda moment, zone: moment.replace(tzinfo=zone), NEAR_THE_ENDS, OFFSETS),
    st.builds(lambda moment, zone: moment.replace(tzinfo=zone), NEAR_THE_ENDS, EDGE_OFFSETS),
)
edge_days = st.one_of(
    st.dates(date(1, 1, 1), date(1, 1, 4)), st.dates(date(9999, 12, 27), date(9999, 12, 31))
)
DOORS = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def inside(moment: datetime) -> bool:
    """The range, written out again here rather than taken from the code under test."""
    return EARLIEST <= moment < LATEST


@contextmanager
def rolled_back():
    """Each example starts from the fixture's data again."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@given(edge_datetimes, st.sampled_from(["minute", "day", "month", "approximate"]))
@DOORS
def test_the_api_stores_a_claimed_time_inside_the_range_or_refuses_it(
    team, story, annotator_api, moment, precision
):
    article, event, _ = story
    with rolled_back():
        before = Annotation.objects.count()
        response = api_claim(annotator_api, team, article, moment.isoformat(), precision)
        if inside(moment):
            assert response.status_code == 201, response.content
            assert Annotation.objects.get(pk=response.json()["id"]).claimed_at == moment
            detail = f"/api/projects/{team.slug}/articles/{article.pk}/"
            assert annotator_api("get", detail).status_code == 200
            events = f"/api/projects/{team.slug}/events/{event.pk}/"
            assert annotator_api("get", events).status_code == 200
        else:
            assert response.status_code == 422
            assert REFUSED in response.json()["detail"]
            assert Annotation.objects.count() == before


@given(edge_days, st.none() | st.times(), st.sampled_from(["", "minute", "day", "month"]))
@DOORS
def test_the_workspace_stores_a_claimed_date_inside_the_range_or_refuses_it(
    team, story, annotator_client, day, clock, precision
):
    _, _, claim = story
    url = reverse("workspace:save", args=[team.slug, claim.pk])
    data = {
        "version": claim.version,
        "kind": "claim",
        "claimed_date": day.isoformat(),
        "claimed_time": clock.strftime("%H:%M") if clock else "",
        "claimed_precision": precision,
    }
    precision = precision or ("minute" if clock else "day")
    day = day.replace(day=1) if precision == "month" else day
    wall_clock = time(clock.hour, clock.minute) if clock and precision == "minute" else time()
    expected = datetime.combine(day, wall_clock, UTC)
    with rolled_back():
        response = annotator_client.post(url, data, **HTMX)
        stored = Annotation.objects.get(pk=claim.pk)  # `claim` stays as the fixture made it
        if inside(expected):
            assert response.status_code == 200, response.content.decode()[:500]
            assert stored.claimed_at == expected
        else:
            assert response.status_code == 422
            assert REFUSED in response.content.decode()
            assert stored.version == claim.version


@given(edge_datetimes, edge_datetimes)
@DOORS
def test_the_dataset_import_stores_dates_inside_the_range_or_refuses_the_line(
    exported, moved, owner_client, published_at, claimed_at
):
    row = json.loads(json.dumps(exported["ferry"]))
    row["published_at"] = published_at.isoformat()
    ferry_claim(row)["attributes"]["claimed_at"] = claimed_at.isoformat()
    with rolled_back():
        response = import_page(owner_client, [row])
        assert response.status_code == 200
        article = Article.objects.filter(project=moved).first()
        if inside(published_at) and inside(claimed_at):
            assert article.published_at == published_at
            assert article.annotations.get(claimed_at__isnull=False).claimed_at == claimed_at
        else:
            assert article is None
            assert REFUSED in response.content.decode()


def test_events_at_the_ends_of_the_calendar_are_shown(team, story, annotator_api, reviewer_client):
    """An event's dates are plain days (no time zone to overflow): any day is kept, and its
    pages and files still answer."""
    article, _, claim = story
    payload = {"title": "Calendar ends", "start_date": "0001-01-01", "end_date": "9999-12-31"}
    created = annotator_api("post", f"/api/projects/{team.slug}/events/", payload)
    assert created.status_code == 201, created.content
    event = created.json()["id"]
    patch = {"version": claim.version, "event_id": event}
    moved = annotator_api("patch", f"/api/projects/{team.slug}/annotations/{claim.pk}/", patch)
    assert moved.status_code == 200, moved.content
    for name in ("events:detail", "events:timeline_csv", "events:timeline_json"):
        assert reviewer_client.get(reverse(name, args=[team.slug, event])).status_code == 200
    assert reviewer_client.get(reverse("events:list", args=[team.slug])).status_code == 200
    assert annotator_api("get", f"/api/projects/{team.slug}/events/{event}/").status_code == 200


@pytest.mark.parametrize("value", POISONED)
def test_the_article_api_refuses_such_a_publication_date(team, annotator_api, value):
    payload = {"text": FERRY, "title": "Ferry resumes", "published_at": value}
    response = annotator_api("post", f"/api/projects/{team.slug}/article-imports/", payload)
    assert response.status_code == 422
    assert response.json()["reason"]
    assert not Article.objects.filter(project=team.project).exists()

"""Every parser and suggester costs time in proportion to its input: complexity checks on
adversarial texts of about 10 KB and 100 KB (the suggesters: 5 KB and 50 KB; the larger may
cost at most ~15× the smaller, best of three runs, to damp the noise of a shared machine),
and the regressions that found them: a date followed by a long run of spaces, "اليوم "
repeated, dates beyond the calendar (years 0 and 10000, "next week" in a paper of
9999-12-30)."""

import gc
import time
from datetime import UTC, date, datetime

import pytest

from annotator.articles.dates import find_date_in_text, parse_date
from annotator.articles.furniture import body_lines
from annotator.articles.parsing import detect_language, parse_upload
from annotator.datetimes import EARLIEST, LATEST
from annotator.matching import facts as matching_facts
from annotator.suggestions.engine import suggest

PUBLISHED = datetime(2024, 1, 18, 10, 0, tzinfo=UTC)
EN_SENTENCE = (
    "Officials said on Monday that 12 people were reportedly killed in Harlow, "
    "according to two local sources. "
)
AR_SENTENCE = "وقال مسؤول محلي يوم الخميس إن 12 شخصا قتلوا على ما يبدو في مدينة قرمل، بحسب مصادر. "
MAX_RATIO = 20  # linear is ~10×, quadratic 100×: room for a busy machine's noise


def _repeat(unit: str, size: int) -> str:
    return unit * (size // len(unit))


def _time(function, argument) -> float:
    # CPU time of this process, not the wall clock: other work on a busy machine (CI, a
    # parallel suite) takes the CPU away between runs but does not count here.
    start = time.process_time()
    function(argument)
    return time.process_time() - start


def assert_linear(function, make, small_size=10_000):
    """`function` on 10× the input costs at most MAX_RATIO × as much (best of three runs;
    the larger input runs again only while it is over the bound)."""
    function(make(1_000))  # warm up: lexicons, patterns, dateparser's data
    small_input, large_input = make(small_size), make(10 * small_size)
    gc.collect()  # a collection falling into one run and not the other is noise, not cost
    gc.disable()
    try:
        # Below a few milliseconds the clock's noise decides the ratio: a floor.
        small = max(min(_time(function, small_input) for _ in range(3)), 0.002)
        large = float("inf")
        for _ in range(3):
            large = min(large, _time(function, large_input))
            if large <= MAX_RATIO * small:
                break
    finally:
        gc.enable()
    assert large <= MAX_RATIO * small, (small, large)


def _suggest(language):
    return lambda text: suggest(text, language, PUBLISHED)


# The suggesters on 5 KB and 50 KB: the same factor of ten, in half the time.
SUGGEST_SIZE = 5_000


DATE_INPUTS = {
    "spaces after a date": lambda n: "17 January 2024 10:00" + " " * n + "x",
    "spaces after a bare date": lambda n: "17 January 2024" + " " * n + "GMT",
    "commas and dashes before a time": lambda n: "2024-01-15" + " ,-" * (n // 3) + "10:00",
    "many dates": lambda n: _repeat("15 كانون الثاني 2024 15:45 دمشق ", n),
}


@pytest.mark.parametrize("make", DATE_INPUTS.values(), ids=DATE_INPUTS.keys())
def test_parse_date_is_linear(make):
    assert_linear(parse_date, make)


TEXT_INPUTS = {
    "one long line": lambda n: _repeat("Published 12 March 2025 | 14:05 GMT ", n),
    "date lines": lambda n: _repeat("Published 12 March 2025 | 14:05 GMT\n", n),
    "spaces": lambda n: "12 March 2025" + " " * n + "14:05 x\n",
    "no newline, no full stop": lambda n: _repeat(EN_SENTENCE.replace(".", ","), n),
}


@pytest.mark.parametrize("make", TEXT_INPUTS.values(), ids=TEXT_INPUTS.keys())
def test_find_date_in_text_and_body_lines_are_linear(make):
    assert_linear(find_date_in_text, make)
    assert_linear(body_lines, make)


FURNITURE_INPUTS = {
    "spaces before a separator": lambda n: "World" + " " * n + "| Middle East\n",
    "separators": lambda n: _repeat("World | ", n),
    "link list": lambda n: "Related\n" + _repeat("Short link line\n", n),
    "stops": lambda n: "." * n,
}


@pytest.mark.parametrize("make", FURNITURE_INPUTS.values(), ids=FURNITURE_INPUTS.keys())
def test_body_lines_is_linear_on_page_furniture(make):
    assert_linear(body_lines, make)


def test_detect_language_is_linear():
    assert_linear(detect_language, lambda n: _repeat(EN_SENTENCE + "\n" + AR_SENTENCE + "\n", n))
    assert_linear(detect_language, lambda n: " " * n)


def _front_matter_file(n: int) -> bytes:
    value = "2024-01-15 10:00" + " " * n + "GMT"
    return f"---\ntitle: Water trucks arrive\ndate: {value}\n---\n{EN_SENTENCE}\n".encode()


def _html_file(n: int) -> bytes:
    meta = "2024-01-15T10:00:00" + " " * n + "+03:00"
    return (
        f'<!doctype html><html><head><meta property="article:published_time" content="{meta}">'
        f"</head><body><article><p>{EN_SENTENCE * 3}</p></article></body></html>"
    ).encode()


def test_metadata_readers_are_linear_and_refuse_long_values():
    assert_linear(lambda data: parse_upload("a.md", data), _front_matter_file)
    assert_linear(lambda data: parse_upload("a.html", data), _html_file)
    # A date value longer than a date is not read as one; a short one still is.
    assert parse_upload("a.md", _front_matter_file(60_000)).detected["date_from"] != (
        "front matter"
    )
    assert parse_upload("a.md", _front_matter_file(1)).published.tz == "+00:00"


EN_INPUTS = {
    "repeated date words": lambda n: _repeat("on Monday January 5 yesterday ", n),
    "repeated cues": lambda n: _repeat("reportedly said according to officials allegedly ", n),
    "one sentence of attributions": lambda n: _repeat("according to officials, ", n),
    "statements": lambda n: _repeat("officials said in a statement. ", n),
    "no newline, no full stop": lambda n: _repeat(EN_SENTENCE.replace(".", ","), n),
    "ordinary sentences": lambda n: _repeat(EN_SENTENCE, n),
    "mixed lines": lambda n: _repeat(EN_SENTENCE + "\n" + AR_SENTENCE + "\n", n),
    "spaces": lambda n: "Officials said" + " " * n + "in January.",
    "stops": lambda n: "Officials said 3 people died" + "." * n + "x",
    "one long word": lambda n: "said " + "x" * n + " said",
}


@pytest.mark.parametrize("make", EN_INPUTS.values(), ids=EN_INPUTS.keys())
def test_english_suggesters_are_linear(make):
    assert_linear(_suggest("en"), make, SUGGEST_SIZE)


AR_INPUTS = {
    "اليوم repeated": lambda n: _repeat("اليوم ", n),
    "times of day before weekdays": lambda n: _repeat("صباح يوم الخميس ", n),
    "repeated cues": lambda n: _repeat("قال مصدر ", n),
    "one sentence of attributions": lambda n: _repeat("بحسب مصادر، ", n),
    "no full stop": lambda n: _repeat(AR_SENTENCE.replace(".", "،"), n),
    "ago": lambda n: _repeat("قبل 3 أيام ", n),
}


@pytest.mark.parametrize("make", AR_INPUTS.values(), ids=AR_INPUTS.keys())
def test_arabic_suggesters_are_linear(make):
    assert_linear(_suggest("ar"), make, SUGGEST_SIZE)


FACTS_INPUTS = {
    "ordinary sentences": lambda n: _repeat(EN_SENTENCE + AR_SENTENCE, n),
    "numbers and bounds": lambda n: _repeat("at least 1,200 people were killed, نحو ٣٥٠ كم ", n),
    "one long number": lambda n: "1" * n,
    "thousands groups": lambda n: "1" + ",234" * (n // 4) + "5",
    "arabic bounds without numbers": lambda n: _repeat("ما لا يقل عن ", n),
    "negations": lambda n: _repeat("did not لم didn't ", n),
    "capitalised words": lambda n: _repeat("Varn ", n),
    "place lists": lambda n: _repeat("between Kelvano and Ostrabel, ", n),
    "arabic place lists": lambda n: _repeat("في كلفانو وأوسترابيل وعين مرزونة ", n),
    "lexicon words": lambda n: _repeat("طائرة مسيرة انسحبت وبالصواريخ air-strike ", n),
    "hyphens and colons": lambda n: _repeat("10-12:30/4-", n),
}


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("make", FACTS_INPUTS.values(), ids=FACTS_INPUTS.keys())
def test_claim_facts_is_linear_without_its_cap(make, language, monkeypatch):
    monkeypatch.setattr(matching_facts, "MAX_CLAIM_CHARS", 10**6)
    assert_linear(lambda text: matching_facts.claim_facts(text, language), make, SUGGEST_SIZE)


def test_arabic_today_repeated_is_quick_and_still_read():
    """ "اليوم " × 4,000 took 8 s; × 8,000 over a minute."""
    text = "اليوم " * 8_000
    start = time.perf_counter()
    found = suggest(text, "ar", PUBLISHED)
    assert time.perf_counter() - start < 10
    dates = [s for s in found if s.kind == "date"]
    # Read in pairs ("اليوم اليوم": a time of day and the day), as before.
    assert len(dates) >= 4_000 and {s.claimed_at.date() for s in dates} == {date(2024, 1, 18)}


@pytest.mark.django_db
def test_api_published_at_followed_by_60000_spaces(team, api_as):
    call = api_as(team["annotator"])
    path = f"/api/projects/{team.slug}/article-imports/"
    call("post", path, {"text": AR_SENTENCE})  # warm up: the language model, the router
    start = time.perf_counter()
    taken = call(
        "post", path, {"text": EN_SENTENCE, "published_at": "17 January 2024" + " " * 60_000}
    )
    refused = call(
        "post",
        path,
        {"text": EN_SENTENCE + "x", "published_at": "17 January 2024" + " " * 60_000 + "GMT"},
    )
    assert time.perf_counter() - start < 1
    assert taken.status_code == 201
    assert taken.json()["article"]["published_at"] == "2024-01-17T00:00:00Z"
    assert refused.status_code == 422 and "not a date" in refused.json()["reason"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value",
    ["15 January 10000", "15 January 0000", "0000-01-01", "10000-01-01", "0001-01-01T00:00+14:00"],
)
def test_api_refuses_dates_beyond_the_calendar(team, api_as, value):
    response = api_as(team["annotator"])(
        "post",
        f"/api/projects/{team.slug}/article-imports/",
        {"text": EN_SENTENCE, "published_at": value},
    )
    assert response.status_code == 422 and "not a date" in response.json()["reason"]


@pytest.mark.parametrize(
    "text", ["Published 15 January 10000", "Published 15 January 0000", "0001-01-01 00:00 GMT+14"]
)
def test_a_date_line_beyond_the_calendar_is_not_taken(text):
    assert find_date_in_text(text + "\n\n" + EN_SENTENCE) is None
    assert parse_date(text) is None


CALENDAR_EDGE_TEXT = {
    "en": "Officials will meet next week, next Monday, in December, next January and on "
    "5 December; they met last month, 3 months ago, yesterday and today.",
    "ar": "قال مسؤول إن الاجتماع يوم الخميس المقبل والأسبوع المقبل، وكان قبل 99999999 يوم وقبل "
    + "9" * 5_000
    + " يوم وفي كانون الأول الماضي والشهر الماضي وأمس واليوم.",
}


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize(
    "published",
    [
        date(1, 1, 2),
        datetime(1, 1, 2, tzinfo=UTC),
        date(9999, 12, 30),
        datetime(9999, 12, 30, 23, 59, tzinfo=UTC),
    ],
)
def test_suggested_claimed_times_stay_inside_the_calendar(language, published):
    """Relative dates read in a paper of the calendar's first or last day ("in December" in
    one of 0001-01-02 is in year 0; "next week" in one of 9999-12-30 in year 10000) are not
    dates: no error, and every claimed time suggested can be stored."""
    found = [
        s for s in suggest(CALENDAR_EDGE_TEXT[language], language, published) if s.kind == "date"
    ]
    assert found  # "today" at least
    assert all(EARLIEST <= s.claimed_at < LATEST for s in found)
    if published.year == 1:
        assert not any(s.claimed_at.year == 1 and s.claimed_at.month == 12 for s in found)

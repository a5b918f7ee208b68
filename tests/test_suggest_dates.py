"""Date expressions resolved against a fixed publication date (pure, no database)."""

from datetime import UTC, date, datetime

import pytest

from annotator.suggestions.dates import find_dates

# Friday 19 January 2024, 09:00 UTC.
PUBLISHED = datetime(2024, 1, 19, 9, 0, tzinfo=UTC)


def resolve(text, language):
    mentions = find_dates(text, language, PUBLISHED)
    assert len(mentions) == 1, mentions
    [m] = mentions
    assert text[m.start : m.end] == m.quote
    return m.quote, m.day.isoformat(), m.precision


@pytest.mark.parametrize(
    ("text", "quote", "day", "precision"),
    [
        ("Troops left on Thursday.", "on Thursday", "2024-01-18", "day"),
        ("Troops left on Friday.", "on Friday", "2024-01-19", "day"),  # the publication day
        ("Troops left Sunday.", "Sunday", "2024-01-14", "day"),
        ("Troops left last week.", "last week", "2024-01-12", "approximate"),
        ("Troops left in mid-October 2023.", "mid-October 2023", "2023-10-15", "approximate"),
        ("Troops left in late December.", "late December", "2023-12-25", "approximate"),
        ("Troops left on January 12.", "on January 12", "2024-01-12", "day"),
        ("Troops left on 3 March 2023.", "on 3 March 2023", "2023-03-03", "day"),
        ("Troops left in October 2023.", "October 2023", "2023-10-01", "month"),
        ("Troops left yesterday.", "yesterday", "2024-01-18", "day"),
        ("Troops left two days ago.", "two days ago", "2024-01-17", "day"),
        ("Troops will leave on Monday.", "on Monday", "2024-01-22", "day"),  # future
        ("Talks resume next week.", "next week", "2024-01-26", "approximate"),
        ("Troops left Thursday night.", "Thursday night", "2024-01-18", "day"),
        ("Monday's attack killed two.", "Monday", "2024-01-15", "day"),
        ("Talks have gone on since March.", "March", "2023-03-01", "month"),
        # A month without a year that would lie in the future is last year's.
        ("Troops left on December 30.", "on December 30", "2023-12-30", "day"),
    ],
)
def test_english_dates(text, quote, day, precision):
    assert resolve(text, "en") == (quote, day, precision)


@pytest.mark.parametrize(
    ("text", "quote", "day", "precision"),
    [
        ("انسحبت القوات يوم الخميس.", "يوم الخميس", "2024-01-18", "day"),
        ("انسحبت القوات الأحد.", "الأحد", "2024-01-14", "day"),
        ("انسحبت القوات أمس الخميس.", "أمس الخميس", "2024-01-18", "day"),
        ("انسحبت القوات فجر الثلاثاء 🚚.", "فجر الثلاثاء", "2024-01-16", "day"),
        ("انسحبت القوات الأسبوع الفائت.", "الأسبوع الفائت", "2024-01-12", "approximate"),
        ("انسحبت القوات الأسبوع الماضي.", "الأسبوع الماضي", "2024-01-12", "approximate"),
        ("وانسحبت القوات أمس.", "أمس", "2024-01-18", "day"),
        ("انسحبت القوات قبل ثلاثة أيام.", "قبل ثلاثة أيام", "2024-01-16", "day"),
        ("انسحبت القوات قبل يومين.", "قبل يومين", "2024-01-17", "day"),
        (
            "نزحوا منذ منتصف تشرين الأول/أكتوبر 2023.",
            "منتصف تشرين الأول/أكتوبر 2023",
            "2023-10-15",
            "approximate",
        ),
        ("انسحبت القوات في 15 كانون الثاني.", "15 كانون الثاني", "2024-01-15", "day"),
        ("انسحبت القوات في ١٢ يناير ٢٠٢٤.", "١٢ يناير ٢٠٢٤", "2024-01-12", "day"),
        ("انسحبت القوات في أيار/مايو 2023.", "أيار/مايو 2023", "2023-05-01", "month"),
        ("تُستأنف المحادثات الأسبوع المقبل.", "الأسبوع المقبل", "2024-01-26", "approximate"),
        ("وفي يَوْمِ الخَمِيسِ انسحبت القوات.", "يَوْمِ الخَمِيسِ", "2024-01-18", "day"),
        ("صباح اليوم الجمعة انسحبت القوات.", "صباح اليوم الجمعة", "2024-01-19", "day"),
    ],
)
def test_arabic_dates(text, quote, day, precision):
    assert resolve(text, "ar") == (quote, day, precision)


def test_resolution_text_shows_the_date():
    [mention] = find_dates("It happened on Thursday.", "en", PUBLISHED)
    assert mention.resolution == "Thursday → 2024-01-18"
    assert mention.claimed_at == datetime(2024, 1, 18, tzinfo=UTC)
    [month] = find_dates("It began in October 2023.", "en", PUBLISHED)
    assert month.resolution == "October 2023 → 2023-10"


def test_no_publication_date_no_resolution():
    assert find_dates("Troops left on Thursday.", "en", None) == []


def test_publication_date_may_be_a_date():
    [mention] = find_dates("Troops left on Thursday.", "en", date(2024, 1, 19))
    assert mention.day == date(2024, 1, 18)


@pytest.mark.parametrize(
    "text",
    ["The May Day parade was cancelled.", "A man named Sunday Adebayo spoke.".lower()],
)
def test_not_dates(text):
    assert find_dates(text, "en", PUBLISHED) == []

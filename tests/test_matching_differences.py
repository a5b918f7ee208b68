"""Comparing two claims' facts (annotator/matching/differences.py): pure functions, no
database. The places, people and outlets are invented."""

from datetime import date

import pytest

from annotator.matching.differences import facts_compare
from annotator.matching.facts import claim_facts

TUESDAY = date(2024, 1, 16)
WEDNESDAY = date(2024, 1, 17)


def language_of(text):
    return "ar" if text[0] > "z" else "en"


def compare(a, b, published_a=None, published_b=None):
    facts_a = claim_facts(a, language_of(a), published_a)
    return facts_compare(facts_a, claim_facts(b, language_of(b), published_b))


def differences(a, b, published_a=None, published_b=None):
    return [d.summary for d in compare(a, b, published_a, published_b).differ]


# ---- Differences ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b",
    [
        ("At least 20 people were killed in Varn", "22 people were killed in Varn"),
        ("About 20 people were killed in Varn", "22 people were killed in Varn"),
        ("قتل نحو ٢٠ شخصا في قرمل", "22 people were killed"),
        ("22 people were killed", "قتل 22 شخصا"),
        ("Up to 30 were killed", "More than 25 were killed"),
    ],
)
def test_bounded_numbers_that_fit_agree(a, b):
    comparison = compare(a, b)
    assert comparison.differ == () and any("killed" in fact for fact in comparison.agree)


@pytest.mark.parametrize(
    "a, b, summary",
    [
        ("Fewer than 10 were killed", "22 were killed", "fewer than 10 killed vs 22 killed"),
        ("It stopped 10 km away", "It stopped 12 kilometres away", "10 km vs 12 km"),
        ("أكثر من 120 قتيلا", "About 80 were killed", "more than 120 killed vs about 80 killed"),
    ],
)
def test_numbers_that_cannot_both_hold_differ(a, b, summary):
    assert differences(a, b) == [summary]


def test_a_count_in_a_list_is_part_of_a_total():
    assert differences("3 soldiers and 2 civilians were killed", "5 people were killed") == []
    assert differences("قتل 3 جنود و2 مدنيين", "5 people were killed") == []
    assert differences("قتل 22 شخصا و40 جريحا", "30 were killed") == ["22 killed vs 30 killed"]


def test_numbers_of_different_things_are_not_compared():
    assert differences("22 people were killed", "40 people were injured") == []


def test_numbers_of_unknown_things_differ_when_one_is_left_on_each_side():
    assert differences("Turnout was 15% in 12 towns", "بلغت المشاركة 40 بالمئة في 12 بلدة") == [
        "15% vs 40%"
    ]
    assert differences("Turnout was 15% in 12 towns", "Turnout was 40% in 10 towns") == []
    assert differences("A 40-bed centre opened", "افتتح مركز يضم 100 سرير") == ["40 vs 100"]
    assert differences("It carries up to 250 people", "It carries up to 150 people") == [
        "up to 250 people vs up to 150 people"
    ]


def test_dates_compare_by_day_across_publications():
    assert differences("Hit on Monday", "Hit on Wednesday", WEDNESDAY, WEDNESDAY) == [
        "Monday 15 Jan vs Wednesday 17 Jan"
    ]
    # Monday seen from a Tuesday and a Wednesday paper; "yesterday" in Tuesday's.
    assert differences("Hit on Monday", "Hit on Monday", TUESDAY, WEDNESDAY) == []
    assert compare("Hit yesterday", "قصفت أمس الأول", TUESDAY, WEDNESDAY).agree == (
        "Monday 15 Jan",
    )


def test_means_differ_only_when_they_share_none():
    assert differences("Rockets hit the depot", "A drone hit the depot") == ["Rockets vs drone"]
    assert differences("A UAV hit the depot", "استهدفت مسيرة المستودع") == []
    assert differences("A drone and rockets hit it", "A drone hit it") == []
    assert differences("The depot was hit", "A drone hit the depot") == []


def test_opposite_actions_differ():
    assert differences("The army withdrew from Lask", "The army reinforced Lask") == [
        "withdrew vs reinforced"
    ]
    assert differences("انسحبت القوات من الرامة", "The army sent more troops") == [
        "انسحبت vs sent more"
    ]
    assert differences("Police arrested and released 3 men", "Police arrested 3 men") == []


def test_negation_differs_unless_the_actions_are_opposites():
    assert differences("The army did not withdraw", "The army withdrew") == [
        "not withdraw vs withdrew"
    ]
    assert differences("The army did not withdraw", "The army reinforced its positions") == []
    assert differences(
        "The minister said he would not resign", "The minister said he would resign"
    ) == ["not resign vs affirmed"]
    assert differences("قال الوزير إنه لن يستقيل", "The minister said he would resign") == [
        "لن يستقيل vs affirmed"
    ]
    # "لم ... إلا" is "only", "denied access" a refusal: neither is a negation.
    assert differences("لم يصل المسعفون إلا مساء الاثنين", "Medics arrived on Monday evening") == []


def test_places_differ_only_in_the_same_language():
    assert differences("Shells hit the town of Varn", "Shells hit the town of Lask") == [
        "Varn vs Lask"
    ]
    assert differences("Shells hit the town of Varn", "Shells hit Lask near Varn") == []
    assert differences("Shells hit the town of Varn", "سقطت قذائف على بلدة الرامة") == []


def test_dates_set_aside_the_days_both_name():
    en = "Sunday's vote was valid, the commission said on Monday"
    assert differences(en, "قالت اللجنة يوم الاثنين إن تصويت السبت صحيح", WEDNESDAY, WEDNESDAY) == [
        "Sunday 14 Jan vs Saturday 13 Jan"
    ]
    assert (
        differences(en, "قالت اللجنة يوم الاثنين إن تصويت الأحد صحيح", WEDNESDAY, WEDNESDAY) == []
    )


def test_one_weekday_read_a_week_apart_is_not_a_difference():
    # "will" makes the English "Wednesday" next week's; the Arabic has no such word.
    will = "Schools will stay open, the office said on Wednesday"
    assert differences(will, "قال المكتب يوم الأربعاء إن المدارس مفتوحة", TUESDAY, TUESDAY) == []


def test_places_across_languages_by_sound():
    en = "Floodwater swept through Kelvano on Monday, the Durrask directorate said"
    assert differences(en, "قالت مديرية دوراسك إن الفيضان اجتاح بلدة كلفانو يوم الاثنين") == []
    assert differences(en, "قالت مديرية دوراسك إن الفيضان اجتاح بلدة أوسترابيل يوم الاثنين") == [
        "Kelvano vs أوسترابيل"
    ]
    # An Arabic common noun after a preposition is no place: "في بيان".
    assert differences(en, "قالت مديرية دوراسك في بيان إن الفيضان اجتاح كلفانو") == []
    # A place-name head takes the next word: "عين مرزونة" is "Ein Marzouna".
    assert differences("Schools in Ein Marzouna stay open", "المدارس في عين مرزونة مفتوحة") == []


def test_denial_and_confirmation_are_a_negation():
    assert differences("The ministry denied the strike", "The ministry confirmed the strike") == [
        "denied the strike vs affirmed"
    ]


def test_an_arabic_future_verb_is_read_without_its_prefix():
    assert differences("The Front would withdraw its fighters", "قال إن الجبهة ستعزز مقاتليها") == [
        "withdraw vs ستعزز"
    ]

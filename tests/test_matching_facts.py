"""Fact extraction for claim matching (annotator/matching/facts.py and the modules it
reads with), and properties of the comparison (differences.py): pure functions, no
database. The places and outlets are invented; comparison examples are in
test_matching_differences.py."""

import math
import time
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.matching import facts as facts_module
from annotator.matching.differences import facts_compare
from annotator.matching.facts import claim_facts
from annotator.matching.lexicon import load, opposites

TUESDAY = date(2024, 1, 16)
WEDNESDAY = date(2024, 1, 17)
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def quantities(text, language="en"):
    return [
        (q.value, q.low, q.high, q.unit, q.measure) for q in claim_facts(text, language).quantities
    ]


def one(text, language="en"):
    (quantity,) = claim_facts(text, language).quantities
    return quantity


def language_of(text):
    return "ar" if text[0] > "z" else "en"


# ---- Quantities ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, low, high",
    [
        ("22 people were killed in Varn", 22, 22),
        ("At least 20 people were killed in Varn", 20, math.inf),
        ("More than 120 people were killed", 120, math.inf),
        ("Fewer than 10 people were killed", 0, 10),
        ("Up to 350 people were killed", 0, 350),
        ("About 20 people were killed", 17, 23),
        ("Some twenty-two people were killed", 22 * 0.85, 22 * 1.15),
        ("Between 10 and 12 people were killed", 10, 12),
        ("قتل 22 شخصا في قرية المنار", 22, 22),
        ("قتل ما لا يقل عن 20 شخصا", 20, math.inf),
        ("قتل 20 شخصا على الأقل", 20, math.inf),
        ("أكثر من 120 قتيلا في القصف", 120, math.inf),
        ("أقل من 10 قتلى", 0, 10),
        ("قتل نحو 20 شخصا", 17, 23),
        ("قتل حوالي ٢٠ شخصا", 17, 23),
        ("قتل خمسة وعشرون شخصا", 25, 25),
        ("قتل ثلاثة أشخاص", 3, 3),
    ],
)
def test_bounds_give_the_interval_the_phrase_allows(text, low, high):
    quantity = one(text, language_of(text))
    assert (quantity.measure, quantity.low, quantity.high) == (
        "killed",
        pytest.approx(low),
        pytest.approx(high),
    )
    assert quantity.low <= quantity.value <= quantity.high


@pytest.mark.parametrize(
    "text, language, value, unit",
    [
        ("The convoy stopped 12 kilometres from the border", "en", 12, "km"),
        ("The convoy stopped 12 km from the border", "en", 12, "km"),
        ("The convoy stopped 12km from the border", "en", 12, "km"),
        ("The convoy stopped 500 metres from the border", "en", 0.5, "km"),
        ("توقفت القافلة على بعد 12 كيلومترا من الحدود", "ar", 12, "km"),
        ("توقفت القافلة على بعد ١٢ كم من الحدود", "ar", 12, "km"),
        ("Turnout was 15% in Varn", "en", 15, "percent"),
        ("بلغت نسبة المشاركة 15 بالمئة", "ar", 15, "percent"),
        ("The fund received $3m on Monday", "en", 3_000_000, "usd"),
    ],
)
def test_units(text, language, value, unit):
    quantity = one(text, language)
    assert (quantity.value, quantity.unit) == (pytest.approx(value), unit)
    assert quantity.measure == ("distance" if unit == "km" else "")


def test_miles_are_kilometres_with_room_for_rounding():
    quantity = one("The convoy stopped 6 miles from the border")
    assert quantity.unit == "km" and quantity.value == pytest.approx(9.656, abs=0.01)
    assert quantity.low < 9.656 < 10 < quantity.high


@pytest.mark.parametrize(
    "text, language, measure",
    [
        ("Police arrested 12 protesters in Varn", "en", "arrested"),
        ("Some 1,200 families fled the town", "en", "displaced"),
        ("The ministry sent 300 troops to Lask", "en", "troops"),
        ("Gunmen killed 3 soldiers near Lask", "en", "killed"),
        ("The death toll rose to 40", "en", "killed"),
        ("Fighters fired 12 rockets at the base", "en", "missile"),
        ("أصيب 15 شخصا بجروح", "ar", "injured"),
        ("اعتقلت الشرطة 12 متظاهرا", "ar", "arrested"),
        ("ارتفع عدد القتلى إلى 40", "ar", "killed"),
        ("نزح ١٬٢٠٠ شخص من البلدة", "ar", "displaced"),
    ],
)
def test_what_a_number_counts(text, language, measure):
    assert one(text, language).measure == measure


def test_two_numbers_count_two_things():
    killed, injured = claim_facts("Officials said 22 were killed and 40 injured", "en").quantities
    assert (killed.measure, injured.measure) == ("killed", "injured")
    killed, injured = claim_facts("قتل 22 شخصا وأصيب 40 آخرون في مدينة قرمل", "ar").quantities
    assert (killed.measure, injured.measure) == ("killed", "injured")


@pytest.mark.parametrize(
    "text, language",
    [
        ("In 2025 the council met on 15 January at 10:30 and again at 3 a.m.", "en"),
        ("F-16 jets and an A320 flew over Route 6 on January 5th", "en"),
        ("Resolution 2334 was cited on 2024-01-15", "en"),
        ("اجتمع المجلس في 15 كانون الثاني 2024 عند الساعة 10 صباحا", "ar"),
        ("وصل الوفد في ١٥ يناير", "ar"),
        ("No one was hurt, a 20-year-old witness said", "en"),
    ],
)
def test_years_dates_times_and_names_are_not_quantities(text, language):
    assert claim_facts(text, language).quantities == ()


def test_thousands_separators_and_digits_of_three_scripts():
    expected = quantities("1,200 people were displaced")
    assert expected[0][0] == 1200
    assert quantities("١٬٢٠٠ people were displaced") == expected
    assert quantities("۱,۲۰۰ people were displaced") == expected
    assert one("نزح ٣ آلاف شخص", "ar").value == 3000


@pytest.mark.parametrize(
    "text, values",
    [
        ("أُفرج عن الرهائن الاثني عشر", [12]),
        ("في الخامس عشر من الشهر", []),
        ("قصفت البلدة يوم الاثنين", []),
        ("نزحت ألف وخمسمئة عائلة", [1500]),
        ("قتل ثلاثمائة وعشرون شخصا", [320]),
        ("الصحفيين الأربعة", [4]),
        ("A 40-bed centre, a 48-hour strike and a 20-year-old man", [40, 48]),
        ("prison terms of between two and five years", [3.5]),
    ],
)
def test_number_words_and_compounds(text, values):
    assert [q.value for q in claim_facts(text, language_of(text)).quantities] == values


def test_every_lexicon_loads():
    for name in ("means", "actions", "measures", "bounds", "units", "not_places"):
        assert load(name).entries, name


def test_labels_are_language_neutral():
    assert one("At least 20 people were killed").label == "at least 20 killed"
    assert one("قتل ما لا يقل عن ٢٠ شخصا", "ar").label == "at least 20 killed"
    assert one("The convoy stopped 12 km away").label == "12 km"


# ---- Dates, means, actions, names, negation --------------------------------------------------


def test_dates_resolve_against_publication_and_need_it():
    facts = claim_facts("The strike hit Varn on Monday", "en", WEDNESDAY)
    assert [(d.day, d.precision) for d in facts.dates] == [(date(2024, 1, 15), "day")]
    assert claim_facts("The strike hit Varn on Monday", "en").dates == ()
    arabic = claim_facts("قصفت المدينة أمس الثلاثاء", "ar", WEDNESDAY)
    assert [d.day for d in arabic.dates] == [TUESDAY]


@pytest.mark.parametrize(
    "text, language, keys",
    [
        ("A drone hit the depot", "en", {"drone"}),
        ("Two UAVs and a quadcopter were seen", "en", {"drone"}),
        ("Rockets and artillery shells hit Lask", "en", {"missile", "artillery"}),
        ("An air strike and mortar rounds hit Lask", "en", {"airstrike", "mortar"}),
        ("Soldiers opened fire on the crowd", "en", {"gunfire"}),
        ("A car bomb exploded outside the hotel", "en", {"bomb"}),
        ("A think tank in Varn published a report", "en", set()),
        ("استهدفت طائرةٌ مسيّرة المستودع", "ar", {"drone"}),
        ("قصفت البلدة بالصواريخ", "ar", {"missile"}),
        ("وبقذائف الهاون والغارات الجوية", "ar", {"mortar", "airstrike"}),
        ("انفجرت عبوة ناسفة قرب الجسر", "ar", {"bomb"}),
        ("خرجت مسيرة احتجاجية في المدينة", "ar", set()),
        ("أطلق مسلحون النار على المارة", "ar", set()),
        ("أطلق مسلحون إطلاق النار", "ar", {"gunfire"}),
    ],
)
def test_means(text, language, keys):
    assert claim_facts(text, language).means_keys == keys


@pytest.mark.parametrize(
    "text, language, keys",
    [
        ("The army withdrew from Lask", "en", {"withdraw"}),
        ("The army pulled out of Lask", "en", {"withdraw"}),
        ("The army sent more troops to Lask", "en", {"reinforce"}),
        ("Police detained three men", "en", {"arrest"}),
        ("The ministry released a statement", "en", set()),
        ("Soldiers opened fire near the crossing", "en", set()),
        ("Police shot dead the gunman", "en", {"kill"}),
        ("قال إن الجبهة ستنسحب من القرى", "ar", {"withdraw"}),
        ("The crossing was reopened on Monday", "en", {"open"}),
        ("انسحبت القوات من بلدة الرامة", "ar", {"withdraw"}),
        ("وأرسل الجيش تعزيزات إلى البلدة", "ar", {"reinforce"}),
        ("أفرجت السلطات عن ثلاثة معتقلين", "ar", {"release"}),
        ("أغلقت السلطات المعبر", "ar", {"close"}),
        ("قال مسؤول في حركة فتح إن الوضع هادئ", "ar", set()),
    ],
)
def test_actions(text, language, keys):
    assert claim_facts(text, language).action_keys == keys


def test_action_opposites_are_symmetric_and_known():
    keys = {entry.key for entry in load("actions").entries}
    for key, others in opposites().items():
        assert key in keys and others <= keys
        assert all(key in opposites()[other] for other in others)


def test_names_and_places():
    facts = claim_facts("Officials in Port Amara said the town of Varn was hit. Police left.", "en")
    assert facts.names == {"port amara", "varn"}
    assert facts.places == {"Port Amara", "Varn"}
    arabic = claim_facts("سقطت قذائف على بلدة الرامة وقرب مدينة قرمل", "ar")
    assert arabic.places == {"الرامة", "قرمل"} and arabic.names == {"الرامه", "قرمل"}


@pytest.mark.parametrize(
    "text, language, negated",
    [
        ("The army did not withdraw from Lask", "en", True),
        ("The army didn't withdraw from Lask", "en", True),
        ("The ministry denied that troops withdrew", "en", True),
        ("No one was killed in the strike", "en", True),
        ("The army withdrew from Lask", "en", False),
        ("No fewer than 20 people were killed", "en", False),
        ("لم تنسحب القوات من البلدة", "ar", True),
        ("ونفى الجيش انسحاب قواته", "ar", True),
        ("قتل ما لا يقل عن 20 شخصا", "ar", False),
        ("لا تزال القوات تنسحب من البلدة", "ar", False),
    ],
)
def test_negation(text, language, negated):
    assert claim_facts(text, language).negated is negated


# ---- Properties ----------------------------------------------------------------------------

FRAGMENTS = [
    "killed", "injured", "people", "at least", "more than", "fewer than", "about", "up to",
    "km", "kilometres", "miles", "%", "drone", "rockets", "withdrew", "reinforced", "did not",
    "Monday", "15 January", "the town of Varn", "in Lask", ",", ".", "-", ":", "$", "between",
    "and", "twenty", "two", "dozen", "a", "no", "2024",
    "قتل", "شخصا", "جرحى", "نحو", "أكثر من", "ما لا يقل عن", "على الأقل", "كم", "بالمئة", "مسيرة",
    "صواريخ", "انسحبت", "تعزيزات", "لم", "أمس", "الأحد", "مدينة قرمل", "خمسة", "وعشرين", "آلاف",
    "و", "بـ", "،",
]  # fmt: skip
numbers = st.integers(0, 10**7).map(str) | st.integers(1000, 10**7).map(lambda n: f"{n:,}")
claims = st.lists(st.sampled_from(FRAGMENTS) | numbers, max_size=16).map(" ".join)
languages = st.sampled_from(["en", "ar"])
publications = st.none() | st.dates(date(2000, 1, 1), date(2030, 12, 31))


@settings(max_examples=60)
@given(st.text(max_size=300), languages, publications)
def test_claim_facts_never_raises_and_is_deterministic(text, language, published):
    assert claim_facts(text, language, published) == claim_facts(text, language, published)


@given(claims, languages)
def test_quantities_lie_inside_their_bounds(text, language):
    for quantity in claim_facts(text, language).quantities:
        assert quantity.low <= quantity.value <= quantity.high
        assert text.find(quantity.text) != -1


@given(claims, claims, languages, languages, publications)
def test_comparison_is_symmetric_and_a_claim_agrees_with_itself(a, b, lang_a, lang_b, published):
    facts_a, facts_b = claim_facts(a, lang_a, published), claim_facts(b, lang_b, published)
    forward, backward = facts_compare(facts_a, facts_b), facts_compare(facts_b, facts_a)
    assert forward.agree == backward.agree
    assert [(d.facet, d.a, d.b) for d in forward.differ] == [
        (d.facet, d.b, d.a) for d in backward.differ
    ]
    assert facts_compare(facts_a, facts_a).differ == ()


@given(claims, languages)
def test_arabic_indic_and_persian_digits_read_as_ascii_digits(text, language):
    def read(claim):
        return [
            (q.value, q.low, q.high, q.unit, q.measure, q.bound)
            for q in claim_facts(claim, language).quantities
        ]

    expected = read(text)
    assert read(text.translate(ARABIC_DIGITS)) == expected
    assert read(text.translate(PERSIAN_DIGITS)) == expected


def test_long_input_is_capped_and_compared_quickly():
    text = "At least 1,200 people were killed, more than 350 injured. " * 500
    facts = claim_facts(text, "en")
    assert len(facts.quantities) <= facts_module.MAX_CLAIM_CHARS // 20
    start = time.perf_counter()
    assert facts_compare(facts, facts).differ == ()
    assert time.perf_counter() - start < 0.5

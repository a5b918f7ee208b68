"""The suggesters' lexicons and patterns, as pure functions (no database)."""

from datetime import UTC, datetime

import pytest

from annotator.suggestions.attributions import SourceRef
from annotator.suggestions.engine import suggest
from annotator.suggestions.lexicon import LEXICON_DIR, load_lexicon
from annotator.suggestions.sentences import sentences

PUBLISHED = datetime(2024, 1, 19, 9, 0, tzinfo=UTC)  # a Friday


def found(text, language="en", kind=None, sources=()):
    result = suggest(text, language, PUBLISHED, sources)
    for s in result:
        assert text[s.start : s.end] == s.quote
    return [s for s in result if kind is None or s.kind == kind]


def quotes(text, language="en", kind="hedge"):
    return [s.quote for s in found(text, language, kind)]


def example_for(cue):
    """A sentence in which the cue should be found, whatever its conditions."""
    words = cue.cue
    if "number" in cue.conditions:
        words += " ٣٠٠" if cue.language == "ar" else " 300"
    if "next" in cue.conditions:
        words += " " + sorted(w for w in cue.conditions["next"] if not w.endswith("*"))[0]
    if "near" in cue.conditions:
        words += " وكالة " + sorted(cue.conditions["near"])[0] + " مصدر"
    if cue.language == "ar":
        return f"وأضاف التقرير {words} مسؤول في المدينة أن الهجوم وقع."
    if cue.type == "source_before":
        return f"The attack happened, the two officials {words} later."
    return f"The attack, {words} the ministry, left the town quiet."


ALL_CUES = [
    cue
    for path in sorted(LEXICON_DIR.glob("*.tsv"))
    for cue in load_lexicon(path.name.split("s.")[0], path.stem.split(".")[1])
]


def test_the_lexicons_are_loaded():
    assert len(ALL_CUES) > 250
    assert {c.language for c in ALL_CUES} == {"en", "ar"}
    assert {c.type for c in ALL_CUES if c.kind == "hedge"} == {
        "hearsay",
        "epistemic",
        "approximator",
        "unnamed_source",
    }


@pytest.mark.parametrize("cue", ALL_CUES, ids=lambda c: c.rule)
def test_every_cue_is_found_in_an_example(cue):
    text = example_for(cue)
    hits = [(s, e) for s, e in cue.find(text)]
    assert hits, f"{cue.rule} not found in {text!r}"
    start, end = hits[0]
    assert text[start:end].replace("\u00a0", " ").startswith(cue.cue.split()[0][:2])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The strike may have killed 12 people.", ["may"]),
        ("The talks in May 2024 failed.", []),
        ("It was signed on 3 May and again in May.", []),
        ("About 300 troops left.", ["About"]),
        ("They talked about the base for hours.", []),
        ("The base housed about a dozen soldiers.", ["about"]),
        ("Up to 350 troops were there.", ["Up to"]),
        ("The road goes up to the border.", []),
        ("The convoy could have been hit.", ["could"]),
        ("The ministry could not be reached for comment.", []),
        ("The claim could not be independently verified.", ["could not be independently verified"]),
        ("The base, believed to be 4 km west, was empty.", ["believed to be"]),
        ("Troops reportedly left the base.", ["reportedly"]),
        ("Officials spoke on condition of anonymity.", ["on condition of anonymity"]),
        ("Over 40 people were hurt.", ["Over"]),
        ("Fighting continued over the weekend.", []),
        ("Some 15,000 people attended.", ["Some"]),
        ("Some people attended.", []),
    ],
)
def test_english_hedges_positive_and_negative(text, expected):
    assert quotes(text) == expected


def test_hedge_types():
    text = "Troops reportedly left; the base may be empty; about 300 stayed, sources said."
    types = {s.quote: s.hedge_type for s in found(text, kind="hedge")}
    assert types == {
        "reportedly": "hearsay",
        "may": "epistemic",
        "about": "approximator",
        "sources said": "unnamed_source",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Clitics و / ب / ل / ف stay outside the span.
        ("ويُعتقد أن القاعدة خالية.", ["يُعتقد أن"]),
        ("فيُعتقد أنها خالية.", ["يُعتقد أنها"]),
        ("وبحسب مصادر فإن القاعدة خالية.", ["بحسب مصادر"]),
        ("تبعد القاعدة بنحو 3 كم عن المطار.", ["نحو"]),
        ("ولحوالي 300 عنصر.", ["حوالي"]),
        # ل before the article ال drops its alef: "للمشتبه" holds the cue "المشتبه".
        ("سُلّم للمشتبه به مبلغ كبير.", ["لمشتبه"]),
        ("سُلّم المشتبه به.", ["المشتبه"]),
        # Diacritics and tatweel inside the cue.
        ("يُعْتَقَدُ أن القاعدة خالية.", ["يُعْتَقَدُ أن"]),
        ("قُتل حوالـــي 30 شخصاً.", ["حوالـــي"]),
        # Alef variants: إ / أ / ا written either way.
        ("قُتل اكثر من 30 شخصاً.", ["اكثر من"]),
        # Negatives: "نحو" meaning "towards", قد before a past verb, energy sources.
        ("اتجهت القافلة نحو الحدود.", []),
        ("قد انسحبت القوات من القاعدة.", []),
        ("قد يكون عدد القتلى أعلى.", ["قد"]),
        ("تحدث الوزير عن مصادر الطاقة.", []),
        # A number that is a date is no quantity: "حتى 10 كانون الثاني" means "until".
        ("بقي المسلحون حتى 10 كانون الثاني.", []),
        ("قد يصل العدد إلى حتى 300 عنصر.", ["قد", "حتى"]),
    ],
)
def test_arabic_hedges_clitics_diacritics_and_negatives(text, expected):
    assert quotes(text, "ar") == expected


SOURCES = [
    SourceRef(1, ("Meridian Wire", "ميريديان", "وكالة ميريديان")),
    SourceRef(2, ("local officials", "مصادر محلية")),
    SourceRef(3, ("Al-Sahil Daily", "الساحل", "صحيفة الساحل")),
]


@pytest.mark.parametrize(
    ("text", "language", "quote", "source"),
    [
        (
            "Troops left on Tuesday, two local officials told Meridian Wire.",
            "en",
            "two local officials told Meridian Wire",
            2,
        ),
        ("Troops left, according to Meridian Wire.", "en", "according to Meridian Wire", 1),
        ("Meridian Wire reported that troops left.", "en", "Meridian Wire reported", 1),
        ("The ministry said in a statement that troops left.", "en", None, None),
        (
            "أفادت مصادر محلية لصحيفة الساحل بأن القوات انسحبت.",
            "ar",
            "أفادت مصادر محلية لصحيفة الساحل",
            2,
        ),
        ("وقال مسؤول في الساحل إن القوات انسحبت.", "ar", "قال مسؤول في الساحل", 3),
        ("نقلاً عن وكالة ميريديان (Meridian Wire)، انسحبت القوات.", "ar", None, 1),
        ("وفقاً لـ«الساحل»، انسحبت القوات.", "ar", None, 3),
    ],
)
def test_attributions_with_cited_sources(text, language, quote, source):
    attributions = found(text, language, "attribution", SOURCES)
    assert len(attributions) == 1, attributions
    if quote:
        assert attributions[0].quote == quote
    assert attributions[0].cited_source == source


def test_in_a_statement_joins_its_attribution():
    [attribution] = found("The ministry said in a statement that troops left.", kind="attribution")
    assert attribution.quote == "The ministry said in a statement"


@pytest.mark.parametrize(
    "text",
    [
        "The number of reported cases rose.",
        "The attack was reported widely.",
        "Rebels claimed responsibility for the attack.",
        "نقل الجرحى إلى المستشفى.",  # نقل = carried, not "quoted"
    ],
)
def test_reporting_words_that_are_no_attribution(text):
    language = "ar" if text[0] > "z" else "en"
    assert found(text, language, "attribution") == []


def test_claim_candidate_drops_the_attribution_and_is_linked():
    text = "Foreign troops withdrew from the Tal Safra base on Tuesday, two officials said."
    [claim] = found(text, kind="claim")
    assert claim.quote == "Foreign troops withdrew from the Tal Safra base on Tuesday"
    assert set(claim.features) >= {"reporting", "date", "place"}
    [attribution] = found(text, kind="attribution")
    assert attribution.claim_span == (claim.start, claim.end)


def test_claims_are_ranked_by_their_features():
    text = (
        "The weather was calm. Officials said 300 troops left Qarmal on Tuesday. "
        "About 40 trucks were seen."
    )
    claims = sorted(found(text, kind="claim"), key=lambda c: -c.confidence)
    assert [c.quote for c in claims] == [
        "300 troops left Qarmal on Tuesday",
        "About 40 trucks were seen",
    ]


def test_sentences_keep_abbreviations_and_split_paragraphs():
    text = "Gen. Ali said the U.S. base closed. It was empty.\nNew paragraph؟ نعم."
    assert [text[s:e] for s, e in sentences(text)] == [
        "Gen. Ali said the U.S. base closed.",
        "It was empty.",
        "New paragraph؟",
        "نعم.",
    ]


def test_offsets_are_code_points_with_emoji_and_diacritics():
    text = "🚚🚚 وَيُعْتَقَدُ أن 👩‍👩‍👧 القوات انسحبت حوالي 300 عنصر فجر الثلاثاء بحسب مصادر."
    result = found(text, "ar")
    assert {s.kind for s in result} == {"hedge", "attribution", "date", "claim"}
    assert all(text[s.start : s.end] == s.quote for s in result)


def test_disabled_rules_are_skipped():
    text = "Troops reportedly left, and may return."
    result = suggest(text, "en", PUBLISHED, (), disabled={"hedge:en:may"})
    assert [s.quote for s in result if s.kind == "hedge"] == ["reportedly"]

"""How much the claim ranker helps, on a synthetic but realistic decision set.

    .venv/bin/python bench/ranker.py            # figures (no database needed)
    .venv/bin/python bench/ranker.py --seed 7   # another draw of the same newsroom

The decision set: articles (half English, half Arabic) built from sentence templates of
five kinds, with invented places, forces, sources and numbers drawn at random. The claim
suggester (annotator.suggestions.engine.suggest, the real one) proposes its candidates, and
a simulated editor decides them the way one newsroom might: factual claims about what
happened are accepted; boilerplate ("updated at 14:30 on Sunday", "Follow us on
Telegram"), background ("had a population of about 40,000"), officials' opinions ("said
the situation was very worrying") and verification notes are rejected. Editors disagree
now and then: NOISE of the decisions are flipped.

Figures, all "precision of the top third" (share accepted among the best-ranked third of
candidates), before (the engine's confidence) and after (the model's score):

- cross-validated over all decisions, as the Suggestions page shows it;
- later articles: trained on the first 70 % of the articles' decisions, measured on the
  candidates of the remaining 30 % (as if those arrived later), overall and per article
  (top 3 candidates of each article: what an editor sees first);
- the same with fewer decisions to learn from (a learning curve);
- training time (cross-validation + final fit) on all decisions.

The templates are more regular than real news, so real figures will be lower: treat these
as what the ranker can do when a newsroom's rejections follow a pattern.
"""

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "k" * 60)

import django  # noqa: E402

django.setup()

from annotator.suggestions.engine import suggest  # noqa: E402
from annotator.suggestions.ranker import (  # noqa: E402
    TOP_SHARE,
    claim_ranker_pipeline,
    precision_at_top,
    ranker_evaluate,
    ranker_inputs,
)

NOISE = 0.08
PUBLISHED = datetime(2024, 3, 15, 9, 0, tzinfo=UTC)

SLOTS = {
    "en": {
        "force": ["Government troops", "Rebel fighters", "The militia", "Army units", "Police"],
        "place": ["Tal Safra", "Dar Naim", "Kafr Sult", "Ain Hawr", "Wadi Reem", "Beit Amra"],
        "src": [
            "officials said",
            "a military source said",
            "witnesses said",
            "the health ministry said",
            "local residents told Meridian Wire",
            "Al-Sahil Daily reported",
            "a police spokesman said",
        ],
        "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
        "official": ["The foreign minister", "A UN envoy", "The governor", "An army spokesman"],
        "outlet": ["Meridian Wire", "Al-Sahil Daily", "Northern Post"],
        "name": ["Sami Haddad", "Lina Aziz", "Omar Fares", "Rana Khoury"],
    },
    "ar": {
        "force": ["القوات الحكومية", "مقاتلو المعارضة", "الميليشيا", "وحدات الجيش", "الشرطة"],
        "place": ["تل صفرا", "دار نعيم", "كفر سلت", "عين حور", "وادي ريم", "بيت عمرة"],
        "src": [
            "بحسب مسؤولين",
            "وفقاً لمصدر عسكري",
            "بحسب شهود",
            "وفق وزارة الصحة",
            "بحسب سكان محليين",
            "حسبما أفادت صحيفة الساحل",
            "وفقاً لمتحدث باسم الشرطة",
        ],
        "day": ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت"],
        "official": ["وزير الخارجية", "مبعوث الأمم المتحدة", "المحافظ", "متحدث باسم الجيش"],
        "outlet": ["ميريديان", "صحيفة الساحل", "البريد الشمالي"],
        "name": ["سامي حداد", "لينا عزيز", "عمر فارس", "رنا خوري"],
    },
}
TEMPLATES = {  # kind -> language -> templates; "claim" is what the editors accept
    "claim": {
        "en": [
            "{force} withdrew from the northern base near {place} on {day}, {src}.",
            "At least {n} people were killed when a shell hit a market in {place}, {src}.",
            "{force} took control of the road between {place} and {place2} overnight, {src}.",
            "A drone strike destroyed {n} fuel trucks near {place} on {day}, {src}.",
            "{n} families fled {place} after the shelling, {src}.",
            "A convoy of {n} vehicles crossed into {place} on {day}, {src}.",
            "{force} arrested {n} men at a checkpoint outside {place}, {src}.",
            "The bridge over the river at {place} was blown up, {src}.",
        ],
        "ar": [
            "انسحبت {force} من القاعدة الشمالية قرب {place} يوم {day}، {src}.",
            "قُتل {n} أشخاص على الأقل عندما سقطت قذيفة على سوق في {place}، {src}.",
            "سيطرت {force} على الطريق بين {place} و{place2} ليلاً، {src}.",
            "دمرت غارة بطائرة مسيرة {n} صهاريج وقود قرب {place} يوم {day}، {src}.",
            "نزحت {n} عائلة من {place} بعد القصف، {src}.",
            "دخلت قافلة من {n} مركبة إلى {place} يوم {day}، {src}.",
            "اعتقلت {force} {n} رجال عند حاجز خارج {place}، {src}.",
            "فُجّر الجسر فوق النهر في {place}، {src}.",
        ],
    },
    "boilerplate": {
        "en": [
            "This article was updated at {hh}:{mm} on {day}.",
            "Follow {outlet} on Telegram for live updates from {place}.",
            "Photos: {n} images from {place} on {day}.",
            "Reporting by {name} in {place}; editing by {name2}.",
            "Sign up for our newsletter, read by {n},000 people every {day}.",
        ],
        "ar": [
            "تم تحديث هذا الخبر الساعة {hh}:{mm} يوم {day}.",
            "تابعونا على تلغرام لمتابعة آخر الأخبار من {place}.",
            "صور: {n} صورة من {place} يوم {day}.",
            "إعداد {name} من {place}، تحرير {name2}.",
            "اشتركوا في نشرتنا التي يقرؤها {n} ألف شخص كل {day}.",
        ],
    },
    "background": {
        "en": [
            "{place} had a population of about {n},000 before the war.",
            "The conflict in the region began in {year}.",
            "The base near {place} was built in {year} by a foreign contractor.",
        ],
        "ar": [
            "كان عدد سكان {place} نحو {n} ألف نسمة قبل الحرب.",
            "بدأ النزاع في المنطقة عام {year}.",
            "بُنيت القاعدة قرب {place} عام {year} على يد شركة أجنبية.",
        ],
    },
    "opinion": {
        "en": [
            "{official} said the situation in {place} was very worrying.",
            "{official} told reporters that peace was still possible.",
            "{official} said all sides should return to talks.",
        ],
        "ar": [
            "وقال {official} إن الوضع في {place} مقلق للغاية.",
            "وأكد {official} أن السلام لا يزال ممكناً.",
            "وقال {official} إن على جميع الأطراف العودة إلى المفاوضات.",
        ],
    },
    "disclaimer": {
        "en": [
            "{outlet} could not independently verify the figures from {place}.",
            "The numbers could not be confirmed on {day}.",
        ],
        "ar": [
            "لم يتسن لـ{outlet} التحقق من الأرقام الواردة من {place} بشكل مستقل.",
            "ولم يتسن تأكيد الأعداد يوم {day}.",
        ],
    },
}


def sentence(rng: random.Random, kind: str, language: str) -> str:
    slots = SLOTS[language]
    values = {name: rng.choice(options) for name, options in slots.items()}
    values |= {
        "place2": rng.choice(slots["place"]),
        "name2": rng.choice(slots["name"]),
        "n": rng.randint(2, 90),
        "hh": f"{rng.randint(0, 23):02d}",
        "mm": f"{rng.randint(0, 59):02d}",
        "year": rng.randint(1960, 2015),
    }
    return rng.choice(TEMPLATES[kind][language]).format(**values)


def articles(rng: random.Random, count: int):
    """(language, [(sentence, kind)]) for `count` articles, English and Arabic in turn."""
    for number in range(count):
        language = "en" if number % 2 == 0 else "ar"
        kinds = ["claim"] * rng.randint(3, 5)
        kinds += rng.choices(["boilerplate", "background", "opinion", "disclaimer"], k=4)
        rng.shuffle(kinds)
        yield language, [(sentence(rng, kind, language), kind) for kind in kinds]


def decisions(rng: random.Random, count: int) -> list[dict]:
    """The engine's claim candidates of `count` articles, decided by the simulated editor."""
    rows = []
    for number, (language, parts) in enumerate(articles(rng, count)):
        text, kinds = "", []
        for part, kind in parts:
            kinds.append((len(text), len(text) + len(part), kind))
            text += part + " "
        for found in suggest(text, language, PUBLISHED):
            if found.kind != "claim":
                continue
            kind = next(k for start, end, k in kinds if start <= found.start < end)
            wanted = (kind == "claim") != (rng.random() < NOISE)
            rows.append(
                {
                    "article": number,
                    "quote": found.quote,
                    "wanted": wanted,
                    "confidence": found.confidence,
                }
            )
    return rows


def inputs(rows: list[dict]):
    return ranker_inputs([r["quote"] for r in rows], [r["confidence"] for r in rows])


def later_articles(rows: list[dict], train_share=0.7, limit=None) -> tuple[float, ...]:
    """Train on the first articles' decisions (at most `limit`), rank the later ones'."""
    cut = max(r["article"] for r in rows) * train_share
    train = [r for r in rows if r["article"] <= cut][:limit]
    test = [r for r in rows if r["article"] > cut]
    model = claim_ranker_pipeline().fit(inputs(train), [r["wanted"] for r in train])
    scores = model.predict_proba(inputs(test))[:, 1]
    labels = [r["wanted"] for r in test]
    k = max(1, round(len(test) * TOP_SHARE))
    before = precision_at_top([r["confidence"] for r in test], labels, k)
    after = precision_at_top(scores, labels, k)
    per_article = {"before": [], "after": []}
    for article in sorted({r["article"] for r in test}):
        index = [i for i, r in enumerate(test) if r["article"] == article]
        if len(index) < 3:
            continue
        mine = [labels[i] for i in index]
        per_article["before"].append(
            precision_at_top([test[i]["confidence"] for i in index], mine, 3)
        )
        per_article["after"].append(precision_at_top([scores[i] for i in index], mine, 3))
    mean = {name: sum(values) / len(values) for name, values in per_article.items()}
    return len(train), len(test), before, after, mean["before"], mean["after"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows = decisions(random.Random(args.seed), args.articles)
    wanted = sum(r["wanted"] for r in rows)
    print(
        f"{args.articles} articles (half Arabic), {len(rows)} claim candidates decided, "
        f"{wanted / len(rows):.0%} accepted (label noise {NOISE:.0%}), seed {args.seed}"
    )
    started = time.perf_counter()
    quotes, labels = [r["quote"] for r in rows], [r["wanted"] for r in rows]
    evaluation = ranker_evaluate(quotes, labels, [r["confidence"] for r in rows])
    claim_ranker_pipeline().fit(inputs(rows), labels)
    seconds = time.perf_counter() - started
    print(
        f"cross-validated (the page's figure), top {evaluation.top_k}: "
        f"rules {evaluation.precision_before:.0%} -> model {evaluation.precision_after:.0%}; "
        f"training {seconds:.2f} s"
    )
    print("later articles (train on the first 70 %, rank the rest):")
    print("  decisions  candidates  top third: rules -> model   top 3 per article: rules -> model")
    for limit in (10, 20, 50, 100, None):
        train, test, before, after, art_before, art_after = later_articles(rows, limit=limit)
        print(
            f"  {train:9}  {test:10}  {before:15.0%} -> {after:.0%}"
            f"  {art_before:21.0%} -> {art_after:.0%}"
        )


if __name__ == "__main__":
    main()

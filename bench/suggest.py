"""Score the suggesters against the gold set in bench/gold/ and time them.

    .venv/bin/python bench/suggest.py            # figures
    .venv/bin/python bench/suggest.py --errors   # and every miss / false suggestion

A suggestion counts as correct when it overlaps a gold span of the same kind (span
boundaries of attributions are a matter of taste); exact-boundary figures are printed too.
Dates count as resolved correctly when day and precision equal the gold resolution.
Timing: articles of about 3,000 characters made by joining gold paragraphs of one language,
run after one warm-up call (the first call loads dateparser's language data, ~0.2 s).

Claims are scored last, on whole articles (claims.jsonl, with headline, byline, dateline,
captions and related links): a claim suggestion is right when it overlaps a gold claim, one
to one (pairs taken greedily by the length of their overlap, so one sentence-wide suggestion
cannot count for two gold claims); "exact" means the same boundaries. Also per language:
suggestions per article, suggestions on clutter lines (the lines listed in each article's
`clutter`), and the mean character overlap (intersection / union) of the matched pairs.
"""

import argparse
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "k" * 60)
django.setup()  # the page-furniture rules read dates with the articles app's date reader

from annotator.suggestions.attributions import SourceRef  # noqa: E402
from annotator.suggestions.engine import suggest  # noqa: E402

GOLD = Path(__file__).resolve().parent / "gold"
KINDS = ("hedge", "attribution", "date")
# The lexicons were tuned while looking at the first set's errors (general cues only, never
# its quotes); the held-out set was written afterwards and never tuned on.
GOLD_FILES = [
    ("paragraphs.jsonl", "gold set (used while tuning)"),
    ("heldout.jsonl", "held-out set (never tuned on)"),
]
CLAIMS_FILE = "claims.jsonl"  # whole articles with page clutter; gold claims only


def load(name="paragraphs.jsonl"):
    paragraphs = [json.loads(line) for line in (GOLD / name).open(encoding="utf-8")]
    sources = [
        SourceRef(s["name"], (s["name"], *s["aliases"]))
        for s in json.loads((GOLD / "sources.json").read_text(encoding="utf-8"))
    ]
    for p in paragraphs:
        for span in p["spans"] + p["dates"]:
            assert p["text"][span["start"] : span["end"]] == span["quote"], (p["id"], span)
    return paragraphs, sources


def overlaps(a, b) -> bool:
    return a["start"] < b["end"] and b["start"] < a["end"]


def score(paragraphs, sources, show_errors: bool):
    counts = defaultdict(lambda: defaultdict(int))
    for p in paragraphs:
        published = datetime.fromisoformat(p["published_at"])
        found = suggest(p["text"], p["language"], published, sources)
        for kind in KINDS:
            c = counts[(kind, p["language"])]
            gold = [s for s in p["spans"] if s["kind"] == kind] if kind != "date" else p["dates"]
            pred = [vars(s) for s in found if s.kind == kind]
            c["gold"] += len(gold)
            c["pred"] += len(pred)
            for g in gold:
                hits = [s for s in pred if overlaps(s, g)]
                c["found"] += bool(hits)
                c["found_exact"] += any(
                    (s["start"], s["end"]) == (g["start"], g["end"]) for s in hits
                )
                if hits and kind == "hedge":
                    c["type_right"] += any(s["hedge_type"] == g["hedge_type"] for s in hits)
                if kind == "attribution" and g.get("source"):
                    c["with_source"] += 1
                    c["source_right"] += any(s["cited_source"] == g["source"] for s in hits)
                if hits and kind == "date":
                    c["resolved"] += any(
                        s["claimed_at"].date().isoformat() == g["expected"]
                        and s["claimed_precision"] == g["precision"]
                        for s in hits
                    )
                if show_errors and not hits:
                    print(f"  MISS {p['id']} {kind}: {g['quote']!r}")
                elif (
                    show_errors
                    and kind == "date"
                    and not any(s["claimed_at"].date().isoformat() == g["expected"] for s in hits)
                ):
                    print(f"  WRONG {p['id']} {hits[0]['resolution']!r}, expected {g['expected']}")
            for s in pred:
                right = any(overlaps(s, g) for g in gold)
                c["pred_right"] += right
                c["pred_exact"] += any(
                    (s["start"], s["end"]) == (g["start"], g["end"]) for g in gold
                )
                if show_errors and not right:
                    print(f"  FALSE {p['id']} {kind}: {s['quote']!r} ({s['rule']})")
    return counts


def ratio(a, b) -> str:
    return f"{a / b:.2f}" if b else "  – "


def print_scores(counts):
    print(f"{'kind':12} {'lang':4} {'gold':>4} {'sugg':>4}  {'prec':>5} {'recall':>6}  "
          f"{'exact P':>7} {'exact R':>7}  other")  # fmt: skip
    for kind in KINDS:
        for language in ("en", "ar"):
            c = counts[(kind, language)]
            other = ""
            if kind == "hedge":
                other = f"type right {ratio(c['type_right'], c['found'])}"
            elif kind == "attribution":
                other = f"source right {c['source_right']}/{c['with_source']}"
            elif kind == "date":
                other = (
                    f"resolved right {ratio(c['resolved'], c['found'])} of found, "
                    f"{ratio(c['resolved'], c['gold'])} of all"
                )
            print(
                f"{kind:12} {language:4} {c['gold']:4} {c['pred']:4}  "
                f"{ratio(c['pred_right'], c['pred']):>5} {ratio(c['found'], c['gold']):>6}  "
                f"{ratio(c['pred_exact'], c['pred']):>7} {ratio(c['found_exact'], c['gold']):>7}  "
                f"{other}"
            )


def timing(paragraphs, sources, length=3000, repeat=30):
    print(f"\ntime per article of ~{length} characters (median of {repeat} runs, after warm-up):")
    for language in ("en", "ar"):
        texts = [p["text"] for p in paragraphs if p["language"] == language]
        article, i = "", 0
        while len(article) < length:
            article += texts[i % len(texts)] + "\n\n"
            i += 1
        article = article.strip()
        published = datetime.fromisoformat("2024-05-14T12:00:00+00:00")
        cold = time.perf_counter()
        suggest(article, language, published, sources)
        cold = time.perf_counter() - cold
        runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            found = suggest(article, language, published, sources)
            runs.append(time.perf_counter() - start)
        per_3000 = statistics.median(runs) * 1000 * 3000 / len(article)
        print(
            f"  {language}: {len(article)} chars, {len(found)} suggestions, "
            f"{statistics.median(runs) * 1000:.1f} ms ({per_3000:.1f} ms per 3,000 chars; "
            f"first call {cold * 1000:.0f} ms)"
        )


# ---- Claims (whole articles) ----------------------------------------------------------------


def load_claims(name=CLAIMS_FILE):
    articles = [json.loads(line) for line in (GOLD / name).open(encoding="utf-8")]
    for a in articles:
        text = a["text"]
        for c in a["claims"]:
            assert text[c["start"] : c["end"]] == c["quote"], (a["id"], c)
        assert len(a["clutter"]) == len(a.get("clutter_kinds", a["clutter"])), a["id"]
        for start, end in a["clutter"]:  # whole lines, and no gold claim on them
            assert (start == 0 or text[start - 1] == "\n") and (
                end == len(text) or text[end] == "\n"
            ), (a["id"], start, end)
            assert not any(overlaps(c, {"start": start, "end": end}) for c in a["claims"]), a["id"]
    return articles


def overlap_length(a, b) -> int:
    return max(0, min(a["end"], b["end"]) - max(a["start"], b["start"]))


def match_one_to_one(pred, gold) -> list[tuple[int, int]]:
    """(pred index, gold index) pairs, taken greedily by the length of their overlap."""
    candidates = sorted(
        (
            (-overlap_length(s, g), g["start"], i, j)
            for i, s in enumerate(pred)
            for j, g in enumerate(gold)
            if overlaps(s, g)
        )
    )
    used_pred, used_gold, pairs = set(), set(), []
    for _, _, i, j in candidates:
        if i not in used_pred and j not in used_gold:
            used_pred.add(i)
            used_gold.add(j)
            pairs.append((i, j))
    return pairs


def score_claims(articles, sources, show_errors: bool):
    counts = defaultdict(lambda: defaultdict(int))
    on_clutter_by_kind = defaultdict(int)
    for a in articles:
        published = datetime.fromisoformat(a["published_at"])
        found = suggest(a["text"], a["language"], published, sources)
        pred = [vars(s) for s in found if s.kind == "claim"]
        gold = a["claims"]
        clutter = [
            ({"start": start, "end": end}, kind)
            for (start, end), kind in zip(
                a["clutter"], a.get("clutter_kinds", ["clutter"] * len(a["clutter"])), strict=True
            )
        ]
        pairs = match_one_to_one(pred, gold)
        c = counts[a["language"]]
        c["articles"] += 1
        c["gold"] += len(gold)
        c["pred"] += len(pred)
        c["right"] += len(pairs)
        for i, j in pairs:
            s, g = pred[i], gold[j]
            c["exact"] += (s["start"], s["end"]) == (g["start"], g["end"])
            union = max(s["end"], g["end"]) - min(s["start"], g["start"])
            c["iou"] += overlap_length(s, g) / union
        matched_pred = {i for i, _ in pairs}
        matched_gold = {j for _, j in pairs}
        for i, s in enumerate(pred):
            kinds = [kind for span, kind in clutter if overlaps(s, span)]
            if kinds:
                c["on_clutter"] += 1
                on_clutter_by_kind[kinds[0]] += 1
            if show_errors and i not in matched_pred:
                where = kinds[0] if kinds else "body"
                taken = any(overlaps(s, g) for g in gold)
                also = ", overlaps a claim matched to another" if taken else ""
                print(f"  FALSE {a['id']} claim [{where}]: {s['quote']!r} ({s['rule']}{also})")
        if show_errors:
            for j, g in enumerate(gold):
                if j not in matched_gold:
                    also = (
                        " (overlapped by a suggestion matched to another claim)"
                        if any(overlaps(s, g) for s in pred)
                        else ""
                    )
                    print(f"  MISS {a['id']} claim: {g['quote']!r}{also}")
    return counts, on_clutter_by_kind


def print_claim_scores(counts, on_clutter_by_kind):
    print(f"{'lang':4} {'arts':>4} {'gold':>4} {'sugg':>4}  {'prec':>5} {'recall':>6}  "
          f"{'exact P':>7} {'exact R':>7}  {'sugg/art':>8}  {'on clutter':>11}  "
          "overlap")  # fmt: skip
    total = defaultdict(int)
    for language in ("en", "ar"):
        for key, value in counts[language].items():
            total[key] += value
    for language, c in (("en", counts["en"]), ("ar", counts["ar"]), ("all", total)):
        clutter = f"{c['on_clutter']} ({ratio(c['on_clutter'], c['pred'])})"
        print(
            f"{language:4} {c['articles']:4} {c['gold']:4} {c['pred']:4}  "
            f"{ratio(c['right'], c['pred']):>5} {ratio(c['right'], c['gold']):>6}  "
            f"{ratio(c['exact'], c['pred']):>7} {ratio(c['exact'], c['gold']):>7}  "
            f"{ratio(c['pred'], c['articles']):>8}  {clutter:>11}  {ratio(c['iou'], c['right'])}"
        )
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(on_clutter_by_kind.items()))
    print(f"suggestions on clutter lines by kind of line: {kinds or 'none'}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list misses and false suggestions")
    args = parser.parse_args(argv)
    for name, title in GOLD_FILES:
        paragraphs, sources = load(name)
        languages = defaultdict(int)
        for p in paragraphs:
            languages[p["language"]] += 1
        print(f"{title}: {name}, {len(paragraphs)} paragraphs ({dict(languages)})")
        print_scores(score(paragraphs, sources, args.errors))
        print()
    timing(*load())
    articles = load_claims()
    languages = defaultdict(int)
    for a in articles:
        languages[a["language"]] += 1
    print(
        f"\nclaims: {CLAIMS_FILE}, {len(articles)} articles ({dict(languages)}); "
        "right = overlaps a gold claim, one to one"
    )
    print_claim_scores(*score_claims(articles, load()[1], args.errors))


if __name__ == "__main__":
    sys.exit(main())

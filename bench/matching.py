"""Score claim matching against the gold set in bench/gold/matching/ and time the model.

    .venv/bin/python bench/matching.py               # held-out figures (the ones reported)
    .venv/bin/python bench/matching.py --split dev   # the part the weights were tuned on
    .venv/bin/python bench/matching.py --errors      # and every miss / false flag
    .venv/bin/python bench/matching.py --fresh       # embed again (else /tmp's cache)

Retrieval: each English claim looks for its Arabic paraphrase (EN→AR) in an event-sized
pool of Arabic claims, and each Arabic paraphrase for its English claim (AR→EN). A pool is
the target, the item's own distractors (the same report with one fact changed), then the
claims of the same event, then of other events, up to the pool size. Ranking is exactly the
app's: annotator.matching.proposals.proposals_for (embeddings, then facts). Success@k: the
target is among the first k.

A second row uses the event's whole pool in both languages (what the app really compares):
other claims in the query's own language sit closer in the embedding space, which
proposals.SAME_LANGUAGE_PENALTY corrects.

Discrepancy flags: every (claim, distractor) pair across languages should be flagged with
the facet the distractor changes; every (claim, paraphrase) pair should not be flagged.
Precision = right flags / all pairs flagged; recall = right flags / distractor pairs.
"""

import argparse
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import django
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "k" * 60)
django.setup()

from annotator.matching import embeddings  # noqa: E402
from annotator.matching.differences import facts_compare  # noqa: E402
from annotator.matching.proposals import PoolClaim, proposals_for  # noqa: E402

GOLD = Path(__file__).resolve().parent / "gold" / "matching"
POOL_SIZES = (20, 50, 100, 200)
SEED = 17  # pools are sampled the same way on every run
CACHE = Path(tempfile.gettempdir()) / "annotator-bench-matching.npz"
FRESH = "--fresh" in sys.argv


def load(split: str) -> list[dict]:
    items = []
    for path in sorted(GOLD.glob("*.jsonl")):
        items += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [item for item in items if split == "all" or item["split"] == split]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def embed_all(items: list[dict]) -> dict[tuple, PoolClaim]:
    """Every text of the gold set as a pool claim, keyed (item id, which, language)."""
    texts = {}
    for item in items:
        published = date.fromisoformat(item["published"])
        texts[(item["id"], "claim", "en")] = (item["en"], "en", published)
        texts[(item["id"], "claim", "ar")] = (item["ar"], "ar", published)
        for n, distractor in enumerate(item["distractors"]):
            for language in ("en", "ar"):
                texts[(item["id"], f"d{n}", language)] = (distractor[language], language, published)
    keys = list(texts)
    vectors = cached_vectors([texts[key][0] for key in keys])
    return {
        key: PoolClaim(i, texts[key][0], texts[key][1], texts[key][2], vectors[i])
        for i, key in enumerate(keys)
    }


def cached_vectors(texts: list[str]) -> np.ndarray:
    """The embeddings, from CACHE when an earlier run made them with the same model (the
    gold set takes a minute or two to embed on 2 busy cores); --fresh ignores it."""
    cache = {}
    if CACHE.exists() and not FRESH:
        with np.load(CACHE) as stored:
            if str(stored["model"]) == embeddings.MODEL_NAME:
                cache = dict(zip(stored["digests"].tolist(), stored["vectors"], strict=True))
    digests = [embeddings.text_digest(text) for text in texts]
    missing = [text for text, digest in zip(texts, digests, strict=True) if digest not in cache]
    for text, vector in zip(missing, embeddings.vectors_of(missing), strict=True):
        cache[embeddings.text_digest(text)] = vector
    np.savez(CACHE, model=embeddings.MODEL_NAME, digests=list(cache), vectors=list(cache.values()))
    return np.vstack([cache[digest] for digest in digests])


def pool_for(item, event_of, claims, language, size, rng) -> list[PoolClaim]:
    keys = [k for k in claims if k[2] == language]
    own = [k for k in keys if k[0] == item["id"]]
    same_event = [k for k in keys if k[0] != item["id"] and event_of[k[0]] == item["event"]]
    others = [k for k in keys if event_of[k[0]] != item["event"]]
    rng.shuffle(same_event)
    rng.shuffle(others)
    return [claims[k] for k in (own + same_event + others)[:size]]


def retrieval(items, everything, claims, errors: bool) -> dict:
    figures = {}
    event_of = {item["id"]: item["event"] for item in everything}
    for source, target in (("en", "ar"), ("ar", "en")):
        for size in POOL_SIZES:
            rng = random.Random(f"{SEED}-{source}-{size}")
            ranks = []
            for item in items:
                query = claims[(item["id"], "claim", source)]
                wanted = claims[(item["id"], "claim", target)]
                pool = pool_for(item, event_of, claims, target, size, rng)
                found = proposals_for(query, pool, keep=5)
                ids = [p.other.id for p in found]
                rank = ids.index(wanted.id) + 1 if wanted.id in ids else None
                ranks.append(rank)
                if errors and size == 200 and rank != 1:
                    top = found[0].other.text if found else "—"
                    print(
                        f"  miss {source}→{target} {item['id']} rank {rank}: {query.text}\n"
                        f"      wanted: {wanted.text}\n      top:    {top}"
                    )
            n = len(ranks)
            figures[(source, target, size)] = (
                sum(r == 1 for r in ranks) / n,
                sum(r is not None and r <= 5 for r in ranks) / n,
            )
    return figures


def mixed_retrieval(items, everything, claims) -> dict:
    """The pool as an event's really is, both languages: every text of the item's event
    but the query and the query's own distractors in its language (near copies of it that
    rightly come first, with the difference flagged)."""
    event_of = {item["id"]: item["event"] for item in everything}
    figures = {}
    for source, target in (("en", "ar"), ("ar", "en")):
        ranks = []
        for item in items:
            query = claims[(item["id"], "claim", source)]
            wanted = claims[(item["id"], "claim", target)]
            pool = [
                claim
                for key, claim in claims.items()
                if event_of[key[0]] == item["event"]
                and claim.id != query.id
                and not (key[0] == item["id"] and key[2] == source)
            ]
            ids = [p.other.id for p in proposals_for(query, pool, keep=5)]
            ranks.append(ids.index(wanted.id) + 1 if wanted.id in ids else None)
        figures[(source, target)] = (
            sum(r == 1 for r in ranks) / len(ranks),
            sum(r is not None for r in ranks) / len(ranks),
        )
    return figures


def flags(items, claims, errors: bool) -> tuple[float, float, Counter, Counter]:
    right = flagged = expected = 0
    missed, hit = Counter(), Counter()
    for item in items:
        for language, other in (("en", "ar"), ("ar", "en")):
            claim = claims[(item["id"], "claim", language)]
            paraphrase = claims[(item["id"], "claim", other)]
            false = facts_compare(claim.facts, paraphrase.facts).differ
            if false:
                flagged += 1
                if errors:
                    print(f"  false flag {item['id']} {language}: {[d.summary for d in false]}")
            for n, distractor in enumerate(item["distractors"]):
                expected += 1
                changed = claims[(item["id"], f"d{n}", other)]
                found = facts_compare(claim.facts, changed.facts).differ
                facet = _facet(distractor["differs"])
                if found:
                    flagged += 1
                if any(d.facet == facet for d in found):
                    right += 1
                    hit[facet] += 1
                else:
                    missed[facet] += 1
                    if errors:
                        print(
                            f"  missed {facet} {item['id']}d{n} {language}→{other}: "
                            f"{distractor['a']} vs {distractor['b']}; found "
                            f"{[d.summary for d in found]}"
                        )
    return right / max(flagged, 1), right / max(expected, 1), hit, missed


def _facet(differs: str) -> str:
    return {"number": "quantity"}.get(differs, differs)


def timing(claims) -> tuple[float, float, float | None]:
    """ms per claim embedded alone, mean length, and the RSS the model added (MB) when it
    was not loaded yet (the vectors came from the cache)."""
    texts = [c.text for c in list(claims.values())[:60]]
    before = None if embeddings._model.cache_info().currsize else rss_mb()
    embeddings.vectors_of(texts[:2])  # load, warm
    model_mb = None if before is None else rss_mb() - before
    start = time.perf_counter()
    for text in texts:
        embeddings.vectors_of([text])
    per_claim = (time.perf_counter() - start) / len(texts) * 1000
    return per_claim, statistics.mean(len(t) for t in texts), model_mb


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", default="heldout", choices=["heldout", "dev", "all"])
    parser.add_argument("--errors", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="embed again, ignoring the cache")
    args = parser.parse_args()
    everything = load("all")
    items = [item for item in everything if args.split == "all" or item["split"] == args.split]
    start = time.perf_counter()
    claims = embed_all(everything)
    embedded = time.perf_counter() - start
    print(
        f"gold set: {len(everything)} items ({len(items)} {args.split}), "
        f"{len(claims)} texts embedded in {embedded:.1f} s"
    )
    figures = retrieval(items, everything, claims, args.errors)
    print(f"\nSame-assertion retrieval ({args.split}), Success@1 / Success@5:")
    print("pool   " + "   ".join(f"{s}→{t}" for s, t in (("en", "ar"), ("ar", "en"))))
    for size in POOL_SIZES:
        row = [
            f"{figures[(s, t, size)][0]:.2f} / {figures[(s, t, size)][1]:.2f}"
            for s, t in (("en", "ar"), ("ar", "en"))
        ]
        print(f"{size:>4}   " + "   ".join(row))
    mixed = mixed_retrieval(items, everything, claims)
    row = [
        f"{mixed[(s, t)][0]:.2f} / {mixed[(s, t)][1]:.2f}" for s, t in (("en", "ar"), ("ar", "en"))
    ]
    print("event, both languages   " + "   ".join(row))
    precision, recall, hit, missed = flags(items, claims, args.errors)
    print(f"\nDiscrepancy flags ({args.split}): precision {precision:.2f}, recall {recall:.2f}")
    for facet in sorted(set(hit) | set(missed)):
        print(f"  {facet:<9} found {hit[facet]:>3} of {hit[facet] + missed[facet]}")
    per_claim, length, model_mb = timing(claims)
    print(f"\nEmbedding one claim: {per_claim:.1f} ms (mean {length:.0f} characters, 1 thread)")
    if model_mb is not None:
        print(f"The model adds {model_mb:.0f} MB to the process (RSS)")
    grouped = defaultdict(int)
    for item in items:
        grouped[item["event"]] += 1
    print(
        f"events: {len(grouped)}, items per event {min(grouped.values())}–{max(grouped.values())}"
    )


if __name__ == "__main__":
    main()

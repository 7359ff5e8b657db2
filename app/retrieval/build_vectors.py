"""Write the shipped chunk vectors (see :mod:`app.retrieval.prebuilt`): run after editing cards.

``python -m app.retrieval.build_vectors`` embeds every chunk as a cold index build would and
saves the file the index reads at start-up. It lives apart from the loader because it needs
the index's own chunking, and the index needs the loader.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from app.retrieval.cards import TechniqueCard
from app.retrieval.prebuilt import PREBUILT_PATH, load_prebuilt, vector_key
from app.retrieval.store import _CARDS_PER_WRITE, RECIPE, MiniLMEmbeddings, _chunk_rows


def write_prebuilt(cards: Sequence[TechniqueCard], path: Path = PREBUILT_PATH) -> int:
    """Embed every chunk of ``cards`` as a cold build would, and save; returns the count."""
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

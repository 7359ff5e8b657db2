"""The chunk vectors shipped with the package: complete, and equal to what a cold build makes."""

from __future__ import annotations

import numpy as np

from app.config import Settings
from app.retrieval.cards import load_cards
from app.retrieval.prebuilt import load_prebuilt, vector_key
from app.retrieval.store import _CARDS_PER_WRITE, RECIPE, MiniLMEmbeddings, _chunk_rows

REFRESH = (
    "the shipped vectors are stale: run `python -m app.retrieval.build_vectors` and commit the file"
)


def _cards() -> list:
    return sorted(load_cards(Settings().knowledge_dir / "techniques"), key=lambda c: c.id)


def test_prebuilt_vectors_cover_every_chunk_of_every_card() -> None:
    known = load_prebuilt()
    texts = _chunk_rows(_cards())["texts"]
    missing = [text[:60] for text in texts if vector_key(RECIPE, text) not in known]
    assert not missing, f"{REFRESH}; missing: {missing[:3]}"


def test_prebuilt_vectors_equal_a_cold_build() -> None:
    """The first write group embedded now, as a cold build embeds it, matches the file."""
    texts = _chunk_rows(_cards()[:_CARDS_PER_WRITE])["texts"]
    fresh = np.array(MiniLMEmbeddings(known={}).embed_documents(texts))
    stored = np.array([load_prebuilt()[vector_key(RECIPE, text)] for text in texts])
    assert np.allclose(fresh, stored, atol=1e-5), REFRESH


def test_known_vectors_are_used_and_the_rest_embedded_in_place() -> None:
    texts = ["Open questions invite a longer answer.", "Reflect the feeling you hear."]
    marker = np.full(384, 0.5, dtype=np.float32)
    embedded = MiniLMEmbeddings(known={vector_key(RECIPE, texts[1]): marker}).embed_documents(texts)
    alone = MiniLMEmbeddings(known={}).embed_documents(texts[:1])
    assert np.allclose(embedded[1], marker)
    assert np.allclose(embedded[0], alone[0], atol=1e-5)

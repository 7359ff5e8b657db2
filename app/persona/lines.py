"""Choosing the authored line that best answers what the learner just said.

Similarity is cosine over the offline MiniLM vectors. Authored lines are embedded once per
process and cached by text, so a turn costs one embedding for the learner's words.
"""

from __future__ import annotations

import threading

import numpy as np

from app.embeddings import get_embedder

_CACHE_LIMIT = 20_000


class _LineVectors:
    """Vectors of authored lines by text, filled in batches (one model call per new pool)."""

    def __init__(self) -> None:
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def of(self, lines: list[str]) -> np.ndarray:
        with self._lock:
            missing = [line for line in dict.fromkeys(lines) if line not in self._vectors]
            if missing:
                if len(self._vectors) + len(missing) > _CACHE_LIMIT:
                    self._vectors.clear()  # custom scenarios could otherwise grow it forever
                self._vectors.update(zip(missing, get_embedder().embed(missing), strict=True))
            return np.vstack([self._vectors[line] for line in lines])


_line_vectors = _LineVectors()


def embed_text(text: str) -> np.ndarray:
    return get_embedder().embed_one(text)


def similarities(query: np.ndarray, lines: list[str]) -> np.ndarray:
    """Cosine similarity of ``query`` (an L2-normalised vector) to each line."""
    if not lines:
        return np.zeros(0, dtype=np.float32)
    similarities: np.ndarray = _line_vectors.of(lines) @ query
    return similarities


def best_line(query: np.ndarray, candidates: list[str]) -> str:
    """The candidate closest in meaning to the query; ties go to the earlier authored line."""
    return candidates[int(np.argmax(similarities(query, candidates)))]

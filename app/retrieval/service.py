"""The one retrieval interface: hybrid (vector + BM25) search over technique cards.

``get_retriever`` is what the app, the scorer and the live hints use; ``build_index`` is what
``rehearse index`` runs. Both load the cards from disk and sync the chroma index by hash, so
a fresh index costs an id read at startup and a stale or missing one is rebuilt.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from app.config import Settings
from app.errors import NotFound
from app.retrieval.cards import TechniqueCard, TechniqueHit, load_cards
from app.retrieval.ranking import Bm25Ranker, Ranking, matches, rrf_fuse
from app.retrieval.store import (
    VIEWS,
    ChunkId,
    IndexReport,
    TechniqueIndex,
    card_chunks,
    open_index,
    sync_store,
    where_filter,
)

log = logging.getLogger(__name__)


class TechniqueRetriever:
    """Implements ``TechniqueSearch`` over cards already synced into ``index``.

    Thread-safe for FastAPI's threadpool: the cards and the BM25 ranker are never mutated after
    construction, chroma's client is safe to share, and the embedder serialises its own runs.
    """

    def __init__(self, cards: list[TechniqueCard], index: TechniqueIndex) -> None:
        self._cards = {card.id: card for card in cards}
        self._index = index
        self._bm25 = Bm25Ranker(cards)
        self._chunk_count = max(sum(len(card_chunks(card)) for card in cards), 1)

    def all_cards(self) -> list[TechniqueCard]:
        return list(self._cards.values())

    def get(self, card_id: str) -> TechniqueCard:
        try:
            return self._cards[card_id]
        except KeyError:
            raise NotFound(f"no technique card with id '{card_id}'") from None

    def search(
        self, query: str, *, k: int = 3, skill: str | None = None, tag: str | None = None
    ) -> list[TechniqueHit]:
        """Best ``k`` cards by reciprocal rank fusion of the vector views and BM25.

        Scores are fused ranks scaled to 0..1: 1.0 means first in every ranking.
        """
        rankings = [
            *self.vector_rankings(query, skill=skill, tag=tag),
            self.bm25_ranking(query, skill=skill, tag=tag),
        ]
        return [TechniqueHit(card=self._cards[i], score=s) for i, s in rrf_fuse(rankings)[:k]]

    def vector_rankings(self, query: str, *, skill: str | None, tag: str | None) -> list[Ranking]:
        """One ranking per view in ``VIEWS``: matching cards by their best chunk's cosine.

        One chroma query returns the distance of every matching chunk (a few hundred, ~2 ms), so
        each view ranks every card and the fusion never misses one for lack of candidates.
        """
        vector: Sequence[float] = self._index.embeddings.embed_query(query)
        result = self._index.collection.query(
            query_embeddings=[vector],
            n_results=self._chunk_count,
            where=where_filter(skill=skill, tag=tag),
            include=["distances"],
        )
        distances = result["distances"] or [[]]
        best: dict[str, dict[str, float]] = {view: {} for view in VIEWS}
        for chunk, distance in zip(result["ids"][0], distances[0], strict=True):
            owner = ChunkId.parse(chunk)
            for view, kinds in VIEWS.items():
                if owner.kind in kinds:
                    best[view].setdefault(owner.card_id, min(max(1.0 - distance, 0.0), 1.0))
        return [list(ranking.items()) for ranking in best.values()]

    def bm25_ranking(self, query: str, *, skill: str | None, tag: str | None) -> Ranking:
        """Matching cards that share a stem with the query, by BM25 score."""
        allowed = {i for i, card in self._cards.items() if matches(card, skill=skill, tag=tag)}
        return self._bm25.rank(query, allowed)


def _cards_dir(settings: Settings) -> Path:
    return settings.knowledge_dir / "techniques"


def build_index(settings: Settings, progress: bool = False) -> IndexReport:
    """Sync the index at ``settings.resolved_chroma_path`` with the cards on disk."""
    cards = load_cards(_cards_dir(settings))
    index = open_index(settings.resolved_chroma_path, settings.chroma_url)
    return sync_store(index.store, cards, progress=progress)


def get_retriever(settings: Settings) -> TechniqueRetriever:
    """Open the index, building or refreshing it first when it is missing or stale."""
    cards = load_cards(_cards_dir(settings))
    index = open_index(settings.resolved_chroma_path, settings.chroma_url)
    report = sync_store(index.store, cards, progress=False)
    if report.changed:
        log.info("technique index synced: %s", report.summary())
    return TechniqueRetriever(cards, index)

"""The one retrieval interface used by the API, the scorer and the live hints."""

from __future__ import annotations

from typing import Protocol

from app.retrieval.cards import TechniqueCard, TechniqueHit


class TechniqueSearch(Protocol):
    def search(
        self, query: str, *, k: int = 3, skill: str | None = None, tag: str | None = None
    ) -> list[TechniqueHit]:
        """Best ``k`` cards for ``query``, optionally within one skill and/or tag; scores 0..1."""
        ...

    def get(self, card_id: str) -> TechniqueCard:
        """Raises app.errors.NotFound for an unknown id."""
        ...

    def all_cards(self) -> list[TechniqueCard]:
        """Every card, in id order."""
        ...

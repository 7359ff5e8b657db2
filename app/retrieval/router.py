"""Technique card endpoints: search or list the cards, and fetch one by id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.deps import ServicesDep
from app.retrieval.cards import CardSkill, TechniqueCard
from app.retrieval.ranking import matches

router = APIRouter(prefix="/api/v1/techniques", tags=["techniques"])


class TechniqueResult(BaseModel):
    """A card as the API shows it; ``score`` (0..1, higher is better) only for a search."""

    id: str
    title: str
    skill: CardSkill
    tags: list[str]
    when_to_use: str
    body: str
    score: float | None = None

    @classmethod
    def of(cls, card: TechniqueCard, score: float | None = None) -> TechniqueResult:
        return cls(**card.model_dump(), score=score)


@router.get("")
def list_techniques(
    services: ServicesDep,
    query: Annotated[
        str | None, Query(max_length=1000, description="Search text; omit to list every card.")
    ] = None,
    skill: CardSkill | None = None,
    tag: Annotated[str | None, Query(max_length=80)] = None,
    k: Annotated[int, Query(ge=1, le=20, description="How many search results.")] = 3,
) -> list[TechniqueResult]:
    """Search the cards by relevance, or with no query list them all; both filtered."""
    retriever = services.retriever
    if query is None or not query.strip():
        return [
            TechniqueResult.of(card)
            for card in retriever.all_cards()
            if matches(card, skill=skill, tag=tag)
        ]
    hits = retriever.search(query, k=k, skill=skill, tag=tag)
    return [TechniqueResult.of(hit.card, hit.score) for hit in hits]


@router.get("/{card_id}")
def get_technique(card_id: str, services: ServicesDep) -> TechniqueResult:
    return TechniqueResult.of(services.retriever.get(card_id))

"""Live hints: one line after a learner turn, with a technique card to read more.

The texts and the queries live in the rules file (``hints``); the first entry that fits the
coded turn and the peer's state wins, so the most useful correction comes before praise. How the
line landed comes first of all: a reflection about nothing the peer said is never praised for
its shape.
"""

from __future__ import annotations

from pydantic import BaseModel

from app.persona.rules import HintRule, ReactionRules, default_rules
from app.persona.state import PersonaState
from app.retrieval.cards import TechniqueCard
from app.retrieval.protocol import TechniqueSearch
from app.scoring.moves import CodedUtterance, Move, asked_for


class Hint(BaseModel):
    text: str
    move: Move | None = None
    card_id: str | None = None
    card_title: str | None = None


def make_hint(
    coded: CodedUtterance,
    state: PersonaState,
    retriever: TechniqueSearch | None,
    rules: ReactionRules | None = None,
) -> Hint | None:
    """The hint for this turn, or None when no entry fits (nothing worth saying)."""
    rules = rules or default_rules()
    defensive = state.defensiveness >= rules.disclosure.defensive_at
    moves = frozenset(coded.moves)
    if Move.ADVICE_WITH_PERMISSION in state.last.moves:
        moves = asked_for(moves)  # the peer said yes a turn ago, whatever words it used
    for entry in rules.hints:
        if entry.move is not None and entry.move not in moves:
            continue
        if entry.defensive is not None and entry.defensive != defensive:
            continue
        if entry.act is not None and entry.act is not state.last.act:
            continue
        if entry.relevance is not None and entry.relevance != state.last.relevance:
            continue
        if entry.off_topic is not None and entry.off_topic != state.last.off_topic:
            continue
        card = _card_for(entry, retriever)
        return Hint(
            text=entry.text,
            move=entry.move,
            card_id=card.id if card else None,
            card_title=card.title if card else None,
        )
    return None


def _card_for(entry: HintRule, retriever: TechniqueSearch | None) -> TechniqueCard | None:
    """The best card for the hint's query, in its skill if that has one, else in any skill."""
    if retriever is None or entry.search is None:
        return None
    skill = entry.skill.value if entry.skill else None
    hits = retriever.search(entry.search, k=1, skill=skill)
    if not hits and skill is not None:
        hits = retriever.search(entry.search, k=1)
    return hits[0].card if hits else None

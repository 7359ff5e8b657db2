"""Plain data helpers for the persona tests."""

from __future__ import annotations

from app.persona.rules import ReactionRules
from app.persona.state import PersonaState, advance, initial_state
from app.scenarios.schema import Scenario
from app.scoring.moves import CodedUtterance, Move

LISTENING = [
    ("How has the report been going from your side?", Move.OPEN_QUESTION),
    ("It sounds like there is more going on than the tool.", Move.COMPLEX_REFLECTION),
    ("What has that been like for you?", Move.OPEN_QUESTION),
    ("So you have been carrying a lot of this on your own.", Move.COMPLEX_REFLECTION),
    ("What else is going on that I might not know about?", Move.OPEN_QUESTION),
    ("It sounds like this has been weighing on you more than you let on.", Move.COMPLEX_REFLECTION),
    ("Thank you for trusting me with that.", Move.AFFIRMATION),
    ("So, the mornings are taken and asking for help has felt risky.", Move.SUMMARY),
]

LECTURING = [
    ("Honestly, this is unacceptable and it needs to change.", Move.JUDGEMENT),
    ("What you need to do is start earlier.", Move.ADVICE_WITHOUT_PERMISSION),
    ("Everyone is busy, that is no excuse.", Move.JUDGEMENT),
    ("Set a reminder and get it done by nine.", Move.ADVICE_WITHOUT_PERMISSION),
    ("It is affecting the whole team.", Move.JUDGEMENT),
    ("If I were you I would sort it this week.", Move.ADVICE_WITHOUT_PERMISSION),
    ("Just prioritise it.", Move.ADVICE_WITHOUT_PERMISSION),
    ("This cannot keep happening.", Move.JUDGEMENT),
]


def coded(text: str, *moves: Move) -> CodedUtterance:
    return CodedUtterance(text=text, moves=moves or (Move.OTHER,))


def play(
    scenario: Scenario,
    turns: list[tuple[str, Move]],
    rules: ReactionRules,
    state: PersonaState | None = None,
) -> list[PersonaState]:
    """The state after each turn, starting from ``state`` or the scenario's initial state."""
    states = []
    current = state or initial_state(scenario, rules)
    for text, move in turns:
        current = advance(current, coded(text, move), text, scenario, rules)
        states.append(current)
    return states

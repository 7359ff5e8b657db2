"""Plain data helpers for the persona tests."""

from __future__ import annotations

from app.persona.evaluation import reflect_back
from app.persona.rules import ReactionRules
from app.persona.state import PersonaState, advance, initial_state
from app.scenarios.schema import Scenario
from app.scoring.moves import CodedUtterance, Move

# "{echo}" is a reflection of the peer's last reply (reflect_back): listening is reflecting
# what was said, and the state now checks that a reflection relates to it.
ECHO = "{echo}"
LISTENING = [
    ("How has the report been going from your side?", Move.OPEN_QUESTION),
    (ECHO, Move.COMPLEX_REFLECTION),
    ("What has that been like for you?", Move.OPEN_QUESTION),
    (ECHO, Move.COMPLEX_REFLECTION),
    ("What else is going on that I might not know about?", Move.OPEN_QUESTION),
    (ECHO, Move.COMPLEX_REFLECTION),
    ("Thank you for trusting me with that.", Move.AFFIRMATION),
    (ECHO, Move.SUMMARY),
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
    for template, move in turns:
        text = reflect_back(" ".join(current.last.reply)) if template == ECHO else template
        current = advance(current, coded(text, move), text, scenario, rules)
        states.append(current)
    return states

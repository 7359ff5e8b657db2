"""The built-in peer: listening and lecturing get visibly different conversations."""

from __future__ import annotations

from app.persona.builtin import BuiltinPeerEngine
from app.persona.rules import ReactionRules
from app.persona.state import PersonaState
from app.scenarios.schema import Scenario
from tests.persona.helpers import LECTURING, LISTENING, play


def conversation(scenario: Scenario, states: list[PersonaState]) -> list[str]:
    engine = BuiltinPeerEngine()
    return ["".join(engine.stream_reply(scenario, s, [], "")) for s in states]


def test_stream_reply_says_the_chosen_lines_in_order(
    scenario: Scenario, rules: ReactionRules
) -> None:
    state = play(scenario, LISTENING[:2], rules)[-1]
    chunks = list(BuiltinPeerEngine().stream_reply(scenario, state, [], LISTENING[1][0]))
    assert len(chunks) == len(state.last.reply) == 2
    assert "".join(chunks) == " ".join(state.last.reply)


def test_listening_and_lecturing_get_different_conversations(
    scenario: Scenario, rules: ReactionRules
) -> None:
    listened = conversation(scenario, play(scenario, LISTENING, rules))
    lectured = conversation(scenario, play(scenario, LECTURING, rules))
    hidden = scenario.persona.hidden_concern.lines[0]
    assert any(hidden in reply for reply in listened)
    assert not any("dialysis" in reply for reply in lectured)
    defensive = {
        *scenario.persona.reactions.guarded,
        *scenario.persona.reactions.pushback_on_advice,
    }
    defensive |= {line for trigger in scenario.persona.triggers for line in trigger.lines}
    assert sum(any(line in r for line in defensive) for r in lectured) >= len(LECTURING) // 2
    assert not set(listened) & set(lectured)
    assert len(set(listened)) == len(listened) and len(set(lectured)) == len(lectured)

"""The LLM peer against the fake server (strict alternation on): order, checks, disclosure."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import PACKAGE_DIR
from app.conversation import TranscriptTurn
from app.llm.openai_client import OpenAIChatModel
from app.persona.llm_engine import LLMPeerEngine, copies_author_notes, reply_problem
from app.persona.rules import Act, ReactionRules
from app.persona.state import PersonaState, advance, initial_state
from app.scenarios.schema import Scenario
from app.scoring.moves import Move
from tests.llm_server import FakeLLMServer, Reply
from tests.persona.helpers import coded

PROMPTS = PACKAGE_DIR / "prompts"


def engine_for(server: FakeLLMServer, rules: ReactionRules) -> LLMPeerEngine:
    model = OpenAIChatModel(
        base_url=server.url, model="m", timeout_s=2.0, max_retries=0, backoff_s=0.01
    )
    return LLMPeerEngine(model, Path(PROMPTS), rules)


def history_of(scenario: Scenario) -> list[TranscriptTurn]:
    return [
        TranscriptTurn(
            index=0, speaker="peer", text=scenario.persona.opening_line, is_learner=False
        ),
        TranscriptTurn(index=1, speaker="learner", text="Hi Sam.", is_learner=True),
        TranscriptTurn(index=2, speaker="peer", text="Hi.", is_learner=False),
    ]


def opened_state(scenario: Scenario, rules: ReactionRules) -> PersonaState:
    """A state whose last turn opened the second layer."""
    start = initial_state(scenario, rules).model_copy(
        update={"trust": 0.6, "defensiveness": 0.0, "openness": 0.6}
    )
    text = "What has been going on for you lately?"
    state = advance(start, coded(text, Move.OPEN_QUESTION), text, scenario, rules)
    assert state.last.new_layer == "mornings"
    return state


def test_messages_keep_the_persona_fixed_and_the_turn_note_last(
    llm_server: FakeLLMServer, scenario: Scenario, rules: ReactionRules
) -> None:
    engine = engine_for(llm_server, rules)
    first = initial_state(scenario, rules)
    second = opened_state(scenario, rules)
    replies = ["The tool is slow, that is all.", "Honestly, my mornings have been a mess lately."]
    for state, reply in zip((first, second), replies, strict=True):
        llm_server.script(Reply(reply))
        "".join(engine.stream_reply(scenario, state, history_of(scenario), "How are you?"))
    a, b = llm_server.requests
    assert a.messages[0] == b.messages[0], "the persona prefix is the same every turn"
    assert [m["role"] for m in b.messages] == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
    ]
    last = b.messages[-1]["content"]
    assert last.startswith("<colleague>\nHow are you?\n</colleague>")
    assert "keep every fact" in last and scenario.persona.layers[1].lines[0] in last
    assert "dialysis" not in " ".join(m["content"] for m in b.messages)
    assert b.body["stop"] == list(rules.llm.stop)
    assert b.body["max_tokens"] == rules.llm.band(second.openness).max_tokens


def test_disclosure_counts_only_when_the_reply_carries_it(
    llm_server: FakeLLMServer, scenario: Scenario, rules: ReactionRules
) -> None:
    engine = engine_for(llm_server, rules)
    carried = opened_state(scenario, rules)
    llm_server.script(
        Reply("Honestly, my mornings have been a mess, so I start later than before.")
    )
    "".join(engine.stream_reply(scenario, carried, history_of(scenario), "How are you?"))
    assert "mornings" in carried.disclosed_layers
    dropped = opened_state(scenario, rules)
    llm_server.script(Reply("It is the tool, like I said. Month end is heavy."))
    "".join(engine.stream_reply(scenario, dropped, history_of(scenario), "How are you?"))
    assert "mornings" not in dropped.disclosed_layers and dropped.last.new_layer is None


def test_reply_in_assistant_voice_is_regenerated_then_replaced(
    llm_server: FakeLLMServer, scenario: Scenario, rules: ReactionRules
) -> None:
    engine = engine_for(llm_server, rules)
    state = initial_state(scenario, rules)
    llm_server.script(
        Reply("You're welcome! I'm here to help."), Reply("Sorry, I can't assist with that.")
    )
    said = "".join(engine.stream_reply(scenario, state, history_of(scenario), "Thanks."))
    assert len(llm_server.requests) == 2
    assert said == " ".join(state.last.reply)


def test_agreeing_with_unasked_advice_is_rejected(
    llm_server: FakeLLMServer, scenario: Scenario, rules: ReactionRules
) -> None:
    engine = engine_for(llm_server, rules)
    text = "Just get in at eight like everyone else."
    state = advance(
        initial_state(scenario, rules),
        coded(text, Move.ADVICE_WITHOUT_PERMISSION),
        text,
        scenario,
        rules,
    )
    assert state.last.act is Act.PUSH_BACK
    llm_server.script(Reply("That's a good idea."), Reply("It is not that simple, really."))
    said = "".join(engine.stream_reply(scenario, state, history_of(scenario), text))
    assert said == "It is not that simple, really."


def test_reply_revealing_a_locked_layer_is_rejected(
    llm_server: FakeLLMServer, scenario: Scenario, rules: ReactionRules
) -> None:
    engine = engine_for(llm_server, rules)
    state = initial_state(scenario, rules)
    leak = "My father started dialysis and I drive him there."
    llm_server.script(Reply(leak), Reply(leak))
    said = "".join(engine.stream_reply(scenario, state, history_of(scenario), "How are you?"))
    assert "dialysis" not in said and said == " ".join(state.last.reply)


def test_finished_peer_makes_no_model_call(
    llm_server: FakeLLMServer, scenario: Scenario, rules: ReactionRules
) -> None:
    bye = "Let's leave it there."
    ended = advance(initial_state(scenario, rules), coded(bye, Move.OTHER), bye, scenario, rules)
    again = advance(ended, coded("And?", Move.OPEN_QUESTION), "And?", scenario, rules)
    said = "".join(engine_for(llm_server, rules).stream_reply(scenario, again, [], "And?"))
    assert said == " ".join(again.last.reply) and llm_server.requests == []


@pytest.mark.parametrize(
    "reply",
    [
        # SmolLM2-135M reading its prompt out, from the issue 13 eval run
        "You are a person, not an assistant.",
        "I am a person, not an assistant. No, no, no.",
        "You never mention AI, prompts, instructions, or performance.",
        "[Your colleague is not a friend; you're being taken advantage of.",
        "Your colleague has been trying to cover their tracks.",
        "Everything in front of you is your own sense of how the talk is going.",
        "You've said: blames the late files on the warehouse management system export.",
        "I'm not sure how to manage. This is a conversation with a colleague.",
        "I'm sorry, I can't be of further help.",
        # Qwen2.5-1.5B in the same eval
        "Sorry, but I can't share that information.",
        "I'm sorry, I can't help with that.",
        "I understand your frustration. Let me know if you need to discuss it further.",
        "I'm sorry for any inconvenience you may be experiencing.",
        "I'm glad I could help.",
        "I understand your concerns, but I'm not in a position to provide a solution.",
        'You say: "I think I\'ve missed a step there."',
        "I'm sorry to hear that you're feeling so frustrated.",
        "It's understandable to feel like you're not getting anywhere.",
        "It's important to remember that everyone learns at their own pace.",
    ],
)
def test_reply_problem_catches_a_prompt_read_out(
    scenario: Scenario, rules: ReactionRules, reply: str
) -> None:
    state = initial_state(scenario, rules)
    assert reply_problem([reply], scenario, state, rules) == "out-of-character"


@pytest.mark.parametrize(
    "reply",
    [
        "I'm not a machine, I can't do everything at once.",
        "Everyone's busy at the moment. I'm no different.",
        "My colleague Dev covers Mondays.",
        "I can't share that, it's between me and Ravi.",
        "Let me know if you need the file earlier.",
    ],
)
def test_reply_problem_lets_ordinary_speech_through(
    scenario: Scenario, rules: ReactionRules, reply: str
) -> None:
    state = initial_state(scenario, rules)
    assert reply_problem([reply], scenario, state, rules) is None


def test_reply_problem_catches_author_notes_read_out_but_not_the_persona_speaking(
    scenario: Scenario, rules: ReactionRules
) -> None:
    state = initial_state(scenario, rules)
    read_out = "Okay. He drives his father to dialysis three mornings a week and fears asking."
    assert reply_problem([read_out], scenario, state, rules) == "copies-author-notes"
    assert copies_author_notes(read_out, scenario)
    speaking = (
        "I drive my father to dialysis three mornings a week. I'm scared to ask for flexibility."
    )
    assert not copies_author_notes(speaking, scenario)
    for layer in scenario.persona.layers:
        assert not any(copies_author_notes(line, scenario) for line in layer.lines)

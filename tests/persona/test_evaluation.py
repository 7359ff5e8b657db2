"""`rehearse eval persona`: the product claim, checked on every shipped scenario."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from app.config import PACKAGE_DIR
from app.llm.openai_client import OpenAIChatModel
from app.persona.builtin import BuiltinPeerEngine
from app.persona.evaluation import (
    Conversation,
    count_repeats,
    eval_persona,
    load_scripts,
    real_coder,
    run_persona_eval,
    scripted_coder,
    sparkline,
    summarise,
)
from app.persona.llm_engine import LLMPeerEngine
from app.persona.rules import ReactionRules
from app.scenarios.library import load_scenario_files
from app.scenarios.schema import Scenario
from tests.llm_server import FakeLLMServer, Reply

SCENARIOS = load_scenario_files(PACKAGE_DIR / "knowledge" / "scenarios")


@pytest.fixture(scope="module")
def conversations() -> list[Conversation]:
    """Every script against every scenario, through the real move coder."""
    return run_persona_eval(SCENARIOS, load_scripts(), engine=BuiltinPeerEngine(), coder=real_coder)


def test_eval_covers_every_scenario_with_every_script(conversations: list[Conversation]) -> None:
    scripts = load_scripts()
    assert {s.id for s in SCENARIOS} <= scripts.topics.keys(), "give new scenarios a topic"
    assert len(conversations) == len(SCENARIOS) * len(scripts.scripts) >= 3


def test_eval_good_listening_reaches_the_hidden_concern_everywhere(
    conversations: list[Conversation],
) -> None:
    good = [c for c in conversations if c.script == "good_listening"]
    missed = [c.scenario for c in good if c.hidden_concern_turn is None]
    assert not missed, f"good listening never reached the hidden concern in {missed}"
    assert all(c.trust[-1] > c.trust[0] for c in good)


@pytest.mark.parametrize("script", ["lecturing", "interrogation"])
def test_eval_lecturing_and_interrogation_never_reach_it(
    conversations: list[Conversation], script: str
) -> None:
    runs = [c for c in conversations if c.script == script]
    assert runs and all(c.hidden_concern_turn is None for c in runs)
    assert all(c.trust[-1] <= c.trust[0] for c in runs)


def test_eval_replies_never_repeat_and_stay_in_character(
    conversations: list[Conversation],
) -> None:
    assert all(c.repeated_lines == 0 and c.out_of_character == 0 for c in conversations)
    missed = [(c.scenario, c.script) for c in conversations if c.expectation_met is False]
    assert not missed, missed


def test_eval_nonsense_and_off_topic_never_raise_trust(conversations: list[Conversation]) -> None:
    runs = [c for c in conversations if c.script in ("nonsense_reflecting", "off_topic")]
    assert len(runs) == 2 * len(SCENARIOS)
    gained = [(c.scenario, c.script, c.trust) for c in runs if c.trust_gained]
    assert not gained, gained
    assert summarise(conversations).nonsense_trust_gains == 0


def test_eval_hard_peers_take_longer_than_medium_and_easy(
    conversations: list[Conversation],
) -> None:
    turns = summarise(conversations).hidden_concern_turn
    assert set(turns) == {"easy", "medium", "hard"} and None not in turns.values(), turns
    assert turns["hard"] >= turns["medium"] + 1 >= turns["easy"] + 2, turns


def test_eval_builtin_replies_agree_with_the_state_and_keep_secrets(
    conversations: list[Conversation],
) -> None:
    summary = summarise(conversations)
    assert (summary.disagreements, summary.closing_leaks) == (0, 0), summary


def test_eval_scripted_labels_agree_with_the_real_coder_run(
    conversations: list[Conversation], scenario: Scenario, rules: ReactionRules
) -> None:
    scripted = run_persona_eval(
        [scenario], load_scripts(), engine=BuiltinPeerEngine(), coder=scripted_coder, rules=rules
    )
    assert len(scripted) == len(load_scripts().scripts)
    assert all(c.expectation_met is not False for c in scripted), [
        (c.script, c.trust) for c in scripted if c.expectation_met is False
    ]


def test_count_repeats_counts_sentences_said_twice(rules: ReactionRules) -> None:
    replies = ["I am fine, thanks. The tool is slow today.", "The tool is slow today! Ok."]
    assert count_repeats(replies, "Sam", rules) == 1
    exhausted = rules.exhausted.format(name="Sam")
    assert count_repeats([exhausted, exhausted], "Sam", rules) == 0


def test_sparkline_spans_low_to_high() -> None:
    assert sparkline([0.0, 0.5, 1.0]) == "▁▅█"


def test_eval_persona_command_prints_the_table_and_passes() -> None:
    app = typer.Typer()
    app.command("persona")(eval_persona)
    app.command("other")(lambda: None)  # a group, as in the real CLI
    result = CliRunner().invoke(
        app,
        ["persona", "--scenario", "missed-deadlines", "--coder", "scripted"],
        env={"COLUMNS": "160"},
    )
    assert result.exit_code == 0, result.output
    assert "good_listening" in result.output and "7/7 conversations as expected" in result.output
    assert "nonsense/off-topic runs that raised trust: 0" in result.output


def test_eval_persona_command_rejects_an_unknown_scenario() -> None:
    app = typer.Typer()
    app.command("persona")(eval_persona)
    app.command("other")(lambda: None)
    result = CliRunner().invoke(app, ["persona", "--scenario", "no-such"])
    assert result.exit_code != 0 and "no-such" in result.output


def test_eval_runs_the_llm_engine_and_counts_what_it_said(
    llm_server: FakeLLMServer, scenario: Scenario, rules: ReactionRules
) -> None:
    llm_server.default = Reply("Honestly? It has been a long month.")
    chat = OpenAIChatModel(base_url=llm_server.url, model="m", max_retries=0)
    engine = LLMPeerEngine(chat, PACKAGE_DIR / "prompts", rules)
    scripts = load_scripts()
    only_good = scripts.model_copy(
        update={"scripts": {"good_listening": scripts.scripts["good_listening"]}}
    )
    [run] = run_persona_eval(
        [scenario], only_good, engine=engine, coder=scripted_coder, rules=rules
    )
    assert run.hidden_concern_turn is not None, "the state, not the model, decides disclosure"
    assert run.replies[0] == "Honestly? It has been a long month."
    assert run.repeated_lines == 0, "the engine drops the sentence the second time"
    # From the second turn on the one sentence it knows is a repeat: dropped, leaving nothing,
    # so the engine asks once more and then says the authored lines.
    assert len(llm_server.requests) == 2 * run.learner_turns - 1
    assert all(reply != run.replies[0] for reply in run.replies[1:])
    assert run.disagreements == 0

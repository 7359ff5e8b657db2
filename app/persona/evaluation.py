"""`rehearse eval persona`: does the peer reward listening and resist lecturing?

Scripted learners (evals/persona/scripts.yaml: a good listener, a lecturer, an interrogator)
talk to every scenario's peer. For each conversation the eval reports the trust trajectory,
the turn the hidden concern came out (or never), repeated lines and out-of-character replies,
and checks each script's expectation: good listening must reach the hidden concern in every
scenario, lecturing never. A failed expectation makes the command exit non-zero.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
import yaml
from pydantic import BaseModel, ConfigDict, Field
from rich.console import Console
from rich.table import Table

from app.config import PROJECT_ROOT, get_settings
from app.conversation import TranscriptTurn
from app.errors import LLMUnavailable
from app.persona.engine import PeerEngine
from app.persona.llm_engine import carries_layer, locked_layers_mentioned
from app.persona.rules import Act, ReactionRules, default_rules
from app.persona.speech import matches_any, sentence_key, sentences_of
from app.persona.state import advance, initial_state
from app.scenarios.library import load_scenario_files
from app.scenarios.schema import Scenario, mentioned_layers
from app.scoring.moves import CodedUtterance, Move

SCRIPTS_PATH = PROJECT_ROOT / "evals" / "persona" / "scripts.yaml"
_SPARKS = "▁▂▃▄▅▆▇█"

Coder = Callable[[str, str | None, list[Move]], CodedUtterance]


class EngineKind(StrEnum):
    BUILT_IN = "built-in"
    LLM = "llm"


class CoderKind(StrEnum):
    REAL = "real"
    SCRIPTED = "scripted"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScriptTurn(Strict):
    text: str = Field(min_length=1)
    moves: list[Move] = Field(min_length=1, description="The moves the line was written to show.")


class LearnerScript(Strict):
    description: str
    expect_hidden_concern: bool | None = Field(
        default=None, description="True: must reach it in every scenario; False: must never."
    )
    expect_no_trust_gain: bool = Field(
        default=False, description="Trust must never rise above where it started."
    )
    turns: list[ScriptTurn] = Field(min_length=1)


class ScriptFile(Strict):
    default_topic: str
    topics: dict[str, str]
    scripts: dict[str, LearnerScript]

    def topic(self, scenario_id: str) -> str:
        return self.topics.get(scenario_id, self.default_topic)


class Conversation(BaseModel):
    """One scripted learner against one scenario's peer."""

    scenario: str
    script: str
    learner_turns: int
    trust: list[float] = Field(description="Trust before the first turn, then after each.")
    hidden_concern_turn: int | None
    peer_ended: bool = Field(description="The peer closed the talk before the script ran out.")
    repeated_lines: int
    out_of_character: int
    replies: list[str]
    expectation_met: bool | None
    difficulty: str = ""
    disagreements: int = Field(
        default=0, description="Turns whose recorded disclosure the reply did not carry."
    )
    leaks: int = Field(default=0, description="Replies citing a layer that was still locked.")
    closing_leaks: int = Field(
        default=0, description="Closing replies citing a layer the peer never disclosed."
    )
    trust_gained: bool = Field(default=False, description="Trust rose above where it started.")
    failed_turns: int = Field(default=0, description="Turns the engine could not answer.")


def load_scripts(path: Path = SCRIPTS_PATH) -> ScriptFile:
    return ScriptFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def scripted_coder(text: str, context: str | None, moves: list[Move]) -> CodedUtterance:
    """The labels the script was written with: measures the persona rules alone."""
    return CodedUtterance(text=text, moves=tuple(moves))


def real_coder(text: str, context: str | None, moves: list[Move]) -> CodedUtterance:
    """The coder the practice service uses: measures the whole loop, labelling included."""
    from app.scoring.coder import code_utterance  # the model loads only when asked for

    return code_utterance(text, context)


_SWAPS = {
    "i": "you",
    "i'm": "you're",
    "i've": "you've",
    "i'll": "you'll",
    "i'd": "you'd",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    "am": "are",
    "was": "were",
}


def reflect_back(reply: str) -> str:
    """A listener's reflection of the peer's last reply: its most telling sentence, turned to
    the second person ("I start late" -> "It sounds like you start late"). Scripted learners
    use it where a real listener would reflect what was just said."""
    sentences = [s for s in sentences_of(reply) if not s.startswith("(")]
    if not sentences:
        return "It sounds like there's a lot going on."
    sentence = max(sentences, key=lambda s: len(s.split()))
    words = re.findall(r"[\w'\u2019]+|[^\w\s]", sentence.rstrip(".!?…"))
    swapped = [_SWAPS.get(w.lower().replace("\u2019", "'"), w) for w in words]
    if swapped and swapped[0] not in ("I",) and swapped[0][:1].isupper():
        swapped[0] = swapped[0][0].lower() + swapped[0][1:]
    text = " ".join(swapped)
    text = re.sub(r" ([,;:!?])", r"\1", text)
    return f"It sounds like {text}."


def run_conversation(
    scenario: Scenario,
    script_name: str,
    script: LearnerScript,
    topic: str,
    *,
    engine: PeerEngine,
    coder: Coder,
    rules: ReactionRules,
) -> Conversation:
    """Play the script until it runs out or the peer ends the talk; replay is this same fold."""
    state = initial_state(scenario, rules)
    history = [TranscriptTurn(index=0, speaker="peer", text=state.last.reply[0], is_learner=False)]
    trust = [state.trust]
    replies: list[str] = []
    disagreements = leaks = closing_leaks = failed_turns = 0
    for turn in script.turns:
        text = turn.text.replace("{topic}", topic)
        if "{echo}" in text:  # a listener reflects what the peer just said
            text = reflect_back(history[-1].text)
        coded = coder(text, history[-1].text, turn.moves)
        before = state
        state = advance(state, coded, text, scenario, rules)
        try:
            reply = "".join(engine.stream_reply(scenario, state, history, text))
        except LLMUnavailable:  # as in practice: a failed turn leaves no trace in the talk
            failed_turns += 1
            state = before
            continue
        history += [
            TranscriptTurn(index=len(history), speaker="learner", text=text, is_learner=True),
            TranscriptTurn(index=len(history) + 1, speaker="peer", text=reply, is_learner=False),
        ]
        trust.append(state.trust)
        replies.append(reply)
        opened = [layer for layer in scenario.persona.layers if layer.id == state.last.new_layer]
        disagreements += any(
            not carries_layer(reply, layer.lines, rules.llm.carries_layer_at) for layer in opened
        )
        leaks += bool(locked_layers_mentioned(reply, scenario, state, rules))
        if state.last.act is Act.CLOSE:  # the scenario validator's own test, fact by fact
            known = scenario.public_text() + " " + " ".join(state.used_lines[:-1])
            cited = mentioned_layers(reply, scenario.persona, known)
            closing_leaks += any(i not in state.disclosed_layers for i in cited)
        if state.finished:
            break
    hidden = state.hidden_concern_turn
    expected = script.expect_hidden_concern
    met = None if expected is None else (hidden is not None) == expected
    if script.expect_no_trust_gain:
        met = (met is not False) and max(trust) <= trust[0] + 1e-9
    return Conversation(
        scenario=scenario.id,
        script=script_name,
        learner_turns=state.learner_turns,
        trust=trust,
        hidden_concern_turn=hidden,
        peer_ended=state.finished,
        repeated_lines=count_repeats(replies, scenario.persona.name, rules),
        out_of_character=sum(1 for reply in replies if out_of_character(reply, rules)),
        replies=replies,
        expectation_met=met,
        difficulty=scenario.difficulty,
        disagreements=disagreements,
        leaks=leaks,
        closing_leaks=closing_leaks,
        trust_gained=max(trust) > trust[0] + 1e-9,
        failed_turns=failed_turns,
    )


def out_of_character(reply: str, rules: ReactionRules) -> bool:
    """Empty, or a sentence that coaches, scores or talks as an AI."""
    return not reply.strip() or matches_any(reply, rules.llm.out_of_character_patterns)


def count_repeats(replies: list[str], name: str, rules: ReactionRules) -> int:
    """Sentences of four words or more said before in the same talk (the stage direction for
    an exhausted peer is not a line, so it does not count)."""
    exhausted = rules.exhausted.format(name=name)
    seen: set[str] = set()
    repeats = 0
    for reply in replies:
        for sentence in sentences_of(reply.replace(exhausted, "")):
            key = sentence_key(sentence)
            if len(key.split()) < 4:
                continue
            repeats += key in seen
            seen.add(key)
    return repeats


def run_persona_eval(
    scenarios: list[Scenario],
    scripts: ScriptFile,
    *,
    engine: PeerEngine,
    coder: Coder,
    rules: ReactionRules | None = None,
    only_script: str | None = None,
) -> list[Conversation]:
    rules = rules or default_rules()
    return [
        run_conversation(
            scenario,
            name,
            script,
            scripts.topic(scenario.id),
            engine=engine,
            coder=coder,
            rules=rules,
        )
        for scenario in scenarios
        for name, script in scripts.scripts.items()
        if only_script is None or name == only_script
    ]


def sparkline(values: list[float]) -> str:
    return "".join(_SPARKS[min(int(v * len(_SPARKS)), len(_SPARKS) - 1)] for v in values)


def results_table(conversations: list[Conversation]) -> Table:
    table = Table(
        "scenario", "script", "turns", "trust", "hidden concern", "repeats", "out of char", "ok"
    )
    for c in conversations:
        table.add_row(
            c.scenario,
            c.script,
            f"{c.learner_turns}{' ended' if c.peer_ended else ''}",
            f"{c.trust[0]:.2f} {sparkline(c.trust)} {c.trust[-1]:.2f}",
            f"turn {c.hidden_concern_turn}" if c.hidden_concern_turn else "never",
            str(c.repeated_lines),
            str(c.out_of_character),
            {True: "yes", False: "NO", None: "-"}[c.expectation_met],
        )
    return table


class Summary(BaseModel):
    """The figures issue 13 asks of every engine, over a whole eval run."""

    hidden_concern_turn: dict[str, float | None] = Field(
        description="Mean learner turn the hidden concern came out, for good listening, by "
        "difficulty (None: never)."
    )
    nonsense_trust_gains: int = Field(description="Nonsense or off-topic runs that gained trust.")
    disagreements: int
    leaks: int
    out_of_character: int
    closing_leaks: int
    failed_turns: int = 0


NO_GAIN_SCRIPTS = ("nonsense_reflecting", "off_topic")


def summarise(conversations: list[Conversation], listener: str = "good_listening") -> Summary:
    turns: dict[str, list[int | None]] = {}
    for c in conversations:
        if c.script == listener:
            turns.setdefault(c.difficulty, []).append(c.hidden_concern_turn)
    means = {
        level: (
            round(sum(t for t in found if t is not None) / len(found), 2)
            if (found := [t for t in values if t is not None]) and len(found) == len(values)
            else None
        )
        for level, values in sorted(turns.items())
    }
    return Summary(
        hidden_concern_turn=means,
        nonsense_trust_gains=sum(
            c.trust_gained for c in conversations if c.script in NO_GAIN_SCRIPTS
        ),
        disagreements=sum(c.disagreements for c in conversations),
        leaks=sum(c.leaks for c in conversations),
        out_of_character=sum(c.out_of_character for c in conversations),
        closing_leaks=sum(c.closing_leaks for c in conversations),
        failed_turns=sum(c.failed_turns for c in conversations),
    )


def summary_lines(summary: Summary) -> list[str]:
    by_level = ", ".join(
        f"{level} {'never' if turn is None else f'turn {turn:g}'}"
        for level, turn in summary.hidden_concern_turn.items()
    )
    return [
        f"hidden concern (good listening, mean turn): {by_level}",
        f"nonsense/off-topic runs that raised trust: {summary.nonsense_trust_gains}",
        f"state/speech disagreements: {summary.disagreements}",
        f"locked-layer leaks: {summary.leaks}",
        f"out-of-character replies: {summary.out_of_character}",
        f"closing lines citing undisclosed layers: {summary.closing_leaks}",
        f"turns the engine could not answer: {summary.failed_turns}",
    ]


def eval_persona(
    scenario: Annotated[
        str | None, typer.Option(help="Only this scenario id (default: every scenario).")
    ] = None,
    script: Annotated[
        str | None, typer.Option(help="Only this learner script, e.g. good_listening.")
    ] = None,
    engine: Annotated[
        EngineKind, typer.Option(help="llm uses the configured REHEARSE_LLM_* endpoint.")
    ] = EngineKind.BUILT_IN,
    coder: Annotated[
        CoderKind, typer.Option(help="real: the move coder; scripted: the labels in the script.")
    ] = CoderKind.REAL,
    show_replies: Annotated[bool, typer.Option(help="Print every conversation too.")] = False,
    llm: Annotated[
        bool,
        typer.Option(
            "--llm", help="Shorthand for --engine llm: the configured REHEARSE_LLM_* endpoint."
        ),
    ] = False,
) -> None:
    """Scripted learners against every scenario: trust, hidden concern, repeats, character."""
    settings = get_settings()
    if llm:
        engine = EngineKind.LLM
    scenarios = load_scenario_files(settings.knowledge_dir / "scenarios")
    if scenario is not None:
        scenarios = [s for s in scenarios if s.id == scenario]
        if not scenarios:
            raise typer.BadParameter(f"no scenario '{scenario}'", param_hint="--scenario")
    peer = _engine(engine)
    conversations = run_persona_eval(
        scenarios,
        load_scripts(),
        engine=peer,
        coder=real_coder if coder is CoderKind.REAL else scripted_coder,
        only_script=script,
    )
    console = Console()
    if show_replies:
        for c in conversations:
            console.rule(f"{c.scenario} / {c.script}")
            for i, reply in enumerate(c.replies, start=1):
                console.print(f"[dim]{i}.[/dim] {reply}")
    console.print(results_table(conversations))
    for line in summary_lines(summarise(conversations)):
        console.print(line)
    voicing = getattr(peer, "voicing", None)
    if voicing:
        console.print(
            "who worded the replies: " + ", ".join(f"{k} {v}" for k, v in sorted(voicing.items()))
        )
    failed = [c for c in conversations if c.expectation_met is False]
    console.print(
        f"persona rules v{default_rules().version}, engine {engine.value}, coder {coder.value}: "
        f"{len(conversations) - len(failed)}/{len(conversations)} conversations as expected"
    )
    if failed:
        raise typer.Exit(1)


def _engine(kind: EngineKind) -> PeerEngine:
    from app.llm.openai_client import make_chat_model
    from app.persona.builtin import BuiltinPeerEngine
    from app.persona.engines import make_peer_engine

    if kind is EngineKind.BUILT_IN:
        return BuiltinPeerEngine()
    settings = get_settings()
    chat_model = make_chat_model(settings)
    if chat_model is None:
        raise typer.BadParameter("set REHEARSE_LLM_BASE_URL to evaluate the LLM engine")
    return make_peer_engine(settings, chat_model)

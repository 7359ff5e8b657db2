"""The LLM peer: a chat model voicing the persona, held to the same state as the built-in peer.

The model never decides how much the peer trusts the learner: ``advance`` does. Each turn the
system prompt is rebuilt from the scenario and that state, showing only the layers already
earned (the background, which gives the hidden concern away, only once it is out), plus the
authored lines the built-in peer would say now as guidance. The learner's words go in the user
message inside <colleague> tags; an obvious attempt to break the role adds a reminder. The
reply is streamed in whole sentences, bounded in length, without sentences the peer already
said, and cut at the first sentence that breaks character; if nothing usable came back, the
authored lines are said instead.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterator
from pathlib import Path

from app.llm.prompts import PromptTemplate, load_prompt
from app.llm.protocol import ChatMessage, ChatModel
from app.persona.rules import ReactionRules, default_rules
from app.persona.speech import matches_any, sentences_of, speakable
from app.persona.state import PersonaState
from app.scenarios.schema import Scenario
from app.scoring.transcript import TranscriptTurn

log = logging.getLogger(__name__)


class LLMPeerEngine:
    name = "llm"

    def __init__(
        self, chat_model: ChatModel, prompts_dir: Path, rules: ReactionRules | None = None
    ) -> None:
        self._chat = chat_model
        self._rules = rules or default_rules()
        self._system = load_prompt(prompts_dir, "persona_system")
        self._reminder = load_prompt(prompts_dir, "persona_reminder")

    def stream_reply(
        self,
        scenario: Scenario,
        state: PersonaState,
        history: list[TranscriptTurn],
        learner_text: str,
    ) -> Iterator[str]:
        """Raises LLMUnavailable (from the chat model) when the endpoint fails for good."""
        messages = build_messages(
            scenario, state, history, learner_text, self._system, self._reminder, self._rules
        )
        llm = self._rules.llm
        deltas = self._chat.stream(messages, max_tokens=llm.max_tokens, temperature=llm.temperature)
        said = 0
        try:
            for sentence in speakable(
                deltas,
                name=scenario.persona.name,
                max_sentences=llm.band(state.openness).max_sentences,
                out_of_character=llm.out_of_character_patterns,
                said_before=[s for t in history if not t.is_learner for s in sentences_of(t.text)],
            ):
                yield sentence if said == 0 else " " + sentence
                said += 1
        finally:
            if isinstance(deltas, Generator):
                deltas.close()  # stop reading the model once the reply is long enough
        if said == 0:
            log.warning("LLM reply had nothing in character; saying the authored lines")
            yield " ".join(state.last.reply)


def build_messages(
    scenario: Scenario,
    state: PersonaState,
    history: list[TranscriptTurn],
    learner_text: str,
    system: PromptTemplate,
    reminder: PromptTemplate,
    rules: ReactionRules,
) -> list[ChatMessage]:
    """System prompt from the state, recent turns, then the learner's words, delimited."""
    persona = scenario.persona
    prompt = render_system_prompt(scenario, state, system, rules)
    if matches_any(learner_text, rules.llm.injection_patterns):
        prompt += "\n\n" + reminder.render(name=persona.name)
    recent = history[-rules.llm.history_turns :] if rules.llm.history_turns else []
    messages = [ChatMessage(role="system", content=prompt)]
    messages += [
        ChatMessage(role="user", content=as_colleague(turn.text))
        if turn.is_learner
        else ChatMessage(role="assistant", content=turn.text)
        for turn in recent
    ]
    messages.append(ChatMessage(role="user", content=as_colleague(learner_text)))
    return messages


def render_system_prompt(
    scenario: Scenario, state: PersonaState, system: PromptTemplate, rules: ReactionRules
) -> str:
    """Only earned layers appear; situation and beliefs only once the hidden concern is out."""
    persona = scenario.persona
    earned = [layer for layer in persona.layers if layer.id in state.disclosed_layers]
    hidden_out = state.hidden_concern_disclosed(scenario)
    band = rules.llm.band(state.openness)
    background = None
    if hidden_out:
        background = " ".join([persona.situation, *persona.beliefs])
    return system.render(
        name=persona.name,
        role=persona.role,
        emotional_state=persona.emotional_state,
        speaking_style=persona.speaking_style,
        layers=[{"summary": layer.summary, "example": layer.lines[0]} for layer in earned],
        more_to_tell=not hidden_out,
        background=background,
        band=band.name,
        max_sentences=band.max_sentences,
        reaction=state.last.reaction,
        triggers=[t.description for t in persona.triggers if t.id in state.last.triggers],
        planned=[] if state.last.reaction == "exhausted" else state.last.reply,
    )


def as_colleague(text: str) -> str:
    """The learner's words, delimited; a tag inside them cannot close the delimiter early."""
    inner = text.replace("<", "\u2039").replace(">", "\u203a")  # single angle quotes
    return f"<colleague>\n{inner}\n</colleague>"

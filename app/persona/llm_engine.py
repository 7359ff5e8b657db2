"""The LLM peer: a chat model voicing the persona, held to the same state as the built-in peer.

The model never decides how the peer feels or what it has told: ``advance`` does, and writes
stage directions for the model each turn (the act, the mood, what may be shared now, and the
authored reveal line to say in its own words). The messages are laid out for a server's prompt
cache: the fixed persona first (second person, the same every turn), then the conversation in
strict user/assistant alternation, then the short per-turn note last.

Each reply is checked before anyone hears it: a sentence out of character ends it there; then a
reply that reveals a locked layer, talks as an assistant, agrees where the act was to push
back, or only repeats what was said before is rejected. The engine asks once more and, if the
second reply fails too, says the authored lines. A layer the state opened this turn counts as
disclosed only if the reply actually carried it (close in meaning to the layer's lines); if not,
the disclosure is withdrawn from the state, so the record never says more than the peer did.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from app.conversation import TranscriptTurn
from app.llm.prompts import PromptTemplate, load_prompt
from app.llm.protocol import ChatMessage, ChatModel
from app.persona.lines import embed_text, similarities
from app.persona.rules import Act, ReactionRules, default_rules
from app.persona.speech import matches_any, sentence_key, sentences_of, speakable
from app.persona.state import PersonaState
from app.scenarios.schema import Scenario, layer_facts
from app.scoring.language import content_stems

log = logging.getLogger(__name__)

# Acts where agreeing ("That's a good idea") contradicts the state.
_NO_AGREEING = frozenset({Act.PUSH_BACK, Act.DEFLECT, Act.CORRECT, Act.CONFUSED, Act.REDIRECT})


class LLMPeerEngine:
    name = "llm"

    def __init__(
        self,
        chat_model: ChatModel,
        prompts_dir: Path,
        rules: ReactionRules | None = None,
        *,
        turn_budget_s: float | None = None,
    ) -> None:
        self._chat = chat_model
        self._rules = rules or default_rules()
        self._system = load_prompt(prompts_dir, "persona_system")
        self._turn = load_prompt(prompts_dir, "persona_turn")
        self._budget_s = turn_budget_s
        # Who worded each reply ("model", "model after a retry", "authored fallback"): the
        # persona eval reports it, since a reply the post-check replaced was not the model's.
        self.voicing: Counter[str] = Counter()

    def stream_reply(
        self,
        scenario: Scenario,
        state: PersonaState,
        history: list[TranscriptTurn],
        learner_text: str,
    ) -> Iterator[str]:
        """The checked reply, sentence by sentence. Raises LLMUnavailable when the endpoint
        fails for good. May withdraw this turn's disclosure from ``state`` (see module doc)."""
        if state.last.act is Act.FINISHED:
            yield " ".join(state.last.reply)  # a finished peer stays finished: no model call
            return
        messages = build_messages(scenario, state, history, learner_text, self, self._rules)
        said_before = [s for t in history if not t.is_learner for s in sentences_of(t.text)]
        reply: list[str] = []
        for attempt in range(2):
            reply = self._generate(scenario, state, messages, said_before)
            problem = reply_problem(reply, scenario, state, self._rules)
            if problem is None:
                self.voicing["model" if attempt == 0 else "model after a retry"] += 1
                break
            log.warning("LLM reply rejected (%s), attempt %d", problem, attempt + 1)
            self.voicing[f"rejected: {problem.split(':')[0]}"] += 1
            reply = []
        if not reply:
            self.voicing["authored fallback"] += 1
            reply = list(state.last.reply)
        settle_disclosure(state, " ".join(reply), scenario, self._rules)
        for i, sentence in enumerate(reply):
            yield sentence if i == 0 else " " + sentence

    def _generate(
        self,
        scenario: Scenario,
        state: PersonaState,
        messages: list[ChatMessage],
        said_before: list[str],
    ) -> list[str]:
        llm = self._rules.llm
        band = llm.band(state.openness)
        deltas = self._chat.stream(
            messages,
            max_tokens=band.max_tokens,
            temperature=llm.temperature,
            stop=llm.stop,
            budget_s=self._budget_s,
        )
        try:
            return list(
                speakable(
                    deltas,
                    name=scenario.persona.name,
                    max_sentences=band.max_sentences,
                    out_of_character=llm.out_of_character_patterns,
                    said_before=said_before,
                )
            )
        finally:
            close = getattr(deltas, "close", None)
            if close is not None:
                close()  # stop reading the model once the reply is long enough


def reply_problem(
    reply: list[str], scenario: Scenario, state: PersonaState, rules: ReactionRules
) -> str | None:
    """Why a reply cannot be said, or None. Each reason is an id, not prose."""
    if not reply:
        return "empty-or-out-of-character"
    text = " ".join(reply)
    if matches_any(text, rules.llm.out_of_character_patterns):
        return "out-of-character"
    if copies_author_notes(text, scenario):
        return "copies-author-notes"
    if state.last.act in _NO_AGREEING and matches_any(text, rules.llm.agreeing_patterns):
        return "agrees-against-act"
    leaked = locked_layers_mentioned(text, scenario, state, rules)
    if leaked:
        return f"reveals-locked-layer:{leaked[0]}"
    return None


NOTE_RUN = 6  # this many words in a row, found only in an author note, is reading it out
# ...when the run speaks of the persona from outside: a first-person paraphrase of a note's
# facts is the persona talking, "he agreed to be agreeable" is the note read out.
_THIRD_PERSON = frozenset({"he", "she", "his", "her", "him", "hers", "himself", "herself"})


def copies_author_notes(text: str, scenario: Scenario) -> bool:
    """Whether the reply reads out the scenario's third-person notes (layer summaries, the
    persona's feelings and style) rather than speaking: the 1.5B model said "he agreed to be
    agreeable. What he actually wants is..." straight from a summary. A run of words that the
    authored spoken lines also contain is the persona's own wording, not a note, and so is a
    run with no third-person word for the persona in it."""
    persona = scenario.persona
    notes = [layer.summary for layer in persona.layers]
    notes += [persona.emotional_state, persona.speaking_style, scenario.summary]
    spoken = [line for layer in persona.layers for line in layer.lines]
    spoken += [line for pool in persona.reactions.model_dump().values() for line in pool]
    spoken.append(persona.opening_line)
    narrated = {*_THIRD_PERSON, *sentence_key(persona.name).split()}
    note_only = {run for run in _runs(notes) - _runs(spoken) if narrated & set(run)}
    return bool(_runs([text]) & note_only)


def _runs(texts: list[str]) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for text in texts:
        words = sentence_key(text).split()
        found.update(tuple(words[i : i + NOTE_RUN]) for i in range(len(words) - NOTE_RUN + 1))
    return found


def locked_layers_mentioned(
    text: str, scenario: Scenario, state: PersonaState, rules: ReactionRules | None = None
) -> list[str]:
    """Layers not yet open (this turn's opening counts as open) that the text reveals: it is
    close in meaning to one of the layer's lines, or it cites two or more of the layer's facts.
    One shared word is not enough: "Take time off?" does not reveal a layer whose summary says
    the peer has taken no leave, and the authored lines are full of such words."""
    rules = rules or default_rules()
    persona = scenario.persona
    open_ids = set(state.disclosed_layers)
    known = " ".join(
        [
            scenario.public_text(),
            *(layer.summary for layer in persona.layers if layer.id in open_ids),
            *(line for layer in persona.layers if layer.id in open_ids for line in layer.lines),
        ]
    )
    said = content_stems(text)
    by_facts = {
        layer.id
        for layer in persona.layers
        if layer.id not in open_ids and len(said & layer_facts(layer, known)) >= _FACTS_TO_REVEAL
    }
    by_meaning = {
        layer_id
        for sentence in sentences_of(text) or [text]
        if (layer_id := _closest_layer(sentence, scenario, rules.llm.carries_layer_at))
        and layer_id not in open_ids
    }
    return [layer.id for layer in persona.layers if layer.id in by_facts | by_meaning]


_FACTS_TO_REVEAL = 2


def _closest_layer(sentence: str, scenario: Scenario, threshold: float) -> str | None:
    """The layer whose lines ``sentence`` is closest to, if at least ``threshold`` close.
    Closest, not merely close: a scenario's layers talk about the same situation, so a line of
    an open layer is often close to a locked one too."""
    layers = [layer for layer in scenario.persona.layers if layer.lines]
    lines = [line for layer in layers for line in layer.lines]
    owners = [layer.id for layer in layers for _ in layer.lines]
    scores = similarities(embed_text(sentence), lines)
    best = int(scores.argmax())
    return owners[best] if float(scores[best]) >= threshold else None


def carries_layer(
    text: str, layer_lines: list[str], threshold: float, *, verbatim: bool = True
) -> bool:
    """The reply says what the layer discloses: its reveal line verbatim, or a sentence close
    in meaning to one of its lines."""
    if verbatim and any(sentence_key(line) in sentence_key(text) for line in layer_lines[:1]):
        return True
    sentences = sentences_of(text) or [text]
    return any(
        float(similarities(embed_text(s), layer_lines).max()) >= threshold for s in sentences
    )


def settle_disclosure(
    state: PersonaState, reply: str, scenario: Scenario, rules: ReactionRules
) -> None:
    """Withdraw this turn's new layer from ``state`` when the reply did not carry it."""
    opened = state.last.new_layer
    if opened is None:
        return
    layer = next(layer for layer in scenario.persona.layers if layer.id == opened)
    if carries_layer(reply, layer.lines, rules.llm.carries_layer_at):
        return
    log.info("LLM reply did not carry layer %s; not counted as disclosed", opened)
    state.disclosed_layers = [i for i in state.disclosed_layers if i != opened]
    if opened == scenario.persona.hidden_concern.id:
        state.hidden_concern_turn = None
    state.last.new_layer = None


def build_messages(
    scenario: Scenario,
    state: PersonaState,
    history: list[TranscriptTurn],
    learner_text: str,
    engine: LLMPeerEngine,
    rules: ReactionRules,
) -> list[ChatMessage]:
    """Fixed persona, then the conversation, then the learner's words with this turn's note."""
    persona = scenario.persona
    system = engine._system.render(
        name=persona.name,
        role=persona.role,
        emotional_state=persona.emotional_state,
        speaking_style=persona.speaking_style,
        surface=persona.layers[0].summary,
    )
    recent = history[-rules.llm.history_turns :] if rules.llm.history_turns else []
    messages = [ChatMessage(role="system", content=system)]
    messages += [
        ChatMessage(role="user", content=as_colleague(turn.text))
        if turn.is_learner
        else ChatMessage(role="assistant", content=turn.text)
        for turn in recent
    ]
    note = render_turn_note(scenario, state, learner_text, engine._turn, rules)
    messages.append(ChatMessage(role="user", content=f"{as_colleague(learner_text)}\n\n{note}"))
    return messages


def render_turn_note(
    scenario: Scenario,
    state: PersonaState,
    learner_text: str,
    turn: PromptTemplate,
    rules: ReactionRules,
) -> str:
    persona = scenario.persona
    opened = state.last.new_layer
    shared = [
        layer.summary
        for layer in persona.layers
        if layer.id in state.disclosed_layers and layer.id != opened
    ]
    reveal = next(
        (line for line in state.last.reply if opened and _in_layer(line, scenario, opened)), None
    )
    return turn.render(
        act=(state.last.act or Act.ANSWER).value,
        band=rules.llm.band(state.openness).name,
        max_sentences=rules.llm.band(state.openness).max_sentences,
        shared=_second_person(shared),
        reveal=reveal,
        planned=state.last.reply,
        triggers=[t.description for t in persona.triggers if t.id in state.last.triggers],
        reminder=matches_any(learner_text, rules.llm.injection_patterns),
    )


def _in_layer(line: str, scenario: Scenario, layer_id: str) -> bool:
    return any(line in layer.lines for layer in scenario.persona.layers if layer.id == layer_id)


def _second_person(summaries: list[str]) -> list[str]:
    """Layer summaries are author notes ("Says he is fine"); the model copies third-person
    wording, so they go in as "You have said: ..."."""
    return [f"You have said: {s[0].lower()}{s[1:]}" for s in summaries if s]


def as_colleague(text: str) -> str:
    """The learner's words, delimited; a tag inside them cannot close the delimiter early."""
    inner = text.replace("<", "\u2039").replace(">", "\u203a")  # single angle quotes
    return f"<colleague>\n{inner}\n</colleague>"

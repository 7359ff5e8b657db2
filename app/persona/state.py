"""The peer's state in one practice session, and the one rule that moves it: ``advance``.

``advance`` is a pure step (old state + one coded learner turn -> new state), so a session can
be saved after every turn as ``state.model_dump(mode="json")``, survive a restart, and be
replayed by folding ``advance`` over the learner's turns. It also decides the built-in
engine's reply (``state.last.reply``): choosing the lines inside the step means the lines used
are saved with the state that the practice service stores, and a replay says the same lines.
The LLM engine reads the same state and uses the chosen lines only as guidance.

All numbers and the order of reactions come from the shared rules file; all words come from
the scenario. Nothing here knows any scenario.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, Field

from app.persona.lines import best_line, embed_text, similarities
from app.persona.rules import (
    Act,
    Condition,
    Level,
    ReactionRules,
    ReplyRule,
    Verdict,
    default_rules,
)
from app.persona.speech import matches_any, sentences_of
from app.scenarios.schema import DisclosureLayer, Persona, Scenario, Trigger
from app.scoring.language import content_stems
from app.scoring.moves import CodedUtterance, Move, asked_for
from app.scoring.relevance import (
    PARTLY,
    RELATED,
    Relevance,
    adds_nothing_unheard,
    names_what_was_said,
    relevance,
)


class TurnOutcome(BaseModel):
    """What the last learner turn did, kept so an engine (and a reader of the log) can see why."""

    moves: list[Move] = Field(default_factory=list)
    triggers: list[str] = Field(default_factory=list, description="Trigger ids fired this turn.")
    followed_up: list[str] = Field(
        default_factory=list, description="Layer ids whose spoken lines the learner picked up."
    )
    reaction: str = Field(
        default="start", description="Id of the reply rule that fired ('start' before any)."
    )
    act: Act | None = Field(default=None, description="What the reply does (None at the start).")
    relevance: Verdict | None = Field(
        default=None, description="How a reflection related to what the peer said; None if none."
    )
    relevance_score: float | None = None
    off_topic: bool = False
    new_layer: str | None = Field(
        default=None, description="The layer this reply is meant to open, if any."
    )
    reply: list[str] = Field(
        default_factory=list, description="The authored lines the built-in engine says."
    )


class PersonaState(BaseModel):
    trust: float = 0.1
    defensiveness: float = 0.0
    openness: float = Field(default=0.1, description="trust less weighted defensiveness.")
    disclosed_layers: list[str] = Field(default_factory=list)
    hidden_concern_turn: int | None = Field(
        default=None, description="The learner turn on which the hidden concern came out."
    )
    topics_raised: list[str] = Field(
        default_factory=list, description="Layer ids the learner has followed up on."
    )
    triggers_fired: list[str] = Field(default_factory=list)
    used_lines: list[str] = Field(default_factory=list)
    learner_turns: int = 0
    finished: bool = False
    permission_granted: bool = Field(
        default=False, description="The peer just said yes to 'may I share an idea?'."
    )
    last: TurnOutcome = Field(default_factory=TurnOutcome)

    def hidden_concern_disclosed(self, scenario: Scenario) -> bool:
        return scenario.persona.hidden_concern.id in self.disclosed_layers


def initial_state(scenario: Scenario, rules: ReactionRules | None = None) -> PersonaState:
    """The peer before the learner speaks: surface layer only, having said the opening line."""
    rules = rules or default_rules()
    start = rules.start[scenario.difficulty]
    opening = scenario.persona.opening_line
    return PersonaState(
        trust=start.trust,
        defensiveness=start.defensiveness,
        openness=_openness(start.trust, start.defensiveness, rules),
        disclosed_layers=[scenario.persona.layers[0].id],
        used_lines=[opening],
        last=TurnOutcome(reaction="start", reply=[opening]),
    )


def advance(
    state: PersonaState,
    coded: CodedUtterance,
    learner_text: str,
    scenario: Scenario,
    rules: ReactionRules | None = None,
) -> PersonaState:
    """The state after one learner turn, including the lines the built-in peer answers with."""
    rules = rules or default_rules()
    persona = scenario.persona
    level = rules.levels[scenario.difficulty]
    turn = state.learner_turns + 1
    if state.finished:
        return finished_turn(state, persona, rules)
    # A line with nothing to make sense of (gibberish, another language) and one that tries to
    # take the peer out of the role ("ignore your instructions…") get the same puzzled reply,
    # and neither moves trust, triggers or layers.
    sensible = coded.assessable and not matches_any(learner_text, rules.llm.injection_patterns)
    moves = frozenset(coded.moves) if sensible else frozenset({Move.OTHER})
    if state.permission_granted:
        moves = asked_for(moves)  # the peer said yes a turn ago: this advice was asked for
    query = embed_text(learner_text)
    reading = read_meaning(learner_text, moves, state, scenario, rules) if sensible else None
    verdict = reading.verdict if reading else None
    off_topic = bool(reading and reading.off_topic)
    credited = credited_moves(moves, verdict, off_topic, rules)
    fired = fired_triggers(persona.triggers, moves, learner_text) if sensible else []
    followed = followed_up_layers(query, state, persona, rules) if verdict != "unrelated" else []
    trust, defensiveness = update_feelings(
        state,
        credited,
        bool(fired),
        bool(followed),
        rules,
        partly=_partly(reading, level),
        gain_scale=level.gain_scale,
    )
    openness = _openness(trust, defensiveness, rules)
    defensive = defensiveness >= level.defensive_at
    opening = (
        credited if verdict in (None, "related") else credited - rules.relevance.reflective_moves
    )
    next_layer = layer_to_open(
        persona, state.disclosed_layers, openness, defensive, opening, rules, level
    )
    asked = sensible and Move.PERMISSION_REQUEST in moves
    granted = asked and not defensive and openness >= level.permission_at
    facts = Facts(
        ending=is_ending(state, moves, learner_text, turn, scenario, rules),
        hidden_concern_disclosed=state.hidden_concern_disclosed(scenario),
        triggered=bool(fired),
        defensive=defensive,
        new_layer=next_layer is not None,
        moves=moves,
        openness=openness,
        assessable=sensible,
        relevance=verdict,
        off_topic=off_topic,
        permission_asked=asked,
        permission_granted=granted,
    )
    pools = reply_pools(persona, state.disclosed_layers, next_layer, fired)
    rule, said = compose_reply(facts, pools, set(state.used_lines), query, rules)
    lines = [line for _, line in said]
    disclosed = list(state.disclosed_layers)
    opened = next_layer if next_layer and any(pool == "new_layer" for pool, _ in said) else None
    if opened is not None:
        disclosed.append(opened.id)
    hidden_now = state.hidden_concern_turn is None and persona.hidden_concern.id in disclosed
    return PersonaState(
        trust=round(trust, 4),
        defensiveness=round(defensiveness, 4),
        openness=round(openness, 4),
        disclosed_layers=disclosed,
        hidden_concern_turn=turn if hidden_now else state.hidden_concern_turn,
        topics_raised=_union(state.topics_raised, followed),
        triggers_fired=_union(state.triggers_fired, [t.id for t in fired]),
        used_lines=state.used_lines + lines,
        learner_turns=turn,
        finished=facts.ending or rule is None,
        permission_granted=granted and rule is not None and rule.act is Act.ANSWER_PERMISSION,
        last=TurnOutcome(
            moves=sorted(moves),
            triggers=[t.id for t in fired],
            followed_up=followed,
            reaction=rule.id if rule else "exhausted",
            act=rule.act if rule else Act.FINISHED,
            relevance=verdict,
            relevance_score=reading.score if reading else None,
            off_topic=off_topic,
            new_layer=opened.id if opened else None,
            reply=lines or [rules.exhausted.format(name=persona.name)],
        ),
    )


def finished_turn(state: PersonaState, persona: Persona, rules: ReactionRules) -> PersonaState:
    """A peer that has closed stays closed: no new line, no change of heart, only the note."""
    return state.model_copy(
        update={
            "learner_turns": state.learner_turns + 1,
            "permission_granted": False,
            "last": TurnOutcome(
                reaction="finished",
                act=Act.FINISHED,
                reply=[rules.exhausted.format(name=persona.name)],
            ),
        }
    )


@dataclass(frozen=True)
class MeaningRead:
    """How a learner line relates to the talk: a reflection's verdict, or off topic.

    ``on_topic`` says whether most of the specific words the line uses occur in the talk or
    the scenario: the evidence a partly right reflection needs before it earns anything.
    """

    verdict: Verdict | None  # None: not a reflection
    score: float
    off_topic: bool
    on_topic: bool = True


def peer_material(state: PersonaState, scenario: Scenario) -> tuple[list[str], list[str]]:
    """What the peer has said (recent lines, oldest first) and the summaries of disclosed layers."""
    persona = scenario.persona
    # Only lines that say something about the peer's situation: "Sorry, you've lost me"
    # says nothing a reflection could reflect, and would crowd out the lines that do.
    content = {persona.opening_line, *(line for layer in persona.layers for line in layer.lines)}
    spoken = [line for line in state.used_lines if line in content]
    summaries = [layer.summary for layer in persona.layers if layer.id in state.disclosed_layers]
    return spoken, summaries


def read_meaning(
    text: str,
    moves: frozenset[Move],
    state: PersonaState,
    scenario: Scenario,
    rules: ReactionRules,
) -> MeaningRead:
    """Relate the line to the peer's recent lines and disclosed layers (one shared check).

    A reflection gets a verdict; any other line not covered by a reaction of its own is off
    topic when most of the things it names appear nowhere in the talk or the scenario's brief
    and its meaning is far from both. ("What's your favourite pizza topping?" shares a word
    with some scenarios and scores just above PARTLY on MiniLM, so one shared word or a PARTLY
    score is not enough; "How are things going with the new role?" shares no word with the
    overwhelmed new manager's brief but scores 0.46 against its title, above
    ``off_topic_below``.)
    """
    spoken, summaries = peer_material(state, scenario)
    known = content_stems(" ".join([scenario.public_text(), *spoken, *summaries]))
    on_topic = _known_share(text, known, rules) >= rules.relevance.on_topic_share
    reflecting = bool(moves & rules.relevance.reflective_moves)
    if reflecting:
        # The peer's own recent lines, not the layer summaries: those are third-person author
        # notes whose wording ("reporting", "busy") any guess about the job would share.
        read = relevance(text, spoken)
        verdict = read.verdict
        if verdict is Relevance.PARTLY and not names_what_was_said(text, spoken):
            verdict = Relevance.UNRELATED  # the scorer reads the line the same way
        elif (
            verdict is Relevance.PARTLY
            and read.score >= rules.relevance.heard_from
            and adds_nothing_unheard(text, spoken)
        ):
            verdict = Relevance.RELATED  # a reflection of feeling, not a wrong fact
        return MeaningRead(verdict.value, read.score, off_topic=False, on_topic=on_topic)
    if moves & rules.relevance.off_topic_exempt_moves or on_topic:
        return MeaningRead(None, 0.0, off_topic=False)  # "What was that like?" is about the talk
    # Sentence by sentence ("Thanks for the time." dilutes "How is the new role going?"), and
    # the brief piece by piece: joined into one text, its embedding is too diluted to match.
    brief = [scenario.title, scenario.summary, scenario.persona.role, scenario.persona.opening_line]
    scores = [
        max(relevance(sentence, spoken).score, relevance(sentence, brief).score)
        for sentence in sentences_of(text) or [text]
        if _known_share(sentence, known, rules) < rules.relevance.on_topic_share
        # "Is it done?" names nothing: one stray word is not a new topic
        and len(content_stems(sentence) - _generic_stems(rules) - known) >= 2
    ]
    score = max(scores, default=1.0)
    return MeaningRead(
        None, score, off_topic=score < rules.relevance.off_topic_below, on_topic=False
    )


def _known_share(text: str, known: set[str], rules: ReactionRules) -> float:
    """The share of the specific words of ``text`` found in ``known`` (1.0 with none)."""
    topic_words = content_stems(text) - _generic_stems(rules)
    return len(topic_words & known) / len(topic_words) if topic_words else 1.0


def _generic_stems(rules: ReactionRules) -> set[str]:
    return content_stems(" ".join(rules.relevance.generic_words))


def credited_moves(
    moves: frozenset[Move], verdict: Verdict | None, off_topic: bool, rules: ReactionRules
) -> frozenset[Move]:
    """The moves that earn their effect: an unrelated reflection and an off-topic line earn
    nothing (they keep only their costs)."""
    if off_topic:
        return frozenset(m for m in moves if rules.moves[m].trust < 0) or frozenset({Move.OTHER})
    if verdict == "unrelated":
        kept = moves - rules.relevance.reflective_moves
        return kept or frozenset({Move.OTHER})
    return moves


def _partly(reading: MeaningRead | None, level: Level) -> float:
    """The share of a reflection's effect it earns: all when related; when partly, the level's
    credit scaled by how far into the band it reaches, so a line that barely touches what was
    said (a made-up reflection often scores just above PARTLY) earns next to nothing. A partly
    reflection whose words are mostly foreign to the talk earns nothing at all: on MiniLM,
    "It sounds like the weather owes you a sandwich" can score well inside the PARTLY band."""
    if reading is None or reading.verdict != Relevance.PARTLY.value:
        return 1.0
    if not reading.on_topic:
        return 0.0
    reach = (reading.score - PARTLY) / (RELATED - PARTLY)
    return level.partly_credit * min(1.0, max(0.0, reach))


def fired_triggers(triggers: list[Trigger], moves: frozenset[Move], text: str) -> list[Trigger]:
    """Triggers set off by a keyword first (the more specific cue), then by a coded move."""
    said = _normalise(text)
    by_keyword = [t for t in triggers if any(says(said, k) for k in t.keywords)]
    by_move = [t for t in triggers if t not in by_keyword and any(m in moves for m in t.moves)]
    return by_keyword + by_move


def followed_up_layers(
    query: np.ndarray, state: PersonaState, persona: Persona, rules: ReactionRules
) -> list[str]:
    """Disclosed layers one of whose spoken lines the learner's words closely echo."""
    spoken = set(state.used_lines)
    followed = []
    for layer in persona.layers:
        said = [line for line in layer.lines if line in spoken]
        if said and float(similarities(query, said).max()) >= rules.follow_up.similarity:
            followed.append(layer.id)
    return followed


def update_feelings(
    state: PersonaState,
    moves: frozenset[Move],
    triggered: bool,
    followed_up: bool,
    rules: ReactionRules,
    *,
    partly: float = 1.0,
    gain_scale: float = 1.0,
) -> tuple[float, float]:
    """New (trust, defensiveness): gains are capped and damped by defensiveness, losses are not.

    ``partly`` scales what the reflective moves earn, for a reflection that is partly right;
    ``gain_scale`` (the difficulty level's) scales every gain after the cap.
    """
    reflective = rules.relevance.reflective_moves
    effects = [
        rules.moves[move].model_copy(
            update={
                "trust": rules.moves[move].trust * partly,
                "defensiveness": rules.moves[move].defensiveness * partly,
            }
        )
        if move in reflective and rules.moves[move].trust > 0
        else rules.moves[move]
        for move in sorted(moves)
    ]
    gain = sum(e.trust for e in effects if e.trust > 0)
    if followed_up and moves & rules.disclosure.opening_moves:
        gain += rules.follow_up.bonus
    gain = min(gain, rules.per_turn.max_trust_gain)
    gain *= (1 - rules.per_turn.defensiveness_drag * state.defensiveness) * gain_scale
    loss = sum(e.trust for e in effects if e.trust < 0)
    change = sum(e.defensiveness for e in effects)
    if triggered:
        loss += rules.trigger.trust
        change += rules.trigger.defensiveness
    if change <= 0:
        change -= rules.per_turn.calm_down
    return _clamp(state.trust + gain + loss), _clamp(state.defensiveness + change)


def layer_to_open(
    persona: Persona,
    disclosed: list[str],
    openness: float,
    defensive: bool,
    moves: frozenset[Move],
    rules: ReactionRules,
    level: Level,
) -> DisclosureLayer | None:
    """The next layer, if this turn earned it: one layer per turn, never while defensive."""
    if defensive or not moves & rules.disclosure.opening_moves:
        return None
    closed = [layer for layer in persona.layers if layer.id not in disclosed]
    if closed and openness >= min(0.95, closed[0].trust_required * level.layer_scale):
        return closed[0]
    return None


def is_ending(
    state: PersonaState,
    moves: frozenset[Move],
    text: str,
    turn: int,
    scenario: Scenario,
    rules: ReactionRules,
) -> bool:
    """The talk is done: out of turns, the learner says goodbye, or it has run its course."""
    finish = rules.finish
    said = _normalise(text)
    if turn >= scenario.max_turns or any(says(said, k) for k in finish.farewell_keywords):
        return True
    if state.hidden_concern_turn is None:
        return False
    return bool(moves & finish.on_moves_after_hidden_concern) or (
        turn - state.hidden_concern_turn >= finish.turns_after_hidden_concern
    )


@dataclass(frozen=True)
class Facts:
    """What the reply rules' conditions are checked against."""

    ending: bool
    hidden_concern_disclosed: bool
    triggered: bool
    defensive: bool
    new_layer: bool
    moves: frozenset[Move]
    openness: float
    assessable: bool = True
    relevance: Verdict | None = None
    off_topic: bool = False
    permission_asked: bool = False
    permission_granted: bool = False


def holds(condition: Condition, facts: Facts) -> bool:
    flags = (
        "ending",
        "hidden_concern_disclosed",
        "triggered",
        "defensive",
        "new_layer",
        "assessable",
        "relevance",
        "off_topic",
        "permission_asked",
        "permission_granted",
    )
    for flag in flags:
        wanted = getattr(condition, flag)
        if wanted is not None and wanted != getattr(facts, flag):
            return False
    if condition.moves_any is not None and not condition.moves_any & facts.moves:
        return False
    return condition.openness_at_least is None or facts.openness >= condition.openness_at_least


Tiers = list[list[str]]


def reply_pools(
    persona: Persona,
    disclosed: list[str],
    next_layer: DisclosureLayer | None,
    fired: list[Trigger],
) -> dict[str, Tiers]:
    """Each pool as tiers: a line is taken from the first tier that still has an unused one."""
    reactions = persona.reactions
    spoken_layers = [layer for layer in persona.layers if layer.id in disclosed]
    return {
        "feels_heard": [reactions.feels_heard],
        "guarded": [reactions.guarded],
        "pushback_on_advice": [reactions.pushback_on_advice],
        "closing": [reactions.closing],
        "closing_early": [reactions.closing_early],
        "correct": [reactions.correct],
        "confused": [reactions.confused],
        "redirect": [reactions.redirect],
        "permission_yes": [reactions.permission_yes],
        "permission_no": [reactions.permission_no],
        "trigger": [trigger.lines for trigger in fired],
        "new_layer": [next_layer.lines] if next_layer else [],
        "current_layer": [layer.lines for layer in reversed(spoken_layers)],
    }


def compose_reply(
    facts: Facts,
    pools: dict[str, Tiers],
    used: set[str],
    query: np.ndarray,
    rules: ReactionRules,
) -> tuple[ReplyRule | None, list[tuple[str, str]]]:
    """The first rule that holds and can be said with unused lines, and its (pool, line) pairs."""
    for rule in rules.replies:
        if not holds(rule.when, facts):
            continue
        said = _say(rule, pools, used, query, rules)
        if said is not None:
            return rule, said
    return None, []


def _say(
    rule: ReplyRule,
    pools: dict[str, Tiers],
    used: set[str],
    query: np.ndarray,
    rules: ReactionRules,
) -> list[tuple[str, str]] | None:
    taken = set(used)
    said: list[tuple[str, str]] = []
    for part in rule.say:
        line = _pick(pools[part.pool], taken, query, ordered=part.pool in rules.ordered_pools)
        if line is None:
            if part.optional:
                continue
            return None
        taken.add(line)
        said.append((part.pool, line))
    return said


def _pick(tiers: Tiers, used: set[str], query: np.ndarray, *, ordered: bool) -> str | None:
    for tier in tiers:
        fresh = [line for line in tier if line not in used]
        if fresh:
            return fresh[0] if ordered else best_line(query, fresh)
    return None


def _openness(trust: float, defensiveness: float, rules: ReactionRules) -> float:
    return _clamp(trust - rules.disclosure.defensiveness_weight * defensiveness)


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def _normalise(text: str) -> str:
    """Lower case with typographic apostrophes (U+2019) made plain, so either spelling matches."""
    return " ".join(text.lower().replace("\u2019", "'").split())


def says(normalised_text: str, phrase: str) -> bool:
    """Whole-word phrase match: the keyword "mean" must not fire on "meaning" or "meant"."""
    pattern = rf"(?<!\w){re.escape(_normalise(phrase))}(?!\w)"
    return re.search(pattern, normalised_text) is not None


def _union(first: list[str], more: list[str]) -> list[str]:
    return first + [item for item in more if item not in first]

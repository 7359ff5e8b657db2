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
from app.persona.rules import Condition, ReactionRules, ReplyRule, default_rules
from app.scenarios.schema import DisclosureLayer, Persona, Scenario, Trigger
from app.scoring.moves import CodedUtterance, Move


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
    turn = state.learner_turns + 1
    moves = frozenset(coded.moves)
    query = embed_text(learner_text)
    fired = fired_triggers(persona.triggers, moves, learner_text)
    followed = followed_up_layers(query, state, persona, rules)
    trust, defensiveness = update_feelings(state, moves, bool(fired), bool(followed), rules)
    openness = _openness(trust, defensiveness, rules)
    disclosed_before = state.disclosed_layers
    next_layer = layer_to_open(persona, disclosed_before, openness, defensiveness, moves, rules)
    facts = Facts(
        ending=state.finished or is_ending(state, moves, learner_text, turn, scenario, rules),
        hidden_concern_disclosed=state.hidden_concern_disclosed(scenario),
        triggered=bool(fired),
        defensive=defensiveness >= rules.disclosure.defensive_at,
        new_layer=next_layer is not None,
        moves=moves,
        openness=openness,
    )
    pools = reply_pools(persona, state.disclosed_layers, next_layer, fired)
    rule, said = compose_reply(facts, pools, set(state.used_lines), query, rules)
    lines = [line for _, line in said]
    disclosed = list(state.disclosed_layers)
    if next_layer is not None and any(pool == "new_layer" for pool, _ in said):
        disclosed.append(next_layer.id)
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
        last=TurnOutcome(
            moves=sorted(moves),
            triggers=[t.id for t in fired],
            followed_up=followed,
            reaction=rule.id if rule else "exhausted",
            reply=lines or [rules.exhausted.format(name=persona.name)],
        ),
    )


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
) -> tuple[float, float]:
    """New (trust, defensiveness): gains are capped and damped by defensiveness, losses are not."""
    effects = [rules.moves[move] for move in sorted(moves)]
    gain = sum(e.trust for e in effects if e.trust > 0)
    if followed_up and moves & rules.disclosure.opening_moves:
        gain += rules.follow_up.bonus
    gain = min(gain, rules.per_turn.max_trust_gain)
    gain *= 1 - rules.per_turn.defensiveness_drag * state.defensiveness
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
    defensiveness: float,
    moves: frozenset[Move],
    rules: ReactionRules,
) -> DisclosureLayer | None:
    """The next layer, if this turn earned it: one layer per turn, never while defensive."""
    if defensiveness >= rules.disclosure.defensive_at or not moves & rules.disclosure.opening_moves:
        return None
    closed = [layer for layer in persona.layers if layer.id not in disclosed]
    if closed and openness >= closed[0].trust_required:
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


def holds(condition: Condition, facts: Facts) -> bool:
    flags = ("ending", "hidden_concern_disclosed", "triggered", "defensive", "new_layer")
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

"""The shared reaction rules (app/knowledge/persona_rules.yaml) as validated, typed data.

The numbers that decide how a peer reacts live in one YAML file so trainers can tune them and
the eval can measure the effect, without touching code. Every section is validated at load with
``extra="forbid"``: a misspelt key, an unknown move or pool is an error naming the file.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app.config import get_settings
from app.retrieval.cards import CardSkill
from app.scenarios.schema import Difficulty
from app.scoring.moves import Move

RULES_FILE = "persona_rules.yaml"  # in the knowledge folder (settings.knowledge_dir)

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
Delta = Annotated[float, Field(ge=-1.0, le=1.0)]
Pool = Literal[
    "feels_heard",
    "guarded",
    "pushback_on_advice",
    "closing",
    "trigger",
    "new_layer",
    "current_layer",
    "closing_early",
    "correct",
    "confused",
    "redirect",
    "permission_yes",
    "permission_no",
]


class Act(StrEnum):
    """What a reply does, whichever engine voices it; the LLM engine is told the act."""

    AGREE = "agree"
    CORRECT = "correct"
    CONFUSED = "confused"
    REDIRECT = "redirect"
    DEFLECT = "deflect"
    PUSH_BACK = "push_back"
    DISCLOSE = "disclose"
    ANSWER = "answer"
    ANSWER_PERMISSION = "answer_permission"
    CLOSE = "close"
    FINISHED = "finished"  # the peer has closed: a stage direction, never a new line


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RulesFileError(ValueError):
    """The rules file cannot be loaded; the message names the file and the field."""


class Effect(Strict):
    trust: Delta
    defensiveness: Delta


class Start(Strict):
    trust: Unit
    defensiveness: Unit


class PerTurn(Strict):
    max_trust_gain: Unit
    defensiveness_drag: Unit
    calm_down: Unit


class FollowUp(Strict):
    similarity: Unit
    bonus: Unit


class Disclosure(Strict):
    defensiveness_weight: Unit
    defensive_at: Unit
    opening_moves: frozenset[Move] = Field(min_length=1)


class Finish(Strict):
    on_moves_after_hidden_concern: frozenset[Move]
    turns_after_hidden_concern: int = Field(ge=1)
    farewell_keywords: tuple[str, ...]


Verdict = Literal["related", "partly", "unrelated"]


class Condition(Strict):
    """All set fields must hold; an empty condition always holds."""

    ending: bool | None = None
    assessable: bool | None = None
    relevance: Verdict | None = None
    off_topic: bool | None = None
    permission_asked: bool | None = None
    permission_granted: bool | None = None
    hidden_concern_disclosed: bool | None = None
    triggered: bool | None = None
    defensive: bool | None = None
    new_layer: bool | None = None
    moves_any: frozenset[Move] | None = None
    openness_at_least: Unit | None = None


class Part(Strict):
    pool: Pool
    optional: bool = False


class ReplyRule(Strict):
    id: str
    act: Act
    when: Condition
    say: tuple[Part, ...] = Field(min_length=1)

    @field_validator("say", mode="before")
    @classmethod
    def _parse_parts(cls, value: object) -> object:
        """``"feels_heard?"`` in YAML reads better than a nested mapping for an optional pool."""
        if not isinstance(value, list):
            return value
        return [
            {"pool": item.removesuffix("?"), "optional": item.endswith("?")}
            if isinstance(item, str)
            else item
            for item in value
        ]

    @model_validator(mode="after")
    def _one_required_part(self) -> ReplyRule:
        if all(part.optional for part in self.say):
            raise ValueError(f"reply rule '{self.id}' needs at least one pool that is not optional")
        return self


class Level(Strict):
    """How a difficulty level bends the shared rules: how much a partly right reflection
    earns, how high each layer's bar sits, how soon the peer turns defensive, how open it must
    be to say yes to "may I share an idea?"."""

    partly_credit: Unit = Field(
        description="Share of a reflection's trust a partly right one earns."
    )
    layer_scale: float = Field(
        ge=0.5, le=1.5, description="Multiplies each layer's trust_required."
    )
    defensive_at: Unit
    permission_at: Unit = Field(description="Openness at which the peer lets the learner advise.")
    gain_scale: float = Field(
        ge=0.5, le=1.5, description="Multiplies every trust gain: a hard peer warms up slower."
    )


class Relevance(Strict):
    """Which learner moves are weighed against what the peer said, and what is off topic."""

    reflective_moves: frozenset[Move] = Field(min_length=1)
    off_topic_exempt_moves: frozenset[Move] = Field(
        description="Moves with reactions of their own, never treated as off topic."
    )
    on_topic_share: Unit = Field(
        description="Share of a line's specific words that must occur in the talk or the "
        "scenario for it to count as on topic (below it: off topic unless its meaning relates, "
        "and a partly right reflection earns nothing)."
    )
    off_topic_below: Unit = Field(
        description="A line foreign to the talk is off topic when its relevance score to the "
        "peer's lines and the scenario brief is below this."
    )
    heard_from: Unit = Field(
        description="A reflection only partly related by meaning, at or above this score, that "
        "adds no word the peer has not said (beyond feeling and reflective words) is heard: "
        "the peer agrees rather than correcting it."
    )
    generic_words: frozenset[str] = Field(
        description="Words that name no topic ('things', 'going'): a line of only these is "
        "about whatever was just said, never off topic."
    )


class HintRule(Strict):
    """All set conditions must hold: the coded move, the peer's mood, and how the line landed
    (``act``, ``relevance``, ``off_topic``: what the peer state made of it this turn)."""

    move: Move | None = None
    defensive: bool | None = None
    act: Act | None = None
    relevance: Verdict | None = None
    off_topic: bool | None = None
    text: str = Field(min_length=1, max_length=140)
    search: str | None = Field(default=None, description="Query for a technique card.")
    skill: CardSkill | None = None


class Band(Strict):
    name: str
    below: float = Field(gt=0.0, le=1.01)
    max_sentences: int = Field(ge=1, le=8)
    max_tokens: int = Field(ge=16, le=1024, description="A guarded peer says less.")


class LLMRules(Strict):
    temperature: float = Field(ge=0.0, le=2.0)
    history_turns: int = Field(ge=0, le=100)
    stop: tuple[str, ...] = Field(max_length=4, description="Where a reply must end (API limit 4).")
    carries_layer_at: Unit = Field(
        description="Similarity of a reply to a layer's lines at which it counts as said."
    )
    bands: tuple[Band, ...] = Field(min_length=1)
    injection_patterns: tuple[re.Pattern[str], ...]
    out_of_character_patterns: tuple[re.Pattern[str], ...]
    agreeing_patterns: tuple[re.Pattern[str], ...] = Field(
        description="Agreement, out of place when the act is to push back, deflect or correct."
    )

    @field_validator(
        "injection_patterns", "out_of_character_patterns", "agreeing_patterns", mode="before"
    )
    @classmethod
    def _compile(cls, value: object) -> object:
        if not isinstance(value, list):
            return value
        return [re.compile(pattern, re.IGNORECASE) for pattern in value]

    @model_validator(mode="after")
    def _bands_cover_everything(self) -> LLMRules:
        limits = [band.below for band in self.bands]
        if limits != sorted(limits) or limits[-1] <= 1.0:
            raise ValueError("llm.bands must ascend and the last must reach above 1.0")
        return self

    def band(self, openness: float) -> Band:
        return next(band for band in self.bands if openness < band.below)


class ReactionRules(Strict):
    version: int
    start: dict[Difficulty, Start]
    moves: dict[Move, Effect]
    trigger: Effect
    per_turn: PerTurn
    follow_up: FollowUp
    disclosure: Disclosure
    levels: dict[Difficulty, Level]
    relevance: Relevance
    finish: Finish
    ordered_pools: frozenset[Pool]
    exhausted: str = Field(min_length=1)
    replies: tuple[ReplyRule, ...] = Field(min_length=1)
    hints: tuple[HintRule, ...]
    llm: LLMRules

    @model_validator(mode="after")
    def _complete(self) -> ReactionRules:
        missing_moves = set(Move) - set(self.moves)
        if missing_moves:
            raise ValueError(f"moves lacks an effect for: {', '.join(sorted(missing_moves))}")
        missing_levels = (set(Difficulty) - set(self.start)) | (set(Difficulty) - set(self.levels))
        if missing_levels:
            raise ValueError(f"start lacks: {', '.join(sorted(missing_levels))}")
        ids = [rule.id for rule in self.replies]
        if len(set(ids)) != len(ids):
            raise ValueError("reply rule ids must be unique")
        if self.replies[-1].when != Condition():
            raise ValueError("the last reply rule must have no conditions: some rule must fit")
        return self


def load_rules(path: Path) -> ReactionRules:
    """Read and validate a rules file; errors name the file and the offending field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RulesFileError(f"{path.name}: cannot read rules: {exc}") from None
    try:
        return ReactionRules.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise RulesFileError(f"{path.name}: {problems}") from None


@lru_cache(maxsize=1)
def default_rules() -> ReactionRules:
    """The rules shipped with Rehearse; the practice service uses these unless told otherwise."""
    return load_rules(get_settings().knowledge_dir / RULES_FILE)

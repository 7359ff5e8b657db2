"""The scenario file format.

Scenario YAML is product content written by trainers, so every field is validated at load
with ``extra="forbid"``: a typo in a field name is an error naming the file and field, not a
silently ignored key.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.scoring.language import content_stems
from app.skills import Skill as Skill  # scenarios name their target skills

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScenarioUse(StrEnum):
    DIFFICULT_CONVERSATION = "difficult_conversation"
    PEER_COACHING = "peer_coaching"
    RECEIVING_FEEDBACK = "receiving_feedback"


class Difficulty(StrEnum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class DisclosureLayer(Strict):
    """One layer of what the peer is willing to say, from surface to hidden concern.

    ``trust_required`` is the openness (0..1) the learner must have earned before the peer
    speaks from this layer; the last layer is the hidden concern.
    """

    id: Slug
    summary: Text = Field(
        description="What the peer reveals at this layer, for trainers and the LLM prompt."
    )
    trust_required: float = Field(ge=0.0, le=1.0)
    lines: list[Text] = Field(
        min_length=3, description="Authored lines the built-in engine can say."
    )


class Trigger(Strict):
    """Something the learner can do that makes the peer defensive."""

    id: Slug
    description: Text
    moves: list[Text] = Field(
        default_factory=list,
        description="Coder labels that fire this trigger (e.g. why_question, judgement).",
    )
    keywords: list[Text] = Field(
        default_factory=list, description="Lower-case phrases that fire it."
    )
    lines: list[Text] = Field(min_length=2, description="Defensive replies when it fires.")


class Reactions(Strict):
    """Short authored reactions, chosen by how the last learner turn landed."""

    feels_heard: list[Text] = Field(min_length=3, description="After a good reflection or summary.")
    guarded: list[Text] = Field(min_length=3, description="Deflections while trust is still low.")
    pushback_on_advice: list[Text] = Field(min_length=2, description="After unsolicited advice.")
    closing: list[Text] = Field(
        min_length=2, description="Natural endings once the hidden concern is out."
    )
    closing_early: list[Text] = Field(
        min_length=2,
        description="Endings before the hidden concern is out: they may cite only the surface.",
    )
    correct: list[Text] = Field(
        min_length=2, description="'Not quite': a reflection that is partly wrong or a stretch."
    )
    confused: list[Text] = Field(
        min_length=2, description="The peer cannot make sense of what was said."
    )
    redirect: list[Text] = Field(
        min_length=2, description="Back to the point after an off-topic line."
    )
    permission_yes: list[Text] = Field(
        min_length=2, description="Yes to 'may I share an idea?', in character."
    )
    permission_no: list[Text] = Field(
        min_length=2, description="Not yet to 'may I share an idea?', in character."
    )

    def said_any_time(self) -> dict[str, list[str]]:
        """Lines the peer may say before any layer beyond the surface is out, by field."""
        return {
            "closing_early": self.closing_early,
            "correct": self.correct,
            "confused": self.confused,
            "redirect": self.redirect,
            "permission_yes": self.permission_yes,
            "permission_no": self.permission_no,
        }


class Persona(Strict):
    name: Text
    role: Text
    situation: Text
    beliefs: list[Text] = Field(
        min_length=1, description="What the peer believes about the situation."
    )
    emotional_state: Text
    speaking_style: Text
    opening_line: Text
    layers: list[DisclosureLayer] = Field(min_length=3)
    triggers: list[Trigger] = Field(min_length=2)
    opens_up_when: list[Text] = Field(min_length=1, description="What makes the peer open up.")
    reactions: Reactions

    @model_validator(mode="after")
    def _layers_ascend(self) -> Persona:
        required = [layer.trust_required for layer in self.layers]
        if required != sorted(required) or required[0] != 0.0:
            raise ValueError("layers must start at trust_required 0.0 and ascend")
        ids = [layer.id for layer in self.layers]
        if len(set(ids)) != len(ids):
            raise ValueError("layer ids must be unique")
        return self

    @property
    def hidden_concern(self) -> DisclosureLayer:
        return self.layers[-1]


# Words of the narration in a layer summary ("Reveals that she ..."), and everyday words of
# time and motion: never facts of their own, so a line may use them at any time.
_NARRATION = frozenset(
    content_stems(
        "reveals admits explains shares talks says describes mentions feels feeling hidden"
        " concern keeps learner colleague peer less look back minute minutes time week weeks"
        " day days year years thing things way right first still more much last next"
    )
)


def layer_facts(layer: DisclosureLayer, public: str) -> set[str]:
    """Word stems of what a layer discloses that the learner could not know from ``public``."""
    return content_stems(layer.summary) - content_stems(public) - _NARRATION


def mentioned_layers(line: str, persona: Persona, public: str) -> list[str]:
    """Ids of the layers beyond the surface whose facts ``line`` cites."""
    said = content_stems(line)
    return [layer.id for layer in persona.layers[1:] if said & layer_facts(layer, public)]


class Exemplars(Strict):
    """Model learner lines for one persona layer: what a skilled peer might say at that moment.

    The scorecard offers them as rewrites in practice sessions (after the coder has checked
    each one), so they must be real, complete sentences about what the peer says in the layer.
    """

    reflections: list[Text] = Field(min_length=2, description="Reflections of this layer.")
    open_questions: list[Text] = Field(min_length=2, description="One open question each.")
    sbi: Text = Field(description="A situation-behaviour-impact line fitting this moment.")


class Scenario(Strict):
    id: Slug
    title: Text
    summary: Text
    use: ScenarioUse
    difficulty: Difficulty
    target_skills: list[Skill] = Field(min_length=1)
    learner_brief: Text
    persona: Persona
    success_criteria: list[Text] = Field(min_length=2)
    suggested_techniques: list[Slug] = Field(min_length=2)
    max_turns: int = Field(default=16, ge=4, le=60)
    exemplars: dict[Slug, Exemplars] = Field(
        default_factory=dict,
        description="Model learner lines per persona layer id (every layer, when given).",
    )

    @model_validator(mode="after")
    def _exemplars_match_layers(self) -> Scenario:
        if not self.exemplars:
            return self
        layers = [layer.id for layer in self.persona.layers]
        missing = [layer for layer in layers if layer not in self.exemplars]
        unknown = [key for key in self.exemplars if key not in layers]
        if missing or unknown:
            raise ValueError(
                f"exemplars: needs one entry per persona layer; missing {missing}, "
                f"unknown {unknown}"
            )
        return self

    def public_text(self) -> str:
        """What the learner knows before the peer says anything beyond the surface."""
        persona = self.persona
        return " ".join(
            [
                self.title,
                self.summary,
                self.learner_brief,
                persona.name,
                persona.role,
                persona.opening_line,
                persona.layers[0].summary,
                *persona.layers[0].lines,
            ]
        )

    @model_validator(mode="after")
    def _early_lines_keep_secrets(self) -> Scenario:
        """A line the peer may say at any time (an early closing, a correction, a redirect...)
        must not cite what a deeper layer discloses: the peer would give away what the learner
        has not earned, and an early closing would cite facts never said."""
        public = self.public_text()
        problems = []
        for field, lines in self.persona.reactions.said_any_time().items():
            for line in lines:
                layers = mentioned_layers(line, self.persona, public)
                if layers:
                    problems.append(f"reactions.{field} {line!r} cites layer {', '.join(layers)}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

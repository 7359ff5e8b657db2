"""Rubrics as validated YAML: criteria naming a metric, level thresholds, anchors and weights.

A rubric file is product content a trainer may replace, so it is checked strictly at load
(pydantic, ``extra="forbid"``) and every error names the file and the field, e.g.
``custom.yaml: criteria.0.thresholds: levels must rise with the value``.

Levels: a criterion's metric value is placed between its thresholds (level 1 to 5), and a
continuous score (1.0 to 5.0) interpolates within the band, so two sessions at the same level
can still be ordered. See ``level_and_score``.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Literal, cast

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from app.errors import InvalidInput
from app.scoring.metrics import METRICS

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Ident = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+([.-][a-z0-9]+)*$", max_length=80)]
LevelKey = Literal[1, 2, 3, 4, 5]
ThresholdKey = Literal[2, 3, 4, 5]


class Source(BaseModel):
    """A published rubric or framework a threshold is anchored on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    citation: Text
    url: Text | None = None


class Criterion(BaseModel):
    """One measured behaviour: which metric, how its value maps to levels 1-5, and its weight."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Ident
    title: Text
    metric: Ident
    weight: float = Field(gt=0, le=100)
    direction: Literal["higher_is_better", "lower_is_better"]
    thresholds: dict[ThresholdKey, float] = Field(
        description="The value needed for each level from 2 to 5 (a minimum when higher is "
        "better, a maximum when lower is better); below level 2 is level 1."
    )
    worst: float | None = Field(
        default=None,
        description="The value that scores 1.0; between it and the level-2 threshold the "
        "score rises from 1.0 to 2.0. Unset: every level-1 value scores 1.0.",
    )
    anchors: dict[LevelKey, Text] = Field(description="What the behaviour looks like per level.")
    sources: list[Slug] = Field(min_length=1)
    rationale: Text
    cap_margin: float | None = Field(
        default=None,
        ge=0,
        le=4,
        description="Makes this a core criterion the others cannot make up for: the skill "
        "score is at most this criterion's score plus the margin (e.g. all closed questions "
        "cannot reach level 3 questioning however few of them are 'why' questions).",
    )

    full_credit_after: int | None = Field(
        default=None,
        ge=1,
        le=20,
        description="Quantity: until the behaviour this criterion rewards has been seen this "
        "many times, the skill score is at most 2 + the times it was seen (one good "
        "reflection in a long conversation is not level 5).",
    )

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, value: str) -> str:
        if value not in METRICS:
            raise ValueError(f"unknown metric '{value}'; known: {', '.join(sorted(METRICS))}")
        return value

    @field_validator("thresholds")
    @classmethod
    def _all_thresholds(cls, value: dict[int, float]) -> dict[int, float]:
        missing = sorted({2, 3, 4, 5} - value.keys())
        if missing:
            raise ValueError(f"missing thresholds for levels {missing}")
        return dict(sorted(value.items()))

    @field_validator("anchors")
    @classmethod
    def _all_anchors(cls, value: dict[int, str]) -> dict[int, str]:
        missing = sorted({1, 2, 3, 4, 5} - value.keys())
        if missing:
            raise ValueError(f"missing anchors for levels {missing}")
        return dict(sorted(value.items()))

    @model_validator(mode="after")
    def _monotonic(self) -> Criterion:
        values = [self.thresholds[level] for level in (2, 3, 4, 5)]
        rising = self.direction == "higher_is_better"
        ordered = all((b > a) if rising else (b < a) for a, b in pairwise(values))
        if not ordered:
            word = "rise" if rising else "fall"
            raise ValueError(f"thresholds: values must {word} strictly from level 2 to level 5")
        if self.worst is not None and (
            (rising and self.worst >= values[0]) or (not rising and self.worst <= values[0])
        ):
            raise ValueError("worst: must lie beyond the level-2 threshold")
        return self

    def anchor(self, level: int) -> str:
        """What the behaviour looks like at ``level`` (1-5; out-of-range levels are clamped)."""
        return self.anchors[cast(LevelKey, min(5, max(1, level)))]

    def level_and_score(self, value: float) -> tuple[int, float]:
        """Level 1-5 and the continuous score (1.0-5.0) for a metric value."""
        sign = 1.0 if self.direction == "higher_is_better" else -1.0
        cuts = [(level, sign * self.thresholds[level]) for level in (2, 3, 4, 5)]
        v = sign * value
        if v >= cuts[-1][1]:
            return 5, 5.0
        for (level, low), (_, high) in pairwise(cuts):
            if low <= v < high:
                return level, round(level + (v - low) / (high - low), 3)
        floor = None if self.worst is None else sign * self.worst
        if floor is None or v <= floor:
            return 1, 1.0
        return 1, round(1 + (v - floor) / (cuts[0][1] - floor), 3)


class Rubric(BaseModel):
    """One skill's rubric; the skill name is also the technique-card skill for next steps."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    version: Text
    skill: Ident
    title: Text
    description: Text
    levels: dict[LevelKey, Text] = Field(description="What the whole skill looks like per level.")
    min_observed_weight: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Share of the criteria weight that must be observed for a skill level; "
        "below it the skill is 'not observed'.",
    )
    sources: list[Source] = Field(min_length=1)
    criteria: list[Criterion] = Field(min_length=1)

    @field_validator("levels")
    @classmethod
    def _all_levels(cls, value: dict[int, str]) -> dict[int, str]:
        missing = sorted({1, 2, 3, 4, 5} - value.keys())
        if missing:
            raise ValueError(f"missing descriptions for levels {missing}")
        return dict(sorted(value.items()))

    @model_validator(mode="after")
    def _references(self) -> Rubric:
        ids = [c.id for c in self.criteria]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"criteria: duplicate ids {duplicated}")
        known = {s.id for s in self.sources}
        for n, criterion in enumerate(self.criteria):
            unknown = [s for s in criterion.sources if s not in known]
            if unknown:
                raise ValueError(f"criteria.{n}.sources: {unknown} not listed in sources")
        return self


class RubricSet(BaseModel):
    """The rubrics a scorecard is scored against, one per skill, in display order."""

    model_config = ConfigDict(frozen=True)

    name: str
    rubrics: tuple[Rubric, ...]

    def get(self, skill: str) -> Rubric | None:
        return next((r for r in self.rubrics if r.skill == skill), None)

    def with_rubric(self, rubric: Rubric) -> RubricSet:
        """This set with ``rubric`` replacing the one for its skill (or added after the rest)."""
        kept = [r for r in self.rubrics if r.skill != rubric.skill]
        position = next((i for i, r in enumerate(self.rubrics) if r.skill == rubric.skill), None)
        kept.insert(len(kept) if position is None else position, rubric)
        return RubricSet(name=rubric_set_name(kept), rubrics=tuple(kept))


def parse_rubric_yaml(text: str, source: str) -> Rubric:
    """A rubric from YAML text; errors are InvalidInput naming ``source`` and the field."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise InvalidInput(f"{source}: not valid YAML{where}: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{source}: a rubric must be a YAML mapping with id, skill, criteria")
    try:
        return Rubric.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_describe(err["loc"], err["msg"]) for err in exc.errors())
        raise InvalidInput(f"{source}: {problems}") from None


def _describe(location: tuple[int | str, ...], message: str) -> str:
    """One problem as ``criteria.0.thresholds: values must rise``.

    A validator that checks one field of a criterion reports "field: problem" from the
    criterion's level; folding that field into the path gives the trainer one exact address.
    """
    path = [str(part) for part in location]
    message = message.removeprefix("Value error, ")
    field, separator, rest = message.partition(": ")
    if separator and field.isidentifier():
        path.append(field)
        message = rest
    return f"{'.'.join(path) or 'rubric'}: {message}"


def rubric_set_name(rubrics: Sequence[Rubric]) -> str:
    """Names exactly the rubric versions a scorecard was scored with."""
    return "+".join(f"{r.id}@{r.version}" for r in rubrics)


def load_rubric_set(folder: Path) -> RubricSet:
    """Every ``*.yaml`` rubric in ``folder``, in file-name order; two for one skill is an error."""
    rubrics = [
        parse_rubric_yaml(path.read_text(encoding="utf-8"), path.name)
        for path in sorted(folder.glob("*.yaml"))
    ]
    if not rubrics:
        raise InvalidInput(f"{folder}: no rubric files (*.yaml) found")
    skills = [r.skill for r in rubrics]
    duplicated = sorted({s for s in skills if skills.count(s) > 1})
    if duplicated:
        raise InvalidInput(f"{folder}: more than one rubric for skill {duplicated}")
    return RubricSet(name=rubric_set_name(rubrics), rubrics=tuple(rubrics))

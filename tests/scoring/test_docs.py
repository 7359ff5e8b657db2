"""docs/scorecard-json.md stays accurate: it names every field of every model in a scorecard,
and its example round-trips through the models unchanged."""

from __future__ import annotations

import json
import re
import types
import typing

from pydantic import BaseModel

from app.config import PROJECT_ROOT
from app.scoring.scorecard import Scorecard

DOC = (PROJECT_ROOT / "docs" / "scorecard-json.md").read_text(encoding="utf-8")


def _models(model: type[BaseModel], seen: set[type[BaseModel]]) -> set[type[BaseModel]]:
    if model in seen:
        return seen
    seen.add(model)
    for field in model.model_fields.values():
        stack = [field.annotation]
        while stack:
            annotation = stack.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                _models(annotation, seen)
            elif isinstance(annotation, types.UnionType) or typing.get_origin(annotation):
                stack.extend(typing.get_args(annotation))
    return seen


def test_every_field_of_every_scorecard_model_is_documented() -> None:
    models = _models(Scorecard, set())

    assert len(models) >= 12
    missing = [
        f"{model.__name__}.{name}"
        for model in models
        for name in model.model_fields
        if f"`{name}`" not in DOC
    ]
    assert missing == []


def test_the_example_round_trips_through_the_models() -> None:
    block = re.search(r"```json\n(.*?)\n```", DOC, re.DOTALL)
    assert block is not None
    example = json.loads(block.group(1))

    card = Scorecard.model_validate(example)

    assert card.model_dump(mode="json") == example
    assert card.turns and card.skills and card.skills[0].evidence

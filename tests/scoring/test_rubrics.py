"""Rubrics: the shipped ones validate and cite their sources; a broken one is refused with an
error that names the field; levels and scores follow the thresholds."""

from __future__ import annotations

import copy

import pytest
import yaml

from app.config import PACKAGE_DIR
from app.errors import InvalidInput
from app.scoring.metrics import METRICS
from app.scoring.rewrite import CARDS
from app.scoring.rubric import Criterion, RubricSet, parse_rubric_yaml
from app.scoring.scorecard import WEAKNESS_BY_METRIC
from tests.scoring.helpers import GOOD_RUBRIC


def test_shipped_rubrics_cite_miti_icf_and_sbi(rubrics: RubricSet) -> None:
    assert [r.skill for r in rubrics.rubrics] == ["active_listening", "questioning", "feedback"]
    citations = " ".join(s.citation for r in rubrics.rubrics for s in r.sources)
    assert "Motivational Interviewing Treatment Integrity Coding Manual 4.2.1" in citations
    assert "PCC Markers" in citations
    assert "Situation-Behavior-Impact" in citations
    for rubric in rubrics.rubrics:
        assert set(rubric.levels) == {1, 2, 3, 4, 5}
        for criterion in rubric.criteria:
            assert criterion.metric in METRICS
            assert set(criterion.anchors) == {1, 2, 3, 4, 5}
            assert criterion.weight > 0 and criterion.sources


def test_every_metric_has_a_weakness_and_every_weakness_a_card_that_exists() -> None:
    techniques = PACKAGE_DIR / "knowledge" / "techniques"

    assert set(WEAKNESS_BY_METRIC) == set(METRICS)
    for weakness, pointer in CARDS.items():
        assert (techniques / f"{pointer.card_id}.md").exists(), weakness


def _mutated(**changes: object) -> str:
    data = yaml.safe_load(GOOD_RUBRIC)
    criterion = data["criteria"][0]
    for key, value in changes.items():
        if value is None:
            criterion.pop(key)
        else:
            criterion[key] = value
    return yaml.safe_dump(data, sort_keys=False)


BROKEN = {
    "unknown field": (_mutated(colour="blue"), "criteria.0.colour: Extra inputs are not permitted"),
    "negative weight": (_mutated(weight=-2), "criteria.0.weight: Input should be greater than 0"),
    "unknown metric": (
        _mutated(metric="charisma"),
        "criteria.0.metric: unknown metric 'charisma'",
    ),
    "thresholds out of order": (
        _mutated(thresholds={2: 0.5, 3: 0.4, 4: 0.7, 5: 0.9}),
        "criteria.0.thresholds: values must rise strictly",
    ),
    "missing threshold": (
        _mutated(thresholds={2: 0.5, 3: 0.6, 4: 0.7}),
        "criteria.0.thresholds: missing thresholds for levels [5]",
    ),
    "missing anchor": (
        _mutated(anchors={1: "a", 2: "b", 3: "c", 4: "d"}),
        "criteria.0.anchors: missing anchors for levels [5]",
    ),
    "bad direction": (
        _mutated(direction="up"),
        "criteria.0.direction: Input should be 'higher_is_better' or 'lower_is_better'",
    ),
    "missing rationale": (_mutated(rationale=None), "criteria.0.rationale: Field required"),
    "negative cap": (
        _mutated(cap_margin=-1),
        "criteria.0.cap_margin: Input should be greater than or equal to 0",
    ),
    "undeclared source": (
        _mutated(sources=["ccl-sbi"]),
        "criteria.0.sources: ['ccl-sbi'] not listed in sources",
    ),
    "not yaml": ("id: x\n  criteria: [", "not valid YAML (line 2)"),
    "not a mapping": ("- just\n- a list\n", "a rubric must be a YAML mapping"),
}


@pytest.mark.parametrize("case", BROKEN.values(), ids=list(BROKEN))
def test_a_broken_rubric_is_refused_naming_the_field(case: tuple[str, str]) -> None:
    text, expected = case

    with pytest.raises(InvalidInput) as caught:
        parse_rubric_yaml(text, "team.yaml")

    assert caught.value.message.startswith("team.yaml: ")
    assert expected in caught.value.message


def _criterion(direction: str, thresholds: dict[int, float], worst: float | None) -> Criterion:
    data = copy.deepcopy(yaml.safe_load(GOOD_RUBRIC)["criteria"][0])
    data.update(direction=direction, thresholds=thresholds, worst=worst)
    return Criterion.model_validate(data)


def test_levels_and_scores_follow_the_thresholds_both_ways() -> None:
    rising = _criterion("higher_is_better", {2: 0.3, 3: 0.5, 4: 0.7, 5: 0.85}, 0.0)
    falling = _criterion("lower_is_better", {2: 0.5, 3: 0.3, 4: 0.15, 5: 0.0}, 1.0)

    assert rising.level_and_score(0.0) == (1, 1.0)
    assert rising.level_and_score(0.15) == (1, 1.5)
    assert rising.level_and_score(0.6) == (3, 3.5)
    assert rising.level_and_score(0.85) == (5, 5.0)
    assert falling.level_and_score(1.0) == (1, 1.0)
    assert falling.level_and_score(0.4) == (2, 2.5)
    assert falling.level_and_score(0.0) == (5, 5.0)

"""Every exemplar line of every scenario is coded as its own kind, so the scorecard can offer it.

The scorecard offers a scenario's exemplars (model reflections, open questions and an SBI line
per persona layer) as rewrites in practice sessions, but only after the shipped coder has
checked each one (``app.scoring.rewrite.problems``): a line the coder does not code as the
target move is dropped silently and the learner gets a frame instead. So each line here must be
coded as what it claims to be, after every line the peer says in its layer (the coder reads the
peer's last words as context, and a rewrite is checked against whichever line came before the
learner's turn), and must pass ``problems`` for every weakness it would be offered for.

A line the coder gets wrong while the line itself is a good example belongs in
``KNOWN_CODER_ERRORS`` with the coder's error, not rewritten into awkward phrasing; the marks
are strict, so a coder fix turns them into failures to be removed from the list.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.config import PACKAGE_DIR
from app.scenarios.library import load_scenario_files
from app.scenarios.schema import DisclosureLayer, Scenario
from app.scoring.coder import code_utterance
from app.scoring.moves import CodedUtterance, Move, SbiPart
from app.scoring.rewrite import ExemplarLines, Weakness, problems

SCENARIOS: list[Scenario] = load_scenario_files(PACKAGE_DIR / "knowledge" / "scenarios")

QUESTIONS = (
    Move.OPEN_QUESTION,
    Move.CLOSED_QUESTION,
    Move.LEADING_QUESTION,
    Move.WHY_QUESTION,
    Move.STACKED_QUESTIONS,
)
NOT_IN_A_REFLECTION = (
    *QUESTIONS,
    Move.ADVICE_WITHOUT_PERMISSION,
    Move.ADVICE_WITH_PERMISSION,
    Move.JUDGEMENT,
)
NOT_IN_AN_OPEN_QUESTION = (
    Move.CLOSED_QUESTION,
    Move.LEADING_QUESTION,
    Move.WHY_QUESTION,
    Move.STACKED_QUESTIONS,
)
SBI_PARTS = (SbiPart.SITUATION, SbiPart.BEHAVIOUR, SbiPart.IMPACT)

# Exemplar id -> what the coder gets wrong on a line that is a good example of its kind.
KNOWN_CODER_ERRORS: dict[str, str] = {}


def _lines(scenario: Scenario, layer: DisclosureLayer) -> Iterator[tuple[str, int, str]]:
    exemplars = scenario.exemplars[layer.id]
    for index, line in enumerate(exemplars.reflections):
        yield "reflections", index, line
    for index, line in enumerate(exemplars.open_questions):
        yield "open_questions", index, line
    yield "sbi", 0, exemplars.sbi


def _cases() -> Iterator[tuple[str, str, str, tuple[str, ...]]]:
    """(id, kind, line, the peer's lines in the layer) for every exemplar line."""
    for scenario in SCENARIOS:
        for layer in scenario.persona.layers:
            if layer.id not in scenario.exemplars:
                continue  # test_every_scenario_has_exemplars says so
            for kind, index, line in _lines(scenario, layer):
                yield f"{scenario.id}/{layer.id}/{kind}/{index}", kind, line, tuple(layer.lines)


CASE_IDS = [case[0] for case in _cases()]
CASES = [
    pytest.param(
        kind,
        line,
        peer_lines,
        id=case_id,
        marks=(
            [pytest.mark.xfail(strict=True, reason=KNOWN_CODER_ERRORS[case_id])]
            if case_id in KNOWN_CODER_ERRORS
            else []
        ),
    )
    for case_id, kind, line, peer_lines in _cases()
]


def offered_for(kind: str, line: str) -> list[Weakness]:
    """The weaknesses whose rewrite may be this line, as the scorecard chooses them."""
    lines = ExemplarLines(**{kind: (line,)})
    return [weakness for weakness in Weakness if line in lines.for_weakness(weakness)]


def _coded_as_its_kind(kind: str, coded: CodedUtterance) -> list[str]:
    """What is wrong with how the coder read an exemplar of ``kind``; empty when nothing."""
    found = []
    if kind == "reflections":
        if not coded.has(Move.SIMPLE_REFLECTION, Move.COMPLEX_REFLECTION):
            found.append("not a reflection")
        found += [f"carries {m.value}" for m in NOT_IN_A_REFLECTION if coded.has(m)]
    elif kind == "open_questions":
        if not coded.has(Move.OPEN_QUESTION):
            found.append("not an open question")
        found += [f"carries {m.value}" for m in NOT_IN_AN_OPEN_QUESTION if coded.has(m)]
    else:
        if not coded.has(Move.FEEDBACK):
            found.append("not feedback")
        missing = [part.value for part in SBI_PARTS if part not in coded.sbi]
        if missing:
            found.append(f"no SBI {', '.join(missing)}")
    return found


@pytest.mark.parametrize(("kind", "line", "peer_lines"), CASES)
def test_exemplar_is_coded_as_its_kind(kind: str, line: str, peer_lines: tuple[str, ...]) -> None:
    # Offered for shallow reflections too, which need a complex one: the layer test checks that.
    weaknesses = [w for w in offered_for(kind, line) if w is not Weakness.SHALLOW_REFLECTION]
    assert weaknesses, f"{kind} lines are offered for no weakness"
    failures = []
    for number, context in enumerate(peer_lines):
        coded = code_utterance(line, context)
        found = _coded_as_its_kind(kind, coded)
        for weakness in weaknesses:
            found += [f"{weakness.value}: {p}" for p in problems(weakness, line, "", context)]
        if found:
            moves = ", ".join(m.value for m in coded.moves)
            parts = ", ".join(p.value for p in coded.sbi)
            failures.append(
                f"after peer line {number} ({context!r}): coded [{moves}] sbi [{parts}]: "
                + "; ".join(dict.fromkeys(found))
            )
    assert not failures, f"{line!r}\n" + "\n".join(failures)


@pytest.mark.parametrize(
    ("scenario", "layer"),
    [
        pytest.param(scenario, layer, id=f"{scenario.id}/{layer.id}")
        for scenario in SCENARIOS
        for layer in scenario.persona.layers
        if layer.id in scenario.exemplars
    ],
)
def test_each_layer_offers_a_complex_reflection(scenario: Scenario, layer: DisclosureLayer) -> None:
    """A shallow reflection's rewrite must add meaning or feeling (a complex reflection)."""
    reflections = scenario.exemplars[layer.id].reflections
    passing = [
        line
        for line in reflections
        if not any(
            problems(Weakness.SHALLOW_REFLECTION, line, "", context) for context in layer.lines
        )
    ]
    assert passing, f"no reflection passes as a complex one after every peer line: {reflections}"


def test_every_scenario_has_exemplars() -> None:
    assert SCENARIOS
    for scenario in SCENARIOS:
        assert scenario.exemplars, f"{scenario.id} has no exemplars"


def test_known_coder_errors_name_real_exemplars() -> None:
    assert set(KNOWN_CODER_ERRORS) <= set(CASE_IDS)
    assert len(CASE_IDS) == len(set(CASE_IDS))

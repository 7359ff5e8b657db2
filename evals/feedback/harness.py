"""Does every scorecard read as feedback a coaching trainer would sign?

Run with ``rehearse eval feedback`` (or ``.venv/bin/python -m evals.feedback.harness``). Each
case in evals/feedback/*.yaml is a session written for this check (skilled, mixed, poor,
interrogation, hostile, advice-heavy, nonsense/gaming, off-topic, non-English, very short)
with the level range a trainer would accept per skill (``null``: no level, the skill was not
observed or could not be assessed), next steps that must or must not appear (weakness ids)
and flags that must be raised. Every scorecard is also checked, whatever the case says:

- levels: within the expected ranges; a capped skill never rounds above its cap;
- contradictions: at most three next steps, one per turn, no two offering the same rewrite,
  none quoting a line praised as a strength, each quoting a whole sentence of its turn
  verbatim; no strength shown as "(0%)";
  no strength, and no evidence in a skill's favour, quoting a line flagged as earning nothing
  or as an accusation or threat;
- rewrites: each sentence rewrite is re-coded by the coder as its target move, carries no
  problem move and is not the original (``rewrite.problems``); a frame is the weakness's own
  frame with visible slots;
- artefacts: no capitalised fragment mid-sentence, doubled word or modal without a verb;
- determinism: the same transcript scored twice gives the same scorecard.

The target is 100% of cases passing every check.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.config import PROJECT_ROOT, get_settings
from app.conversation import TranscriptTurn
from app.scoring.language import split_sentences
from app.scoring.rewrite import FRAMES, Weakness, artefacts, problems
from app.scoring.rubric import RubricSet, load_rubric_set
from app.scoring.scorecard import UNCREDITED_FLAGS, Scorecard, score_transcript

CASES_DIR = PROJECT_ROOT / "evals" / "feedback"
TARGET = 1.0
Kind = Literal[
    "skilled",
    "mixed",
    "poor",
    "interrogation",
    "hostile",
    "advice_heavy",
    "gaming",
    "off_topic",
    "non_english",
    "very_short",
]
KINDS: tuple[str, ...] = get_args(Kind)


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")

    levels: dict[str, tuple[int, int] | None] = Field(default_factory=dict)
    required_steps: list[str] = Field(default_factory=list)
    forbidden_steps: list[str] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)

    @field_validator("required_steps", "forbidden_steps")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        known = {w.value for w in Weakness}
        unknown = [v for v in value if v not in known]
        if unknown:
            raise ValueError(f"unknown weakness ids {unknown}")
        return value


class Case(BaseModel):
    """One session: lines start with "L:" (the learner) or "P:" (the peer)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    kind: Kind
    scenario: str | None = None
    turns: list[str] = Field(min_length=1)
    expect: Expect

    @field_validator("turns")
    @classmethod
    def _speakers(cls, value: list[str]) -> list[str]:
        bad = [line for line in value if not line.startswith(("L: ", "P: "))]
        if bad:
            raise ValueError(f"lines must start with 'L: ' or 'P: ': {bad[:2]}")
        return value

    def transcript(self) -> list[TranscriptTurn]:
        return [
            TranscriptTurn(
                index=i,
                speaker="learner" if line.startswith("L:") else "peer",
                text=line[3:],
                is_learner=line.startswith("L:"),
            )
            for i, line in enumerate(self.turns)
        ]


@dataclass
class CaseResult:
    case: Case
    failures: list[str] = field(default_factory=list)
    card: Scorecard | None = None

    @property
    def passed(self) -> bool:
        return not self.failures


def load_cases(folder: Path = CASES_DIR) -> list[Case]:
    cases = []
    for path in sorted(folder.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            cases.append(Case.model_validate(item))
    ids = [c.id for c in cases]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ValueError(f"duplicate case ids: {duplicated}")
    return cases


def _scenario(slug: str | None):
    if slug is None:
        return None
    from app.scenarios.library import load_scenario_files

    scenarios = load_scenario_files(get_settings().knowledge_dir / "scenarios")
    return next(s for s in scenarios if s.id == slug)


def check_card(card: Scorecard) -> list[str]:
    """What any scorecard must satisfy, whatever the session: the case-independent checks."""
    failures: list[str] = []
    texts = {t.index: t.text for t in card.turns}
    contexts = _contexts(card)
    uncredited = {f.turn for f in card.flags if f.kind in UNCREDITED_FLAGS}
    for skill in card.skills:
        if skill.level is not None and skill.score is not None and skill.level > skill.score + 0.5:
            failures.append(f"{skill.skill}: level {skill.level} rounds above score {skill.score}")
        for strength in skill.strengths:
            if "(0%)" in strength.text:
                failures.append(f"{skill.skill}: strength shows '(0%)'")
            if strength.turn in uncredited:
                failures.append(f"{skill.skill}: strength quotes turn {strength.turn}, flagged")
        for item in skill.evidence:
            if item.counts == "for" and item.turn in uncredited:
                failures.append(f"{skill.skill}: evidence for it quotes flagged turn {item.turn}")
    steps = card.next_steps
    if len(steps) > 3:
        failures.append(f"{len(steps)} next steps (at most 3)")
    turns = [s.turn for s in steps]
    if len(set(turns)) != len(turns):
        failures.append("two next steps on one turn")
    offered = [s.rewrite for s in steps if s.rewrite_kind == "sentence"]
    if len(set(offered)) != len(offered):
        failures.append("two next steps offer the same rewrite")
    praised = {(s.turn, s.quote) for k in card.skills for s in k.strengths if s.quote}
    for step in steps:
        where = f"step '{step.weakness}' turn {step.turn}"
        if (step.turn, step.quote) in praised:
            failures.append(f"{where}: quotes a line praised as a strength")
        sentences = [s.text for s in split_sentences(texts.get(step.turn, ""))]
        if step.quote not in sentences:
            failures.append(f"{where}: quote is not a whole sentence of the turn")
        weakness = Weakness(step.weakness)
        if step.rewrite_kind == "frame":
            if step.rewrite != FRAMES[weakness]:
                failures.append(f"{where}: frame is not the weakness's frame")
        else:
            found = problems(weakness, step.rewrite, step.quote, contexts.get(step.turn))
            if found:
                failures.append(f"{where}: rewrite {step.rewrite!r}: {', '.join(found)}")
        if step.rewrite_kind == "frame" and [
            a for a in artefacts(step.rewrite) if a != "too_short"
        ]:
            failures.append(f"{where}: frame has artefacts")
    return failures


def _contexts(card: Scorecard) -> dict[int, str | None]:
    context: str | None = None
    found: dict[int, str | None] = {}
    for turn in card.turns:
        if turn.is_learner:
            found[turn.index] = context
        else:
            context = turn.text
    return found


def run_case(case: Case, rubrics: RubricSet) -> CaseResult:
    result = CaseResult(case)
    turns = case.transcript()
    scenario = _scenario(case.scenario)
    try:
        card = score_transcript(turns, rubrics=rubrics, retriever=None, scenario=scenario)
    except Exception as exc:  # a case that cannot be scored is a failure, not a crash
        result.failures.append(f"not scored: {exc}")
        return result
    result.card = card
    again = score_transcript(turns, rubrics=rubrics, retriever=None, scenario=scenario)
    if json.dumps(card.model_dump(mode="json")) != json.dumps(again.model_dump(mode="json")):
        result.failures.append("not deterministic")
    for skill_id, expected in case.expect.levels.items():
        skill = card.skill(skill_id)
        level = skill.level if skill else None
        if expected is None:
            if level is not None:
                result.failures.append(f"{skill_id}: level {level}, expected no level")
        elif level is None or not expected[0] <= level <= expected[1]:
            result.failures.append(f"{skill_id}: level {level}, expected {list(expected)}")
    shown = {s.weakness for s in card.next_steps}
    for weakness in case.expect.required_steps:
        if weakness not in shown:
            result.failures.append(f"missing next step '{weakness}' (got {sorted(shown)})")
    for weakness in case.expect.forbidden_steps:
        if weakness in shown:
            result.failures.append(f"forbidden next step '{weakness}'")
    raised = {f.kind.value for f in card.flags}
    for flag in case.expect.flags:
        if flag not in raised:
            result.failures.append(f"missing flag '{flag}' (got {sorted(raised)})")
    result.failures += check_card(card)
    return result


def run(folder: Path = CASES_DIR, rubrics: RubricSet | None = None) -> list[CaseResult]:
    rubrics = rubrics or load_rubric_set(get_settings().rubrics_dir)
    return [run_case(case, rubrics) for case in load_cases(folder)]


def pass_rate(results: Sequence[CaseResult]) -> float:
    return sum(r.passed for r in results) / len(results) if results else 0.0


def print_results(results: Sequence[CaseResult], *, show_cards: bool = False) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(width=140)
    by_kind: Counter[str] = Counter()
    passed: Counter[str] = Counter()
    for r in results:
        by_kind[r.case.kind] += 1
        passed[r.case.kind] += r.passed
    table = Table(title="Feedback eval: scorecards a trainer would sign")
    for column in ("kind", "cases", "passed"):
        table.add_column(column)
    for kind in KINDS:
        if by_kind[kind]:
            table.add_row(kind, str(by_kind[kind]), str(passed[kind]))
    table.add_section()
    rate = pass_rate(results)
    verdict = "meets" if rate >= TARGET else "misses"
    table.add_row(
        "all", str(len(results)), f"{sum(passed.values())} ({rate:.0%}, {verdict} the 100% target)"
    )
    console.print(table)
    steps = [s for r in results if r.card for s in r.card.next_steps]
    frames = sum(1 for s in steps if s.rewrite_kind == "frame")
    sources = Counter(s.rewrite_source for s in steps)
    console.print(
        f"{len(steps)} next steps: {len(steps) - frames} checked sentences, {frames} frames; "
        f"sources {dict(sorted(sources.items()))}"
    )
    for r in results:
        for failure in r.failures:
            console.print(f"[red]FAIL[/red] {r.case.id}: {escape(failure)}")
        if show_cards and r.card is not None:
            from app.scoring.render import print_scorecard

            console.rule(r.case.id)
            print_scorecard(r.card, console)


def main() -> int:
    results = run()
    print_results(results)
    return 0 if pass_rate(results) >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())

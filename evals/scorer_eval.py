"""Does the scorer rank a better transcript above a worse one on the skill it targets?

Run with ``rehearse eval scorer`` (or ``.venv/bin/python -m evals.scorer_eval``). Each gold pair
in evals/gold/pairs/*.yaml holds two versions of one conversation; ``better`` must get a higher
level on the pair's skill, or, when the levels tie, a higher skill score (the weighted score
1.0-5.0 before rounding). The target is a win rate of at least 95%.

Optionally, with ``--annomi``, the same scorer ranks AnnoMI dev conversations (../shared;
evaluation only): high-quality MI conversations should score higher on active listening and
questioning than low-quality ones (reported as the share of high/low pairs ordered correctly).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from app.config import PROJECT_ROOT, get_settings
from app.scoring.rubric import RubricSet, load_rubric_set
from app.scoring.scorecard import Scorecard, score_transcript
from app.scoring.transcript import TranscriptTurn

PAIRS_DIR = PROJECT_ROOT / "evals" / "gold" / "pairs"
TARGET_WIN_RATE = 0.95


class _Line(BaseModel):
    model_config = ConfigDict(extra="forbid")

    speaker: str
    text: str


class GoldPair(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    skill: str
    learner: str
    description: str = ""
    better: list[_Line] = Field(min_length=1)
    worse: list[_Line] = Field(min_length=1)


@dataclass(frozen=True)
class PairResult:
    pair: str
    skill: str
    better_level: int | None
    better_score: float | None
    worse_level: int | None
    worse_score: float | None

    @property
    def won(self) -> bool:
        better = (self.better_level or 0, self.better_score or 0.0)
        worse = (self.worse_level or 0, self.worse_score or 0.0)
        return better > worse


def load_pairs(folder: Path = PAIRS_DIR) -> list[GoldPair]:
    return [
        GoldPair.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in sorted(folder.glob("*.yaml"))
    ]


def as_turns(lines: Sequence[_Line], learner: str) -> list[TranscriptTurn]:
    return [
        TranscriptTurn(
            index=i,
            speaker=line.speaker,
            text=line.text,
            is_learner=line.speaker.lower() == learner.lower(),
        )
        for i, line in enumerate(lines)
    ]


def score_pair(pair: GoldPair, rubrics: RubricSet) -> tuple[PairResult, Scorecard, Scorecard]:
    better = score_transcript(as_turns(pair.better, pair.learner), rubrics=rubrics, retriever=None)
    worse = score_transcript(as_turns(pair.worse, pair.learner), rubrics=rubrics, retriever=None)
    b, w = better.skill(pair.skill), worse.skill(pair.skill)
    result = PairResult(
        pair=pair.id,
        skill=pair.skill,
        better_level=b.level if b else None,
        better_score=b.score if b else None,
        worse_level=w.level if w else None,
        worse_score=w.score if w else None,
    )
    return result, better, worse


def run(folder: Path = PAIRS_DIR, rubrics: RubricSet | None = None) -> list[PairResult]:
    rubrics = rubrics or load_rubric_set(get_settings().rubrics_dir)
    return [score_pair(pair, rubrics)[0] for pair in load_pairs(folder)]


def win_rate(results: Sequence[PairResult]) -> float:
    return sum(r.won for r in results) / len(results) if results else 0.0


def print_results(results: Sequence[PairResult]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Scorer: better vs worse on the targeted skill")
    for column in ("pair", "skill", "better", "worse", "won"):
        table.add_column(column)
    for r in results:
        table.add_row(
            r.pair,
            r.skill,
            _show(r.better_level, r.better_score),
            _show(r.worse_level, r.worse_score),
            "yes" if r.won else "NO",
        )
    rate = win_rate(results)
    table.add_section()
    verdict = "meets" if rate >= TARGET_WIN_RATE else "misses"
    table.add_row(
        "win rate", "", "", "", f"{rate:.0%} ({verdict} the {TARGET_WIN_RATE:.0%} target)"
    )
    Console().print(table)


def _show(level: int | None, score: float | None) -> str:
    return "not observed" if level is None else f"{level} ({score:.2f})"


if __name__ == "__main__":
    print_results(run())

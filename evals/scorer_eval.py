"""Does the scorer rank a better transcript above a worse one on the skill it targets?

Run with ``rehearse eval scorer`` (or ``.venv/bin/python -m evals.scorer_eval``). Each gold pair
in evals/gold/pairs/*.yaml holds two versions of one conversation; ``better`` must get a higher
level on the pair's skill, or, when the levels tie, a higher skill score (the weighted score
1.0-5.0 before rounding). The target is a win rate of at least 95%.

"Not observed" is not a free win. A skill is not observed when the transcript gives too little
to measure it (no feedback given, no question asked), so a pair only wins that way when its
file says ``worse_not_observed: true``: the worse version was written to lack the behaviour
altogether, and saying "not observed" about it is the right answer. A worse side that is not
observed unexpectedly, or a better side that is not observed at all, is a loss.

With ``--annomi`` (and always in ``rehearse eval coder``), the same scorer ranks AnnoMI dev
conversations (../shared; evaluation only): high-quality MI conversations should score higher
on active listening and questioning than low-quality ones. Reported per skill as the AUC (the
chance that a random high-quality conversation scores above a random low-quality one, ties
counting half) and the mean score and level by quality, with the same AUC per criterion,
oriented so that 1.0 always means "high quality looks better".
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import mean

import yaml
from pydantic import BaseModel, ConfigDict, Field

from app.config import PROJECT_ROOT, get_settings
from app.conversation import TranscriptTurn
from app.scoring.rubric import RubricSet, load_rubric_set
from app.scoring.scorecard import Scorecard, score_transcript

PAIRS_DIR = PROJECT_ROOT / "evals" / "gold" / "pairs"
ANNOMI_PATH = PROJECT_ROOT.parent / "shared" / "datasets" / "annomi-dev.jsonl"
TARGET_WIN_RATE = 0.95
QUALITY_SKILLS = ("active_listening", "questioning")


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
    worse_not_observed: bool = Field(
        default=False,
        description="The worse version lacks the skill's behaviour altogether, so 'not "
        "observed' is the expected result for it (and counts as a win).",
    )
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
    worse_not_observed_expected: bool = False

    @property
    def won(self) -> bool:
        if self.better_level is None or self.better_score is None:
            return False
        if self.worse_level is None or self.worse_score is None:
            return self.worse_not_observed_expected
        return (self.better_level, self.better_score) > (self.worse_level, self.worse_score)

    @property
    def verdict(self) -> str:
        if not self.won:
            return "NO"
        return "yes (worse not observed, as expected)" if self.worse_level is None else "yes"


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
        worse_not_observed_expected=pair.worse_not_observed,
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
            r.verdict,
        )
    rate = win_rate(results)
    both = [r for r in results if r.worse_level is not None]
    table.add_section()
    verdict = "meets" if rate >= TARGET_WIN_RATE else "misses"
    table.add_row(
        "win rate", "", "", "", f"{rate:.0%} ({verdict} the {TARGET_WIN_RATE:.0%} target)"
    )
    table.add_row("both sides observed", "", "", "", f"{win_rate(both):.0%} of {len(both)} pairs")
    Console(width=120).print(table)


def _show(level: int | None, score: float | None) -> str:
    return "not observed" if level is None or score is None else f"{level} ({score:.2f})"


# --- AnnoMI: do high-quality conversations score higher? ------------------------------------


@dataclass(frozen=True)
class Conversation:
    transcript_id: int
    quality: str  # "high" / "low"
    turns: list[TranscriptTurn]


@dataclass(frozen=True)
class Separation:
    """How well one number separates high- from low-quality conversations."""

    name: str
    auc: float
    high_mean: float
    low_mean: float
    n_high: int
    n_low: int
    high_level: float | None = None  # mean level, for skills
    low_level: float | None = None


@dataclass(frozen=True)
class QualityCheck:
    conversations: int
    skills: list[Separation]
    criteria: list[Separation]


def annomi_conversations(path: Path = ANNOMI_PATH) -> list[Conversation]:
    """Each AnnoMI dev conversation rebuilt as turns: the client's previous utterance (the
    ``context`` field) as the peer's turn, then the counsellor's (the learner's)."""
    rows: dict[int, list[dict[str, object]]] = defaultdict(list)
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                rows[int(row["transcript_id"])].append(row)
    conversations = []
    for transcript_id in sorted(rows):
        ordered = sorted(rows[transcript_id], key=lambda r: int(str(r["utterance_id"])))
        pairs: list[tuple[str, str]] = []
        for row in ordered:
            if row.get("context"):
                pairs.append(("client", str(row["context"])))
            pairs.append(("counsellor", str(row["text"])))
        turns = [
            TranscriptTurn(index=i, speaker=s, text=t, is_learner=s == "counsellor")
            for i, (s, t) in enumerate(pairs)
        ]
        conversations.append(Conversation(transcript_id, str(ordered[0]["mi_quality"]), turns))
    return conversations


def auc(high: Sequence[float], low: Sequence[float]) -> float:
    """P(a high value > a low value), ties counting half (the Mann-Whitney AUC)."""
    if not high or not low:
        return float("nan")
    wins = sum(1.0 if h > lo else 0.5 if h == lo else 0.0 for h in high for lo in low)
    return wins / (len(high) * len(low))


def annomi_quality_check(
    path: Path = ANNOMI_PATH,
    rubrics: RubricSet | None = None,
    skills: Sequence[str] = QUALITY_SKILLS,
) -> QualityCheck:
    rubrics = rubrics or load_rubric_set(get_settings().rubrics_dir)
    conversations = annomi_conversations(path)
    cards = [
        (c.quality, score_transcript(c.turns, rubrics=rubrics, retriever=None))
        for c in conversations
    ]
    skill_rows = []
    criterion_rows = []
    for skill in skills:
        rubric = rubrics.get(skill)
        if rubric is None:
            continue
        scored = [(q, card.skill(skill)) for q, card in cards]
        high = [s for q, s in scored if q == "high" and s is not None and s.score is not None]
        low = [s for q, s in scored if q == "low" and s is not None and s.score is not None]
        skill_rows.append(
            Separation(
                name=skill,
                auc=auc([s.score or 0.0 for s in high], [s.score or 0.0 for s in low]),
                high_mean=mean(s.score or 0.0 for s in high) if high else float("nan"),
                low_mean=mean(s.score or 0.0 for s in low) if low else float("nan"),
                n_high=len(high),
                n_low=len(low),
                high_level=mean(s.level or 0 for s in high) if high else None,
                low_level=mean(s.level or 0 for s in low) if low else None,
            )
        )
        for criterion in rubric.criteria:
            sign = 1.0 if criterion.direction == "higher_is_better" else -1.0
            values: dict[str, list[float]] = {"high": [], "low": []}
            for quality, card in cards:
                found = card.skill(skill)
                if found is None:
                    continue
                result = next((c for c in found.criteria if c.id == criterion.id), None)
                if result is not None and result.value is not None:
                    values[quality].append(result.value)
            criterion_rows.append(
                Separation(
                    name=f"{skill}.{criterion.id} ({criterion.metric})",
                    auc=auc([sign * v for v in values["high"]], [sign * v for v in values["low"]]),
                    high_mean=mean(values["high"]) if values["high"] else float("nan"),
                    low_mean=mean(values["low"]) if values["low"] else float("nan"),
                    n_high=len(values["high"]),
                    n_low=len(values["low"]),
                )
            )
    return QualityCheck(len(conversations), skill_rows, criterion_rows)


def print_quality_check(check: QualityCheck) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"AnnoMI dev conversations ({check.conversations}): do high-quality MI sessions "
        "score higher? (shipped scorer)"
    )
    for column in ("skill / criterion", "AUC", "high mean", "low mean", "n high / low"):
        table.add_column(column, justify="left" if column.startswith("skill") else "right")
    for row in check.skills:
        levels = (
            f" (level {row.high_level:.2f} vs {row.low_level:.2f})"
            if row.high_level is not None and row.low_level is not None
            else ""
        )
        table.add_row(
            f"[bold]{row.name}[/bold]{levels}",
            f"{row.auc:.3f}",
            f"{row.high_mean:.2f}",
            f"{row.low_mean:.2f}",
            f"{row.n_high} / {row.n_low}",
        )
    table.add_section()
    for row in check.criteria:
        table.add_row(
            f"  {row.name}",
            f"{row.auc:.3f}",
            f"{row.high_mean:.2f}",
            f"{row.low_mean:.2f}",
            f"{row.n_high} / {row.n_low}",
        )
    Console(width=120).print(table)
    print(
        "AUC: chance a random high-quality conversation scores better than a random "
        "low-quality one (0.5 = no separation); criteria are oriented so that 1.0 favours high."
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--annomi", action="store_true", help="also rank AnnoMI conversations")
    args = parser.parse_args(argv)
    results = run()
    print_results(results)
    if args.annomi:
        if ANNOMI_PATH.exists():
            print_quality_check(annomi_quality_check())
        else:
            print(f"skipping AnnoMI: {ANNOMI_PATH} not found (it lives in ../shared/datasets)")
    return 0 if win_rate(results) >= TARGET_WIN_RATE else 1


if __name__ == "__main__":
    raise SystemExit(main())

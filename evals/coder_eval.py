"""Measure the utterance coder against expert labels: AnnoMI dev, our corpus test split, gold.

Run with ``rehearse eval coder`` (or ``.venv/bin/python -m evals.coder_eval``).

AnnoMI dev (../shared/datasets/annomi-dev.jsonl; licence: evaluation only, never copied or
trained on) is what the issue's targets are set on. Its ``main_behaviour`` is mapped to three
classes: question, reflection, and other (``therapist_input`` and ``other`` together, as our
``input`` and ``other`` main behaviours are). Reported, with the human ceiling beside them:

- Q / R / other: macro-F1, Cohen's kappa, per-class F1, and the confusion matrix (AnnoMI's
  four main behaviours against ours);
- open vs closed: accuracy on lines both sides call a question (main behaviour question and
  a form on both), and the share of expert questions that the coder also calls a question;
- reflections: F1 of "is a reflection" (AnnoMI's reflection field set) and simple vs complex
  accuracy where both sides call a line a reflection;
- conversations: the AUC of ranking AnnoMI's high- against its low-quality conversations by the
  share of counsellor turns coded as reflections, and by the scorecard's active-listening level.

Our own corpus test split (never trained on, fixed by a hash of each id) gets the same
three-way figures plus per-move F1; the gold set (evals/gold/utterances.yaml), written before
the corpus, gets per-move F1.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from app.config import PROJECT_ROOT
from app.scoring.coder import code_utterances
from app.scoring.moves import CodedUtterance, MainBehaviour, Move, SbiPart

GOLD_PATH = PROJECT_ROOT / "evals" / "gold" / "utterances.yaml"
ANNOMI_PATH = PROJECT_ROOT.parent / "shared" / "datasets" / "annomi-dev.jsonl"
CORPUS_DIR = PROJECT_ROOT / "training" / "coder" / "corpus"
THREE_WAY = ("question", "reflection", "other")
HUMAN_CEILING = {"three_way_kappa": 0.74, "open_closed_kappa": 0.52, "simple_complex_kappa": 0.21}


class GoldUtterance(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    context: str | None = None
    text: str
    labels: list[Move]
    sbi: list[SbiPart] = []


@dataclass(frozen=True)
class ClassScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Report:
    """One data set's figures; absent ones stay None."""

    name: str
    items: int
    three_way: list[ClassScore] = field(default_factory=list)
    kappa: float | None = None
    moves: list[ClassScore] = field(default_factory=list)
    open_closed_accuracy: float | None = None
    open_closed_kappa: float | None = None
    open_closed_n: int = 0
    question_recall: float | None = None
    reflection_f1: float | None = None
    simple_complex_accuracy: float | None = None
    simple_complex_kappa: float | None = None
    simple_complex_n: int = 0
    confusion: dict[tuple[str, str], int] = field(default_factory=dict)
    not_assessable: int = 0

    @property
    def three_way_macro_f1(self) -> float:
        return _mean(s.f1 for s in self.three_way)

    @property
    def moves_macro_f1(self) -> float:
        return _mean(s.f1 for s in self.moves if s.support)


def _mean(values: Iterable[float]) -> float:
    found = list(values)
    return sum(found) / len(found) if found else 0.0


def single_label_scores(
    gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]
) -> list[ClassScore]:
    scores = []
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(g != label and p == label for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted, strict=True))
        scores.append(_score(label, tp, fp, fn))
    return scores


def multi_label_scores(
    gold: Sequence[set[str]], predicted: Sequence[set[str]], labels: Sequence[str]
) -> list[ClassScore]:
    scores = []
    for label in labels:
        tp = sum(label in g and label in p for g, p in zip(gold, predicted, strict=True))
        fp = sum(label not in g and label in p for g, p in zip(gold, predicted, strict=True))
        fn = sum(label in g and label not in p for g, p in zip(gold, predicted, strict=True))
        scores.append(_score(label, tp, fp, fn))
    return scores


def _score(label: str, tp: int, fp: int, fn: int) -> ClassScore:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return ClassScore(label, precision, recall, f1, tp + fn)


def cohen_kappa(gold: Sequence[str], predicted: Sequence[str]) -> float:
    n = len(gold)
    if not n:
        return 0.0
    observed = sum(g == p for g, p in zip(gold, predicted, strict=True)) / n
    gold_counts, predicted_counts = Counter(gold), Counter(predicted)
    expected = sum(gold_counts[k] * predicted_counts.get(k, 0) for k in gold_counts) / (n * n)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """Probability that a random positive outranks a random negative (ties count half)."""
    if not positives or not negatives:
        return 0.0
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def three_way(coded: CodedUtterance) -> str:
    if coded.main is MainBehaviour.QUESTION:
        return "question"
    if coded.main is MainBehaviour.REFLECTION:
        return "reflection"
    return "other"


def form(coded: CodedUtterance) -> str | None:
    """Open or closed for a question turn: open if its open question is the likelier form."""
    found = set(coded.moves)
    if Move.OPEN_QUESTION in found and Move.CLOSED_QUESTION in found:
        probabilities = {e.move: e.probability or 0.0 for e in coded.evidence}
        return (
            "open"
            if probabilities.get(Move.OPEN_QUESTION, 0)
            >= probabilities.get(Move.CLOSED_QUESTION, 0)
            else "closed"
        )
    if Move.OPEN_QUESTION in found:
        return "open"
    if Move.CLOSED_QUESTION in found:
        return "closed"
    return None


def depth(coded: CodedUtterance) -> str | None:
    if coded.has(Move.COMPLEX_REFLECTION, Move.SUMMARY):
        return "complex"
    if coded.has(Move.SIMPLE_REFLECTION):
        return "simple"
    return None


# --- AnnoMI -----------------------------------------------------------------------------


def load_annomi(path: Path = ANNOMI_PATH) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _annomi_three(row: dict[str, object]) -> str:
    behaviour = row.get("main_behaviour")
    return str(behaviour) if behaviour in ("question", "reflection") else "other"


def annomi_report(rows: Sequence[dict[str, object]], coded: Sequence[CodedUtterance]) -> Report:
    gold = [_annomi_three(r) for r in rows]
    predicted = [three_way(c) for c in coded]
    report = Report("AnnoMI dev (expert labels; evaluation only)", len(rows))
    report.three_way = single_label_scores(gold, predicted, THREE_WAY)
    report.kappa = cohen_kappa(gold, predicted)
    both = [
        (str(r["question"]), form(c))
        for r, c in zip(rows, coded, strict=True)
        if r.get("main_behaviour") == "question"
        and r.get("question") in ("open", "closed")
        and c.main is MainBehaviour.QUESTION
        and form(c)
    ]
    report.open_closed_n = len(both)
    report.open_closed_accuracy = _mean(float(g == p) for g, p in both)
    report.open_closed_kappa = cohen_kappa([g for g, _ in both], [str(p) for _, p in both])
    expert_questions = [c for r, c in zip(rows, coded, strict=True) if gold_is_question(r)]
    report.question_recall = _mean(
        float(c.main is MainBehaviour.QUESTION) for c in expert_questions
    )
    reflected_gold = [r.get("reflection") in ("simple", "complex") for r in rows]
    reflected_pred = [depth(c) is not None for c in coded]
    report.reflection_f1 = _binary_f1(reflected_gold, reflected_pred)
    depths = [
        (str(r["reflection"]), str(depth(c)))
        for r, c in zip(rows, coded, strict=True)
        if r.get("reflection") in ("simple", "complex") and depth(c)
    ]
    report.simple_complex_n = len(depths)
    report.simple_complex_accuracy = _mean(float(g == p) for g, p in depths)
    report.simple_complex_kappa = cohen_kappa([g for g, _ in depths], [p for _, p in depths])
    report.confusion = dict(
        Counter(
            (str(r.get("main_behaviour")), c.main.value) for r, c in zip(rows, coded, strict=True)
        )
    )
    report.not_assessable = sum(not c.assessable for c in coded)
    return report


def gold_is_question(row: dict[str, object]) -> bool:
    return row.get("main_behaviour") == "question"


def _binary_f1(gold: Sequence[bool], predicted: Sequence[bool]) -> float:
    tp = sum(g and p for g, p in zip(gold, predicted, strict=True))
    fp = sum(p and not g for g, p in zip(gold, predicted, strict=True))
    fn = sum(g and not p for g, p in zip(gold, predicted, strict=True))
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0


@dataclass(frozen=True)
class ConversationRanking:
    conversations: int
    high: int
    low: int
    reflection_share_auc: float
    listening_level_auc: float | None


def conversation_ranking(
    rows: Sequence[dict[str, object]], coded: Sequence[CodedUtterance], *, with_scorecard: bool
) -> ConversationRanking:
    """Rank high- above low-quality conversations by the coded share of reflections."""
    by_conversation: dict[object, list[CodedUtterance]] = defaultdict(list)
    quality: dict[object, str] = {}
    for row, c in zip(rows, coded, strict=True):
        by_conversation[row["transcript_id"]].append(c)
        quality[row["transcript_id"]] = str(row["mi_quality"])
    share = {
        key: _mean(float(depth(c) is not None) for c in turns if c.assessable)
        for key, turns in by_conversation.items()
    }
    high = [share[k] for k in share if quality[k] == "high"]
    low = [share[k] for k in share if quality[k] == "low"]
    level_auc = None
    if with_scorecard:
        from evals.scorer_eval import annomi_quality_check

        check = annomi_quality_check(ANNOMI_PATH)
        listening = next((s for s in check.skills if "listening" in s.name), None)
        level_auc = listening.auc if listening is not None else None
    return ConversationRanking(len(share), len(high), len(low), auc(high, low), level_auc)


# --- our own data ---------------------------------------------------------------------------


def load_gold(path: Path = GOLD_PATH) -> list[GoldUtterance]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [GoldUtterance.model_validate(item) for item in raw]


def gold_report(items: Sequence[GoldUtterance]) -> Report:
    coded = code_utterances([(item.text, item.context) for item in items])
    report = Report("our gold set (evals/gold, written before the corpus)", len(items))
    gold = [{m.value for m in item.labels} for item in items]
    predicted = [{m.value for m in c.moves} for c in coded]
    report.moves = multi_label_scores(gold, predicted, [m.value for m in Move])
    return report


def corpus_test_report() -> Report | None:
    sys.path.insert(0, str(CORPUS_DIR.parent))
    try:
        from corpus import load_corpus
    finally:
        sys.path.pop(0)
    lines = [x for x in load_corpus(CORPUS_DIR) if x.split == "test"]
    if not lines:
        return None
    coded = code_utterances([(x.text, x.context) for x in lines])
    report = Report("our corpus, test split (never trained on)", len(lines))
    gold3 = [x.main if x.main in ("question", "reflection") else "other" for x in lines]
    pred3 = [three_way(c) for c in coded]
    report.three_way = single_label_scores(gold3, pred3, THREE_WAY)
    report.kappa = cohen_kappa(gold3, pred3)
    report.moves = multi_label_scores(
        [set(x.labels) for x in lines],
        [{m.value for m in c.moves} for c in coded],
        [m.value for m in Move],
    )
    both = [
        ("open" if "open_question" in x.labels else "closed", form(c))
        for x, c in zip(lines, coded, strict=True)
        if x.main == "question" and c.main is MainBehaviour.QUESTION and form(c)
    ]
    report.open_closed_n = len(both)
    report.open_closed_accuracy = _mean(float(g == p) for g, p in both)
    return report


# --- running and printing ------------------------------------------------------------------


@dataclass
class Results:
    reports: list[Report]
    ranking: ConversationRanking | None = None


def run(*, conversations: bool = True) -> Results:
    """Every report that can be made with the data present; missing data is announced."""
    reports = []
    ranking = None
    if ANNOMI_PATH.exists():
        rows = load_annomi(ANNOMI_PATH)
        coded = code_utterances(
            [(str(r["text"]), str(r["context"]) if r.get("context") else None) for r in rows]
        )
        reports.append(annomi_report(rows, coded))
        ranking = conversation_ranking(rows, coded, with_scorecard=conversations)
    else:
        print(f"skipping AnnoMI dev: {ANNOMI_PATH} not found (it lives in ../shared/datasets)")
    corpus = corpus_test_report()
    if corpus is not None:
        reports.append(corpus)
    if GOLD_PATH.exists():
        reports.append(gold_report(load_gold(GOLD_PATH)))
    return Results(reports, ranking)


def print_results(results: Results) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for report in results.reports:
        console.print(f"\n[bold]{report.name}[/bold]: {report.items} lines")
        if report.three_way:
            console.print(
                f"  Q/R/other macro-F1 {report.three_way_macro_f1:.3f}"
                + (f", Cohen's kappa {report.kappa:.3f}" if report.kappa is not None else "")
                + f" (human ceiling: kappa {HUMAN_CEILING['three_way_kappa']})"
            )
            for s in report.three_way:
                console.print(
                    f"    {s.label:11s} P {s.precision:.3f}  R {s.recall:.3f}  "
                    f"F1 {s.f1:.3f}  n={s.support}"
                )
        if report.open_closed_accuracy is not None and report.open_closed_n:
            human = HUMAN_CEILING["open_closed_kappa"]
            kappa = (
                f", kappa {report.open_closed_kappa:.3f} (human {human})"
                if report.open_closed_kappa is not None
                else ""
            )
            console.print(
                "  open vs closed where both call it a question: "
                f"{report.open_closed_accuracy:.3f} (n={report.open_closed_n}){kappa}"
            )
        if report.question_recall is not None:
            console.print(
                f"  expert questions recognised as questions: {report.question_recall:.3f}"
            )
        if report.reflection_f1 is not None:
            console.print(f"  reflection (any depth) F1: {report.reflection_f1:.3f}")
        if report.simple_complex_accuracy is not None and report.simple_complex_n:
            console.print(
                f"  simple vs complex where both call it a reflection: "
                f"{report.simple_complex_accuracy:.3f} (n={report.simple_complex_n}), kappa "
                f"{report.simple_complex_kappa:.3f} (human {HUMAN_CEILING['simple_complex_kappa']})"
            )
        if report.not_assessable:
            console.print(f"  marked not assessable: {report.not_assessable}")
        if report.confusion:
            table = Table(title="confusion: AnnoMI main behaviour (rows) vs coder main behaviour")
            columns = [m.value for m in MainBehaviour]
            table.add_column("AnnoMI")
            for column in columns:
                table.add_column(column, justify="right")
            for row in ("question", "reflection", "therapist_input", "other"):
                table.add_row(row, *(str(report.confusion.get((row, c), 0)) for c in columns))
            console.print(table)
        if report.moves:
            table = Table(title=f"per move ({report.name})")
            for column in ("move", "precision", "recall", "F1", "support"):
                table.add_column(column, justify="left" if column == "move" else "right")
            for s in report.moves:
                if s.support:
                    table.add_row(
                        s.label,
                        f"{s.precision:.3f}",
                        f"{s.recall:.3f}",
                        f"{s.f1:.3f}",
                        str(s.support),
                    )
            console.print(table)
            console.print(f"  macro-F1 over moves present: {report.moves_macro_f1:.3f}")
    if results.ranking is not None:
        r = results.ranking
        console.print(
            f"\n[bold]AnnoMI conversations[/bold] ({r.high} high vs {r.low} low quality): "
            f"AUC by share of reflections {r.reflection_share_auc:.3f}"
            + (
                f"; by the scorecard's active-listening level {r.listening_level_auc:.3f}"
                if r.listening_level_auc is not None
                else ""
            )
        )


def summary(results: Results) -> dict[str, float | None]:
    """The headline figures as one flat mapping (the README table and the tests read it)."""
    annomi = next((r for r in results.reports if r.name.startswith("AnnoMI")), None)
    found: dict[str, float | None] = {}
    if annomi is not None:
        found.update(
            annomi_macro_f1=annomi.three_way_macro_f1,
            annomi_kappa=annomi.kappa,
            annomi_open_closed=annomi.open_closed_accuracy,
            annomi_question_recall=annomi.question_recall,
            annomi_reflection_f1=annomi.reflection_f1,
        )
    if results.ranking is not None:
        found["annomi_reflection_share_auc"] = results.ranking.reflection_share_auc
        found["annomi_listening_level_auc"] = results.ranking.listening_level_auc
    return found


if __name__ == "__main__":
    print_results(run(conversations="--no-conversations" not in sys.argv))

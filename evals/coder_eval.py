"""Measure the utterance coder: per-label precision, recall and F1 on our gold set and AnnoMI dev.

Run with ``rehearse eval coder`` (or ``.venv/bin/python -m evals.coder_eval``).

Gold (evals/gold/utterances.yaml) is scored label by label, multi-label. Items are split by id
into a *dev* half (even-numbered ids), whose errors were read while writing the rules, and a
*held-out* half (odd ids), which was not; both are printed so the gap is visible.

AnnoMI dev (../shared/datasets/annomi-dev.jsonl; licence: evaluation only, never copied or
trained on) is mapped to our moves as follows:

- ``question``: "open" -> open_question (we also count why_question as open), "closed" ->
  closed_question (we also count leading_question as closed).
- ``reflection``: "simple" -> simple_reflection, "complex" -> complex_reflection (a summary
  counts as complex, as in MITI 4.2.1).
- ``input`` containing "advice" -> advice (with or without permission); "information" ->
  information (the learner's own information, view or plan). AnnoMI "negotiation" and
  "options" have no move of ours.
- ``main_behaviour`` for the three-way score: question -> Q, reflection -> R, and both
  therapist_input and other -> Other, because the three-way code has no input class:
  advice, information, judgement, feedback and self-disclosure, like AnnoMI's "other", are neither a
  question nor a reflection. A turn the coder finds both Q and R in is assigned by the
  sentence that ends it (AnnoMI codes one main behaviour per utterance).

Two AnnoMI reports are printed side by side:

- *zero-shot transfer*: the shipped coder (rules + heads trained only on our own lines in
  app/scoring/training/) on every AnnoMI dev utterance. This is what users get.
- *5-fold cross-validation*: conversations are split into five folds (GroupKFold by
  ``transcript_id``, so no conversation is in both halves); for each fold the classifier heads
  are refitted on our own lines plus the AnnoMI utterances of the other four folds and the
  held-out fold is coded with them. The refitted heads live in memory only and are never
  saved (AnnoMI's licence forbids shipping weights trained on it). The gap between the two
  reports is what domain data would buy; the rules are the same in both.

A confusion table (AnnoMI main behaviour, with therapist_input kept apart, against our Q/R/other)
shows where the disagreements are. One of them is a convention, not an error: MITI 4.2.1 codes
a declarative sentence said with a rising "?" ("So you drink mostly at weekends?") as a
reflection, as our coder does, while AnnoMI's annotators often coded it as a closed question.
Issue 11 tried AnnoMI's convention for short "?"-statements that echo nothing ("You don't like
writing?" as a closed question): +0.010 Q/R/other macro-F1 on the check half, but it lowered
the conversation-level AUCs (high-quality counsellors use many such reflections), so the coder
keeps MITI's convention. A permission request phrased as a question counts as a question in
the three-way score (see ``primary``).

Honest measurement: AnnoMI dev is split *by conversation* (a stable hash of ``transcript_id``,
``annomi_half``) into an *analysis* half, whose disagreements may be read while writing rules,
and a *check* half, whose errors are never read; the shipped coder is reported on both halves
and on the whole, with Cohen's kappa on the three-way code and question recall (the share of
AnnoMI's questions the coder's main behaviour calls a question). A rule that helps only the
analysis half is fitted to it; the check half says whether it generalises.

Finally the conversation-level check (evals/scorer_eval.py): do high-quality AnnoMI
conversations score higher on listening and questioning than low-quality ones?
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import yaml
from pydantic import BaseModel, ConfigDict

from app.config import PROJECT_ROOT
from app.scoring.classifier import FUNCTIONS, MoveClassifier, Prediction
from app.scoring.coder import _read, code_utterances
from app.scoring.moves import QUESTIONS, REFLECTIONS, CodedUtterance, Move, SbiPart

GOLD_PATH = PROJECT_ROOT / "evals" / "gold" / "utterances.yaml"
ANNOMI_PATH = PROJECT_ROOT.parent / "shared" / "datasets" / "annomi-dev.jsonl"
CORPUS_MODULE = PROJECT_ROOT / "training" / "coder" / "corpus.py"
# The corpus's "lg" lines are app/scoring/training's lines, relabelled; the heads learn from those
# whatever their split, so they are never scored.
HEAD_TRAINING_PREFIX = "lg-"
# Whole sessions written the way transcripts read (long restarted turns, "mm-hmm" splits).
SPOKEN_SESSIONS_PREFIX = "sc-"

THREE_WAY = ("question", "reflection", "other")


class GoldUtterance(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    context: str | None = None
    text: str
    labels: list[Move]
    sbi: list[SbiPart] = []


@dataclass(frozen=True)
class LabelScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Report:
    """One data set's results: per-label scores plus the headline numbers."""

    name: str
    items: int
    labels: list[LabelScore]
    three_way: list[LabelScore]
    open_closed_accuracy: float
    open_closed_n: int
    kappa: float | None = None  # Cohen's kappa on the single three-way code (AnnoMI only)
    question_recall: float | None = None  # AnnoMI questions whose main behaviour we call Q
    question_n: int = 0

    @property
    def macro_f1(self) -> float:
        return _mean(s.f1 for s in self.labels if s.support)

    @property
    def three_way_macro_f1(self) -> float:
        return _mean(s.f1 for s in self.three_way)


def _mean(values: Iterable[float]) -> float:
    found = list(values)
    return sum(found) / len(found) if found else 0.0


def score_labels(
    gold: Sequence[set[str]], predicted: Sequence[set[str]], labels: Sequence[str]
) -> list[LabelScore]:
    """Multi-label precision / recall / F1, one binary decision per label per item."""
    scores = []
    for label in labels:
        tp = sum(label in g and label in p for g, p in zip(gold, predicted, strict=True))
        fp = sum(label not in g and label in p for g, p in zip(gold, predicted, strict=True))
        fn = sum(label in g and label not in p for g, p in zip(gold, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores.append(LabelScore(label, precision, recall, f1, tp + fn))
    return scores


def cohen_kappa(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Agreement beyond chance between two single-label codings of the same items."""
    n = len(gold)
    if not n:
        return 0.0
    observed = sum(g == p for g, p in zip(gold, predicted, strict=True)) / n
    labels = set(gold) | set(predicted)
    expected = sum((gold.count(k) / n) * (predicted.count(k) / n) for k in labels)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def primary(coded: CodedUtterance) -> str:
    """Question, reflection or other: the coder's main behaviour, its own input counted as other
    (AnnoMI's three-way code; see ``app.scoring.coder._main_behaviour``)."""
    main = coded.main.value
    return "other" if main == "input" else main


def form(moves: Iterable[Move]) -> str | None:
    """Open or closed for a turn: open if any question in it is open (or a why-question)."""
    found = set(moves)
    if found & {Move.OPEN_QUESTION, Move.WHY_QUESTION}:
        return "open"
    if found & {Move.CLOSED_QUESTION, Move.LEADING_QUESTION}:
        return "closed"
    return None


def load_gold(path: Path = GOLD_PATH) -> list[GoldUtterance]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [GoldUtterance.model_validate(item) for item in raw]


def gold_half(item: GoldUtterance) -> str:
    """'dev' for even-numbered ids (read while writing rules), 'held-out' for odd ones."""
    digits = re.sub(r"\D", "", item.id)
    return "dev" if digits and int(digits) % 2 == 0 else "held-out"


def gold_report(name: str, items: Sequence[GoldUtterance]) -> Report:
    coded = code_utterances([(item.text, item.context) for item in items])
    gold = [{m.value for m in item.labels} for item in items]
    predicted = [{m.value for m in c.moves} for c in coded]
    for labels, item in zip(gold, items, strict=True):
        labels.update(f"sbi:{part.value}" for part in item.sbi)
    for labels, c in zip(predicted, coded, strict=True):
        labels.update(f"sbi:{part.value}" for part in c.sbi)
    three_gold = [_three(set(item.labels)) for item in items]
    three_pred = [_three(set(c.moves)) for c in coded]
    pairs = [
        (form(item.labels), form(c.moves))
        for item, c in zip(items, coded, strict=True)
        if form(item.labels) and form(c.moves)
    ]
    return Report(
        name=name,
        items=len(items),
        labels=score_labels(gold, predicted, [m.value for m in Move])
        + score_labels(gold, predicted, [f"sbi:{p.value}" for p in SbiPart]),
        three_way=score_labels(three_gold, three_pred, THREE_WAY),
        open_closed_accuracy=_mean(float(g == p) for g, p in pairs),
        open_closed_n=len(pairs),
    )


def corpus_module() -> ModuleType:
    """training/coder/corpus.py (not shipped in the wheel), loaded by path."""
    spec = importlib.util.spec_from_file_location("rehearse_coder_corpus", CORPUS_MODULE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # pydantic resolves the module's annotations through it
    spec.loader.exec_module(module)
    return module


def corpus_test_report(
    prefix: str = "", name: str = "our corpus, test split (never trained on)"
) -> Report:
    """Our own corpus's fixed test split (``training/coder/``), coded by the shipped coder.

    Written for this project in four registers (workplace, manager, counselling, spoken) plus
    hard contrasts, under the same conventions as the gold set. The heads learn from the train
    split only, so the test split is unseen; the "lg" lines (the heads' older training lines,
    relabelled, which they also learn from) are left out. ``prefix`` keeps one batch of lines:
    ``SPOKEN_SESSIONS_PREFIX`` is the closest thing we have to AnnoMI's register.
    """
    corpus = corpus_module()
    lines = [
        line
        for line in corpus.load_corpus()
        if line.split == "test"
        and not line.id.startswith(HEAD_TRAINING_PREFIX)
        and line.id.startswith(prefix)
    ]
    coded = code_utterances([(line.text, line.context) for line in lines])
    gold = [set(line.labels) for line in lines]
    predicted = [{m.value for m in c.moves} for c in coded]
    mains = ["other" if line.main == "input" else line.main for line in lines]
    calls = [primary(c) for c in coded]
    asked = [c for m, c in zip(mains, calls, strict=True) if m == "question"]
    pairs = [
        (form(Move(label) for label in line.labels), form(c.moves))
        for line, c in zip(lines, coded, strict=True)
        if line.main == "question" and form(c.moves)
    ]
    return Report(
        name=name,
        items=len(lines),
        labels=score_labels(gold, predicted, [m.value for m in Move]),
        three_way=score_labels([{m} for m in mains], [{c} for c in calls], THREE_WAY),
        open_closed_accuracy=_mean(float(g == p) for g, p in pairs),
        open_closed_n=len(pairs),
        kappa=cohen_kappa(mains, calls),
        question_recall=_mean(float(c == "question") for c in asked),
        question_n=len(asked),
    )


def _three(moves: set[Move]) -> set[str]:
    """Multi-label Q / R / Other for gold items, which list every move they carry."""
    found = set()
    if moves.intersection(QUESTIONS):
        found.add("question")
    if moves.intersection(REFLECTIONS):
        found.add("reflection")
    return found or {"other"}


def load_annomi(path: Path = ANNOMI_PATH) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


ANNOMI_HALVES = ("analysis", "check")


def annomi_half(row: dict[str, object]) -> str:
    """'analysis' or 'check' for a whole conversation, from a stable hash of its transcript id.

    Errors may be read on the analysis half only; the check half measures whether a change
    generalises. The hash (not Python's salted ``hash``) keeps the split the same in every run.
    """
    digest = hashlib.sha256(f"annomi-transcript-{row['transcript_id']}".encode()).digest()
    return ANNOMI_HALVES[digest[0] % 2]


def annomi_labels(row: dict[str, object]) -> set[str]:
    found = set()
    if row.get("question") in ("open", "closed"):
        found.add(f"{row['question']}_question")
    if row.get("reflection") in ("simple", "complex"):
        found.add(f"{row['reflection']}_reflection")
    if "advice" in str(row.get("input") or ""):
        found.add("advice")
    if "information" in str(row.get("input") or ""):
        found.add("information")
    return found


def coded_as_annomi(coded: CodedUtterance) -> set[str]:
    found = set()
    turn_form = form(coded.moves)
    if turn_form:
        found.add(f"{turn_form}_question")
    if coded.has(Move.SIMPLE_REFLECTION):
        found.add("simple_reflection")
    if coded.has(Move.COMPLEX_REFLECTION, Move.SUMMARY):
        found.add("complex_reflection")
    if coded.has(Move.ADVICE_WITH_PERMISSION, Move.ADVICE_WITHOUT_PERMISSION):
        found.add("advice")
    if coded.has(Move.INFORMATION):
        found.add("information")
    return found


ANNOMI_LABELS = (
    "open_question",
    "closed_question",
    "simple_reflection",
    "complex_reflection",
    "advice",
    "information",
)


def _annomi_items(rows: Sequence[dict[str, object]]) -> list[tuple[str, str | None]]:
    return [(str(r["text"]), str(r["context"]) if r.get("context") else None) for r in rows]


def annomi_report(
    rows: Sequence[dict[str, object]],
    coded: Sequence[CodedUtterance] | None = None,
    name: str = "AnnoMI dev, shipped coder (zero-shot transfer)",
) -> Report:
    """Scores against AnnoMI; ``coded`` (same order as ``rows``) defaults to the shipped coder."""
    if coded is None:
        coded = code_utterances(_annomi_items(rows))
    gold = [annomi_labels(r) for r in rows]
    predicted = [coded_as_annomi(c) for c in coded]
    mains = [_annomi_main(r) for r in rows]
    calls = [primary(c) for c in coded]
    three_gold = [{m} for m in mains]
    three_pred = [{c} for c in calls]
    asked = [c for m, c in zip(mains, calls, strict=True) if m == "question"]
    pairs = [
        (str(r["question"]), form(c.moves))
        for r, c in zip(rows, coded, strict=True)
        if r.get("question") in ("open", "closed") and form(c.moves)
    ]
    return Report(
        name=name,
        items=len(rows),
        labels=score_labels(gold, predicted, ANNOMI_LABELS),
        three_way=score_labels(three_gold, three_pred, THREE_WAY),
        open_closed_accuracy=_mean(float(g == p) for g, p in pairs),
        open_closed_n=len(pairs),
        kappa=cohen_kappa(mains, calls),
        question_recall=_mean(float(c == "question") for c in asked),
        question_n=len(asked),
    )


def _annomi_main(row: dict[str, object]) -> str:
    behaviour = row.get("main_behaviour")
    return str(behaviour) if behaviour in ("question", "reflection") else "other"


CV_FOLDS = 5
CONFUSION_ROWS = ("question", "reflection", "therapist_input", "other")


def annomi_training_function(row: dict[str, object]) -> tuple[str, str | None]:
    """The classifier's function (and depth) label for an AnnoMI row, for the CV heads only.

    A reflection code wins (AnnoMI sets it on rising-intonation questions too); therapist input
    is our "input"; everything else, including the statement part of a question turn, "other".
    """
    depth = row.get("reflection")
    if depth in ("simple", "complex"):
        return "reflection", str(depth)
    behaviour = row.get("main_behaviour")
    if behaviour == "reflection":
        return "reflection", None
    return ("input", None) if behaviour == "therapist_input" else ("other", None)


def annomi_cross_validated(
    rows: Sequence[dict[str, object]], folds: int = CV_FOLDS
) -> list[CodedUtterance]:
    """Each row coded by heads refitted without its conversation: our lines plus the AnnoMI
    rows of the other folds. Nothing is written to disk."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    from evals.coder.train_coder import Example, Featurised, featurise, fit_weights, load_examples

    items = _annomi_items(rows)
    examples = [
        Example(text, context, *annomi_training_function(row), f"annomi-{row['transcript_id']}")
        for (text, context), row in zip(items, rows, strict=True)
    ]
    # Only turns with a statement left after the rules ever reach the classifier.
    usable = [n for n, (t, c) in enumerate(items) if _read(t, c).statement_text]
    annomi = featurise([examples[n] for n in usable])
    own = featurise(load_examples())
    position = {row_index: k for k, row_index in enumerate(usable)}
    groups = np.array([str(r["transcript_id"]) for r in rows])
    coded: list[CodedUtterance | None] = [None] * len(rows)
    splitter = GroupKFold(n_splits=folds)
    for fold, (train, test) in enumerate(splitter.split(np.zeros(len(rows)), groups=groups)):
        train_rows = np.array([position[n] for n in train if n in position], dtype=int)
        data = Featurised.concat(own, annomi.take(train_rows))
        classifier = MoveClassifier(
            fit_weights(data, training_hash="in-memory", version=f"annomi-cv-fold-{fold}")
        )
        for n, utterance in zip(
            test, code_utterances([items[n] for n in test], classifier=classifier), strict=True
        ):
            coded[n] = utterance
    return [c for c in coded if c is not None]


class _ExpertHead:
    """Stands in for the trained head with AnnoMI's own answer for each statement: the
    statement's function as the experts coded the turn, with certainty. What the rules around
    the head make of perfect judgement is the most a better head could give them."""

    def __init__(self, rows: Sequence[dict[str, object]]) -> None:
        self._answers = {
            (_read(text, context).statement_text, context): annomi_training_function(row)
            for (text, context), row in zip(_annomi_items(rows), rows, strict=True)
        }

    def predict(self, texts: Sequence[str], contexts: Sequence[str | None]) -> list[Prediction]:
        found = []
        for text, context in zip(texts, contexts, strict=True):
            function, depth = self._answers[(text, context)]
            found.append(
                Prediction(
                    function={name: float(name == function) for name in FUNCTIONS},
                    complex=float(depth == "complex"),
                )
            )
        return found


def annomi_with_expert_head(rows: Sequence[dict[str, object]]) -> list[CodedUtterance]:
    """Every row coded by the shipped rules around the experts' own function for each
    statement: the ceiling of the rules, reported beside the shipped coder."""
    return code_utterances(_annomi_items(rows), classifier=_ExpertHead(rows))


@dataclass(frozen=True)
class Confusion:
    """AnnoMI main behaviour (rows) against the coder's Q / R / other (columns)."""

    name: str
    counts: dict[tuple[str, str], int]
    rising_reflections: int  # AnnoMI questions we code as rising-intonation reflections


def annomi_confusion(
    rows: Sequence[dict[str, object]], coded: Sequence[CodedUtterance], name: str
) -> Confusion:
    counts: dict[tuple[str, str], int] = {}
    rising = 0
    for row, c in zip(rows, coded, strict=True):
        key = (str(row.get("main_behaviour")), primary(c))
        counts[key] = counts.get(key, 0) + 1
        if key == ("question", "reflection") and any(
            e.move in REFLECTIONS and (e.cue or "").rstrip().endswith("?") for e in c.evidence
        ):
            rising += 1
    return Confusion(name, counts, rising)


@dataclass(frozen=True)
class Results:
    reports: list[Report]
    confusions: list[Confusion]
    conversations: object | None = None  # evals.scorer_eval.QualityCheck


def run(
    gold_path: Path = GOLD_PATH,
    annomi_path: Path = ANNOMI_PATH,
    *,
    cross_validate: bool = True,
    conversations: bool = True,
) -> Results:
    """Every report that can be made with the data present; missing data is announced."""
    reports = []
    confusions = []
    quality = None
    if gold_path.exists():
        items = load_gold(gold_path)
        reports.append(gold_report("gold (all)", items))
        for half in ("dev", "held-out"):
            reports.append(
                gold_report(f"gold ({half})", [i for i in items if gold_half(i) == half])
            )
    else:
        print(f"skipping gold: {gold_path} not found")
    if CORPUS_MODULE.exists():
        reports.append(corpus_test_report())
        reports.append(
            corpus_test_report(
                SPOKEN_SESSIONS_PREFIX, "our corpus, test split, spoken sessions only (sc)"
            )
        )
    else:
        print(f"skipping our corpus: {CORPUS_MODULE} not found (a source checkout has it)")
    if annomi_path.exists():
        rows = load_annomi(annomi_path)
        shipped = code_utterances(_annomi_items(rows))
        reports.append(annomi_report(rows, shipped))
        for half in ANNOMI_HALVES:
            chosen = [n for n, r in enumerate(rows) if annomi_half(r) == half]
            reports.append(
                annomi_report(
                    [rows[n] for n in chosen],
                    [shipped[n] for n in chosen],
                    f"AnnoMI dev, shipped coder, {half} half (split by conversation)",
                )
            )
        confusions.append(annomi_confusion(rows, shipped, "shipped coder"))
        if cross_validate:
            name = (
                f"AnnoMI dev, {CV_FOLDS}-fold CV by conversation (heads refitted on our lines + "
                "AnnoMI train folds, in memory only)"
            )
            refitted = annomi_cross_validated(rows)
            reports.append(annomi_report(rows, refitted, name))
            confusions.append(annomi_confusion(rows, refitted, f"{CV_FOLDS}-fold CV"))
        reports.append(
            annomi_report(
                rows,
                annomi_with_expert_head(rows),
                "AnnoMI dev, shipped rules around the experts' own statement functions "
                "(the rules' ceiling, not a coder)",
            )
        )
        if conversations:
            from evals.scorer_eval import annomi_quality_check

            quality = annomi_quality_check(annomi_path)
    else:
        print(f"skipping AnnoMI dev: {annomi_path} not found (it lives in ../shared/datasets)")
    return Results(reports, confusions, quality)


def print_results(results: Results) -> None:
    print_reports(results.reports)
    for confusion in results.confusions:
        print_confusion(confusion)
    if results.conversations is not None:
        from evals.scorer_eval import QualityCheck, print_quality_check

        assert isinstance(results.conversations, QualityCheck)
        print_quality_check(results.conversations)


def print_confusion(confusion: Confusion) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"AnnoMI dev confusion, {confusion.name}: AnnoMI (rows) vs coder")
    table.add_column("AnnoMI main behaviour")
    for column in THREE_WAY:
        table.add_column(f"coded {column}", justify="right")
    for row in CONFUSION_ROWS:
        table.add_row(row, *(str(confusion.counts.get((row, col), 0)) for col in THREE_WAY))
    Console(width=120).print(table)
    print(
        f"  of the AnnoMI questions coded as reflections, {confusion.rising_reflections} are "
        "statements said with a rising '?', reflections by MITI 4.2.1's convention"
    )


def print_reports(reports: Sequence[Report]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=120)
    for report in reports:
        table = Table(title=f"{report.name}: {report.items} utterances")
        for column in ("label", "precision", "recall", "F1", "support"):
            table.add_column(column, justify="left" if column == "label" else "right")
        for score in report.labels:
            if score.support or score.precision:
                table.add_row(
                    score.label,
                    f"{score.precision:.3f}",
                    f"{score.recall:.3f}",
                    f"{score.f1:.3f}",
                    str(score.support),
                )
        table.add_section()
        table.add_row("macro-F1 (labels with support)", "", "", f"{report.macro_f1:.3f}", "")
        for score in report.three_way:
            table.add_row(
                f"3-way {score.label}",
                f"{score.precision:.3f}",
                f"{score.recall:.3f}",
                f"{score.f1:.3f}",
                str(score.support),
            )
        table.add_row("3-way Q/R/other macro-F1", "", "", f"{report.three_way_macro_f1:.3f}", "")
        table.add_row(
            "open vs closed accuracy",
            "",
            "",
            f"{report.open_closed_accuracy:.3f}",
            str(report.open_closed_n),
        )
        if report.kappa is not None:
            table.add_row("3-way Cohen's kappa", "", "", f"{report.kappa:.3f}", "")
        if report.question_recall is not None:
            table.add_row(
                "question recall (main behaviour)",
                "",
                "",
                f"{report.question_recall:.3f}",
                str(report.question_n),
            )
        console.print(table)
    print_summary(reports)


def print_summary(reports: Sequence[Report]) -> None:
    """One line per report with the headline numbers, to compare runs at a glance."""
    for report in reports:
        extra = ""
        if report.kappa is not None:
            extra = f"  kappa {report.kappa:.3f}  question recall {report.question_recall:.3f}"
            extra += f" ({report.question_n})"
        print(
            f"{report.name}: Q/R/other macro-F1 {report.three_way_macro_f1:.3f}  open/closed "
            f"{report.open_closed_accuracy:.3f} ({report.open_closed_n}){extra}"
        )


if __name__ == "__main__":
    print_results(run())

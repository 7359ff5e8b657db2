"""Train the coder's classifier heads on the project's own lines and write the shipped weights.

    .venv/bin/python evals/coder/train_coder.py            # train, report CV, write the model
    .venv/bin/python evals/coder/train_coder.py --check    # exit 1 if the shipped model is stale

"Stale" covers both ways the head can drift from what it serves: the training lines changed
(``training_hash``, cheap, also a unit test), or a rule change altered the statements the rules
cut from the same lines (``statements_digest``, about 20 s, run by ``make check``).

Training data, all original writing: app/scoring/training/*.yaml, the train split of our corpus
(training/coder/corpus, the "lg" lines left out because they are the yaml lines relabelled), and
a transcript-style fragment of each corpus line (see ``transcript_fragment``). Neither the gold
set nor the AnnoMI dev rows are used here, so the shipped weights carry no third-party data.
Training is deterministic (a seeded fragment generator, lbfgs, fixed folds), so the same lines
always give the same weights.

The classifier reads exactly what the coder sends it at run time: the statement part of a turn
(``coder._read(...).statement_text``), so a training line that is a question is dropped here just
as it would never reach the classifier.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from app.embeddings import get_embedder
from app.scoring.classifier import (
    FEATURES,
    FUNCTIONS,
    MODEL_PATH,
    NGRAM_WEIGHT,
    NgramVocabulary,
    classifier_text,
    handcrafted,
    ngrams,
)
from app.scoring.coder import _read
from evals.coder_eval import CORPUS_MODULE, HEAD_TRAINING_PREFIX, corpus_module

TRAINING_DIR = Path(__file__).resolve().parents[2] / "app" / "scoring" / "training"
CORPUS_DIR = CORPUS_MODULE.parent / "corpus"
FRAGMENT_SEED = 20261130
# What the other person says while a transcript cuts the learner's turn in two.
BACKCHANNELS = ("Yeah.", "Mm-hmm.", "Mm.", "Right.", "Okay.", "Uh-huh.", "Yes.")
FUNCTION_C = 1.0
DEPTH_C = 1.0
# A word or pair in fewer training statements than this is left out of the vocabulary: rarer
# ones name one scenario's topic, not a function (2 gave a larger vocabulary and no gain).
NGRAM_MIN_LINES = 3


@dataclass(frozen=True)
class Example:
    text: str
    context: str | None
    function: str
    depth: str | None  # "simple" / "complex" for reflections
    group: str  # examples written against the same peer line share a fold


def yaml_files() -> list[Path]:
    return sorted(TRAINING_DIR.glob("*.yaml"))


def training_files() -> list[Path]:
    return yaml_files() + sorted(CORPUS_DIR.glob("*.jsonl"))


def training_hash() -> str:
    """Identifies the training data and how it is read (features, word-pair vocabulary,
    penalties); stored in the model, and part of its version name, so a stale model is detected
    by a unit test (the statements the rules cut from these lines: ``statements_digest``)."""
    digest = hashlib.sha256()
    recipe = (FEATURES, NGRAM_WEIGHT, NGRAM_MIN_LINES, FUNCTION_C, DEPTH_C)
    digest.update(repr(recipe).encode())
    for path in training_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def statements_digest(statements: Sequence[str]) -> str:
    """Identifies what the head was shown: the statement part of every training line, as the
    rules of the day cut it. A rule change that moves a sentence in or out changes it."""
    digest = hashlib.sha256()
    for statement in statements:
        digest.update(statement.encode())
        digest.update(b"\n")
    return digest.hexdigest()[:16]


def model_version(training: str, shown: str) -> str:
    """The model's name: new lines, a new recipe or new statements cut by new rules each give a
    new name, so two heads fitted differently never share one."""
    return "lr-" + hashlib.sha256(f"{training}:{shown}".encode()).hexdigest()[:8]


def current_statements() -> list[str]:
    return [_statement(e.text, e.context) for e in load_examples()]


@cache
def _statement(text: str, context: str | None) -> str:
    """What the classifier is shown of a line; read once, since selecting, fragmenting and
    featurising the lines each need it."""
    return _read(text, context).statement_text


def load_examples() -> list[Example]:
    examples: list[Example] = []
    for path in yaml_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, list):
            examples += _contrast_examples(path.stem, data)
        else:
            examples += _line_examples(path.stem, data)
    corpus = [e for e in _corpus_examples() if _statement(e.text, e.context)]
    rng = random.Random(FRAGMENT_SEED)
    fragments = [transcript_fragment(e, rng) for e in corpus if e.function != "affirmation"]
    examples += corpus + [f for f in fragments if f is not None]
    return [e for e in examples if _statement(e.text, e.context)]


def _corpus_examples() -> list[Example]:
    """The corpus's train split, each line's statement labelled by the function it carries."""
    corpus = corpus_module()
    return [
        Example(line.text, line.context, *corpus_function(corpus, line), line.context or line.id)
        for line in corpus.load_corpus(CORPUS_DIR)
        if line.split == "train" and not line.id.startswith(HEAD_TRAINING_PREFIX)
    ]


def corpus_function(corpus: ModuleType, line: Any) -> tuple[str, str | None]:
    """The head's function (and depth) for a corpus line, by the corpus's own label groups. A
    reflection in the line wins, as the head only sees the statement part of a question turn;
    then praise alone is an affirmation, then any of the learner's own input; the rest (small
    talk, the statement before a question) is other."""
    labels = set(line.labels)
    if reflected := labels & corpus.REFLECTIONS:
        return "reflection", "simple" if reflected == {"simple_reflection"} else "complex"
    inputs = labels & corpus.INPUTS
    if "affirmation" in labels and not inputs:
        return "affirmation", None
    return ("input", None) if inputs else ("other", None)


def transcript_fragment(example: Example, rng: random.Random) -> Example | None:
    """Part of a line as a transcript shows it when the other person's "Mm-hmm" cuts the turn:
    a run of its words with a dash where the cut falls, a stutter now and then, often the
    backchannel as context. Its function is the whole line's: a piece of a reflection is still
    a reflection (MITI codes an utterance by what it does), which the written corpus alone
    never shows the head."""
    tokens = example.text.split()
    if len(tokens) < 6:
        return None
    keep = max(3, int(len(tokens) * rng.uniform(0.4, 0.9)))
    start = rng.choice([0, rng.randint(0, len(tokens) - keep)])
    span = tokens[start : start + keep]
    if rng.random() < 0.4:
        where = rng.randrange(len(span))
        word = span[where].strip(".,?!")
        if word:
            span[where] = f"{word}-{span[where]}"
    text = " ".join(span)
    if start > 0:
        text = "-" + text[0].lower() + text[1:]
    if start + keep < len(tokens):
        text = text.rstrip(".,?!") + "-"
    context = rng.choice(BACKCHANNELS) if rng.random() < 0.6 else example.context
    return Example(text, context, example.function, example.depth, example.group)


def _contrast_examples(stem: str, records: list[dict[str, str]]) -> list[Example]:
    found = []
    for n, record in enumerate(records):
        group = f"{stem}-{n}"
        context = record["context"]
        for key in ("simple", "complex"):
            if key in record:
                found.append(Example(record[key], context, "reflection", key, group))
        for key in ("input", "affirmation", "other"):
            if key in record:
                found.append(Example(record[key], context, key, None, group))
    return found


def _line_examples(stem: str, data: dict[str, list]) -> list[Example]:
    found = []
    for function in ("other", "input", "affirmation"):
        for n, text in enumerate(data.get(function, [])):
            found.append(Example(text, None, function, None, f"{stem}-{function}-{n}"))
    for key, depth in (("reflection_simple", "simple"), ("reflection_complex", "complex")):
        for n, item in enumerate(data.get(key, [])):
            group = f"{stem}-reflection-{item['context']}-{n % 1000}"
            found.append(Example(item["text"], item["context"], "reflection", depth, group))
    return found


@dataclass(frozen=True)
class Featurised:
    """Examples as the classifier sees them: statements, embeddings, raw handcrafted features
    and labels."""

    statements: np.ndarray
    embedded: np.ndarray
    extra: np.ndarray
    functions: np.ndarray  # one of FUNCTIONS per row
    depths: np.ndarray  # "simple" / "complex" for reflections, "" otherwise
    groups: np.ndarray

    def take(self, rows: np.ndarray) -> Featurised:
        return Featurised(
            self.statements[rows],
            self.embedded[rows],
            self.extra[rows],
            self.functions[rows],
            self.depths[rows],
            self.groups[rows],
        )

    @staticmethod
    def concat(*parts: Featurised) -> Featurised:
        return Featurised(
            np.concatenate([p.statements for p in parts]),
            np.vstack([p.embedded for p in parts]),
            np.vstack([p.extra for p in parts]),
            np.concatenate([p.functions for p in parts]),
            np.concatenate([p.depths for p in parts]),
            np.concatenate([p.groups for p in parts]),
        )


def featurise(examples: list[Example]) -> Featurised:
    """Embeddings and raw handcrafted features, computed as the coder computes them."""
    statements = [_statement(e.text, e.context) for e in examples]
    embedded = np.vstack([get_embedder().embed([classifier_text(s)]) for s in statements])
    extra = np.vstack(
        [handcrafted(s, e.context) for s, e in zip(statements, examples, strict=True)]
    )
    return Featurised(
        np.array(statements, dtype=object),
        embedded,
        extra,
        np.array([e.function for e in examples]),
        np.array([e.depth or "" for e in examples]),
        np.array([e.group for e in examples]),
    )


def vocabulary(statements: np.ndarray) -> NgramVocabulary:
    """The words and pairs found in at least ``NGRAM_MIN_LINES`` statements, sorted."""
    counts = Counter(gram for statement in statements for gram in ngrams(str(statement)))
    return NgramVocabulary(sorted(g for g, n in counts.items() if n >= NGRAM_MIN_LINES))


@dataclass(frozen=True)
class Design:
    """The feature matrix and what the classifier must store to build it again."""

    x: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    vocabulary: NgramVocabulary


def design_matrix(data: Featurised) -> Design:
    """Embedding, scaled handcrafted features and word-pair presence, as the classifier joins
    them at run time."""
    mean, scale = data.extra.mean(axis=0), data.extra.std(axis=0) + 1e-6
    grams = vocabulary(data.statements)
    x = np.hstack(
        [data.embedded, (data.extra - mean) / scale, grams.features(list(data.statements))]
    )
    return Design(x.astype(np.float64), mean, scale, grams)


def fit(x: np.ndarray, y: np.ndarray, c: float) -> LogisticRegression:
    """Rare classes are weighted up by the square root of their rarity, not to parity: at parity
    the 3% of affirmations weigh 8x and the head called plain reflections of hardship ("You've
    been carrying this alone.") affirmations."""
    classes, counts = np.unique(y, return_counts=True)
    weights = np.sqrt(len(y) / (len(classes) * counts))
    balance = dict(zip(classes, weights, strict=True))
    model = LogisticRegression(C=c, max_iter=5000, class_weight=balance)
    return model.fit(x, y)


def fit_weights(data: Featurised, *, training_hash: str, version: str) -> dict[str, np.ndarray]:
    """Both heads fitted on ``data``, as the arrays ``MoveClassifier`` loads.

    The shipped model is this, saved; the AnnoMI cross-validation in evals/coder_eval.py calls
    it on folds that include AnnoMI rows and keeps the result in memory only.
    """
    design = design_matrix(data)
    x = design.x
    function_model = fit(x, data.functions, FUNCTION_C)
    order = [list(function_model.classes_).index(f) for f in FUNCTIONS]
    depth_rows = data.depths != ""
    depth_model = fit(x[depth_rows], (data.depths[depth_rows] == "complex").astype(int), DEPTH_C)
    return {
        "feature_mean": design.mean.astype(np.float32),
        "feature_scale": design.scale.astype(np.float32),
        "function_coef": function_model.coef_[order].astype(np.float32),
        "function_intercept": function_model.intercept_[order].astype(np.float32),
        "depth_coef": depth_model.coef_.astype(np.float32),
        "depth_intercept": depth_model.intercept_.astype(np.float32),
        "features": np.array(FEATURES),
        "ngrams": np.array(design.vocabulary.grams),
        "functions": np.array(FUNCTIONS),
        "training_hash": np.array(training_hash),
        "version": np.array(version),
    }


def cross_validate(x: np.ndarray, y: np.ndarray, groups: np.ndarray, c: float) -> float:
    """Accuracy with whole contrast records held out together, so no peer line leaks (the word-pair
    vocabulary is built on all lines; only the weights are held out)."""
    correct = 0
    for train, test in GroupKFold(n_splits=5).split(x, y, groups):
        correct += int((fit(x[train], y[train], c).predict(x[test]) == y[test]).sum())
    return correct / len(y)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the model is current")
    args = parser.parse_args()
    current = training_hash()
    if args.check:
        with np.load(MODEL_PATH) as data:
            shipped = str(data["training_hash"])
            shown = str(data["statements_digest"]) if "statements_digest" in data else "unknown"
        print(f"training data {current}, shipped model trained on {shipped}")
        now_shown = statements_digest(current_statements())
        print(f"training statements {now_shown}, shipped model shown {shown}")
        return 0 if (shipped, shown) == (current, now_shown) else 1

    data = featurise(load_examples())
    x = design_matrix(data).x
    depth_rows = data.depths != ""
    counts = {f: int((data.functions == f).sum()) for f in FUNCTIONS}
    print(
        f"{len(data.functions)} training lines: {counts}; reflections by depth: "
        f"simple {int((data.depths == 'simple').sum())}, "
        f"complex {int((data.depths == 'complex').sum())}"
    )
    print(
        f"function head, 5-fold grouped CV accuracy: "
        f"{cross_validate(x, data.functions, data.groups, FUNCTION_C):.3f}"
    )
    depths = (data.depths[depth_rows] == "complex").astype(int)
    print(
        f"depth head, 5-fold grouped CV accuracy: "
        f"{cross_validate(x[depth_rows], depths, data.groups[depth_rows], DEPTH_C):.3f}"
    )
    shown = statements_digest([str(s) for s in data.statements])
    weights = fit_weights(data, training_hash=current, version=model_version(current, shown))
    weights["statements_digest"] = np.array(shown)
    MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(MODEL_PATH, **weights)
    print(f"wrote {MODEL_PATH} ({MODEL_PATH.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

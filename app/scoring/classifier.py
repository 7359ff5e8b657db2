"""The trained part of the coder: two small logistic-regression heads over sentence embeddings.

Rules decide the moves whose language is regular (questions, advice, SBI parts). What is left
is a judgement of meaning that patterns cannot make well: is this statement a reflection of the
other person's experience, an input of the learner's own, an affirmation or neither; and does a
reflection add meaning (complex) or repeat (simple)? Both heads read the packaged MiniLM
embedding of the statement, a few interpretable features (overlap with the peer's last turn
is the strongest sign of a simple reflection) and which of the training lines' frequent words
and word pairs the statement holds. A sentence embedding is trained to place lines by what they
are about; pairs such as "sounds like", "you have" or "it's important" say more of what a line
does.

The weights are trained by ``evals/coder/train_coder.py`` on the project's own lines in
``app/scoring/training/`` and the train split of its corpus in ``training/coder/`` (with
transcript-style fragments of it), and stored in ``app/scoring/model/coder.npz`` (about 190 KB,
most of it the word-pair vocabulary). Inference is plain numpy, so loading costs nothing
beyond the embedding model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Protocol

import numpy as np

from app.embeddings import get_embedder
from app.scoring import rules
from app.scoring.language import core_form, overlap, word_count, words

MODEL_PATH = Path(__file__).parent / "model" / "coder.npz"
FUNCTIONS = ("reflection", "input", "affirmation", "other")
FEATURES = (
    "overlap_with_context",
    "log_words",
    "you_rate",
    "i_rate",
    "we_rate",
    "rising",
    "feeling_words",
    "complex_markers",
    "reflection_start",
    "advice_cue",
)


def handcrafted(text: str, context: str | None) -> np.ndarray:
    """Interpretable features; each is a known sign of one function or depth."""
    tokens = words(text)
    n = max(len(tokens), 1)
    return np.array(
        [
            overlap(text, context),
            np.log1p(word_count(text)),
            sum(t in ("you", "you're", "your", "you've", "you'd", "yourself") for t in tokens) / n,
            sum(t in ("i", "i'm", "me", "my", "i've", "i'd", "myself") for t in tokens) / n,
            sum(t in ("we", "we're", "us", "our", "we've", "let's") for t in tokens) / n,
            float(text.rstrip().endswith("?")),
            float(rules.feeling_words(text)),
            float(rules.match_any(rules.COMPLEX_MARKERS, text)),
            float(rules.starts_like(rules.REFLECTION, text)),
            float(rules.match_any(rules.ADVICE, text) or rules.starts_like(rules.IMPERATIVE, text)),
        ],
        dtype=np.float32,
    )


# How much a word or word pair counts beside the embedding under the heads' shared L2 penalty:
# at 0.5 the pairs moved our corpus dev split from 0.879 to 0.894 macro-F1 and AnnoMI dev from
# 0.777 to 0.785; 0.3 and 1.0 did less on both.
NGRAM_WEIGHT = 0.5


def classifier_text(text: str) -> str:
    """What the embedding reads: the statement without fillers, which carry no function."""
    return core_form(text) or text.strip().lower()


def ngrams(text: str) -> set[str]:
    """The words and adjacent word pairs of the statement as the embedding reads it."""
    tokens = words(classifier_text(text))
    return set(tokens) | {f"{a} {b}" for a, b in pairwise(tokens)}


class NgramVocabulary:
    """Presence of the training lines' frequent words and pairs, in a fixed column order."""

    def __init__(self, grams: Sequence[str]) -> None:
        self.grams = tuple(grams)
        self._column = {gram: n for n, gram in enumerate(self.grams)}

    def features(self, texts: Sequence[str]) -> np.ndarray:
        found = np.zeros((len(texts), len(self.grams)), dtype=np.float32)
        for row, text in enumerate(texts):
            columns = [self._column[g] for g in ngrams(text) if g in self._column]
            found[row, columns] = NGRAM_WEIGHT
        return found


@dataclass(frozen=True)
class Prediction:
    """Probabilities of each function, and of a reflection being complex."""

    function: dict[str, float]
    complex: float


class FunctionReader(Protocol):
    """What the coder asks of its trained part; evaluations pass refitted or reference heads."""

    def predict(self, texts: Sequence[str], contexts: Sequence[str | None]) -> list[Prediction]: ...


class MoveClassifier:
    """Softmax over functions and a sigmoid for depth, from weights trained offline."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self._mean = weights["feature_mean"]
        self._scale = weights["feature_scale"]
        self._function_w = weights["function_coef"]
        self._function_b = weights["function_intercept"]
        self._depth_w = weights["depth_coef"]
        self._depth_b = weights["depth_intercept"]
        self._vocabulary = NgramVocabulary([str(g) for g in weights["ngrams"]])
        self.version = str(weights["version"])

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> MoveClassifier:
        with np.load(path, allow_pickle=False) as data:
            return cls({key: data[key] for key in data.files})

    def features(self, texts: Sequence[str], contexts: Sequence[str | None]) -> np.ndarray:
        embedded = get_embedder().embed([classifier_text(t) for t in texts])
        extra = np.vstack([handcrafted(t, c) for t, c in zip(texts, contexts, strict=True)])
        grams = self._vocabulary.features(texts)
        return np.hstack([embedded, (extra - self._mean) / self._scale, grams])

    def predict(self, texts: Sequence[str], contexts: Sequence[str | None]) -> list[Prediction]:
        if not texts:
            return []
        x = self.features(texts, contexts)
        logits = x @ self._function_w.T + self._function_b
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        depth = 1.0 / (1.0 + np.exp(-(x @ self._depth_w.ravel() + self._depth_b.ravel()[0])))
        return [
            Prediction(
                function={name: round(float(p), 4) for name, p in zip(FUNCTIONS, row, strict=True)},
                complex=round(float(d), 4),
            )
            for row, d in zip(probs, depth, strict=True)
        ]


@lru_cache(maxsize=1)
def get_classifier() -> MoveClassifier:
    """Loaded once per process; the practice loop codes every turn with it."""
    return MoveClassifier.load()

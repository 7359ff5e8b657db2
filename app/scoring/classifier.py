"""The learned part of the coder: a fine-tuned MiniLM, served as int8 ONNX on onnxruntime.

One forward pass reads the other person's last line and the learner's line as a sentence pair
and gives the turn's *main behaviour* (question, reflection, input, other: one softmax, as
MITI and AnnoMI code a turn) and a probability for every move (one sigmoid each, since a turn
can carry several). The exported graph has a third output, *fit*, from a head trained to tell
a line after its own context from the same line after another conversation's; it is not read,
because it did not separate made-up reflections from real ones (``training/coder/README.md``).
Thresholds per move were chosen on the corpus's dev split and are stored beside the weights in
``coder.json``, with the corpus digest and seed that made them, and so are the main-behaviour
prior offsets, if ``training/coder/calibrate.py`` fitted any.

Weights, tokenizer and metadata ship inside the package (``app/scoring/model/``) and are
trained by ``training/coder/train.py`` on the project's own corpus only.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import onnxruntime as ort

from app.scoring.encoding import encode_batch, load_tokenizer

MODEL_DIR = Path(__file__).parent / "model"
# One pair per run: onnxruntime's dynamic int8 quantisation scales activations by the whole
# batch, so a line's scores would depend on which other lines share its batch. Coding a turn
# live and coding it again at the end of the session must agree exactly.
_BATCH = 1


@dataclass(frozen=True)
class ModelRead:
    """The model's view of one line: main-behaviour and per-move probabilities."""

    main: dict[str, float]
    moves: dict[str, float]

    @property
    def main_label(self) -> str:
        return max(self.main, key=lambda label: self.main[label])


class MoveModel:
    """Loaded once per process (about 23 MB of int8 weights); ``predict`` is thread-safe."""

    def __init__(self, directory: Path = MODEL_DIR) -> None:
        meta = json.loads((directory / "coder.json").read_text(encoding="utf-8"))
        self.name: str = meta["name"]
        self.version: str = meta["version"]
        self.main_labels: tuple[str, ...] = tuple(meta["main_labels"])
        self.move_labels: tuple[str, ...] = tuple(meta["move_labels"])
        self.thresholds: dict[str, float] = {k: float(v) for k, v in meta["thresholds"].items()}
        # Prior offsets fitted by training/coder/calibrate.py (see there); zero when absent.
        offsets = meta.get("calibration", {}).get("offsets", {})
        self._main_offsets = np.array(
            [float(offsets.get(label, 0.0)) for label in self.main_labels], dtype=np.float32
        )
        options = ort.SessionOptions()
        options.intra_op_num_threads = 2
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(directory / "coder.onnx"), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = load_tokenizer(str(directory / "tokenizer.json"))
        self._lock = threading.Lock()

    def predict(self, pairs: Sequence[tuple[str, str | None]]) -> list[ModelRead]:
        """Read many (line, context) pairs; batched by length so padding stays small."""
        if not pairs:
            return []
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]))
        main = np.zeros((len(pairs), len(self.main_labels)), dtype=np.float32)
        moves = np.zeros((len(pairs), len(self.move_labels)), dtype=np.float32)
        for start in range(0, len(order), _BATCH):
            rows = order[start : start + _BATCH]
            with self._lock:
                tokens = encode_batch(self._tokenizer, [pairs[i] for i in rows])
                main_logits, move_logits = self._session.run(["main_logits", "move_logits"], tokens)
            main[rows] = _softmax(main_logits + self._main_offsets)
            moves[rows] = 1.0 / (1.0 + np.exp(-move_logits))
        return [
            ModelRead(
                main={k: round(float(v), 4) for k, v in zip(self.main_labels, m, strict=True)},
                moves={k: round(float(v), 4) for k, v in zip(self.move_labels, p, strict=True)},
            )
            for m, p in zip(main, moves, strict=True)
        ]


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities: np.ndarray = shifted / shifted.sum(axis=1, keepdims=True)
    return probabilities


@lru_cache(maxsize=1)
def get_classifier() -> MoveModel:
    return MoveModel()

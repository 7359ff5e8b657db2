"""How a (context, line) pair becomes model input: one function for training and for serving.

The coder reads the other person's previous line and the learner's line as a BERT sentence
pair. Budgets are in word pieces: the *end* of the context (what was said last matters most)
and the head and tail of a long line (a long spoken turn often ends with the question that
decides its main behaviour). Training (``training/coder/train.py``) imports this module, so
the model is served on exactly the input it was trained on. Only ``tokenizers`` and numpy are
needed here, so the training environment can import it without the service's dependencies.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from tokenizers import Tokenizer

CONTEXT_TOKENS = 24
TEXT_HEAD_TOKENS = 32
TEXT_TAIL_TOKENS = 48

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Curly quotes to straight, runs of whitespace to one space: neither carries a function."""
    return _SPACE.sub(" ", text.translate(_QUOTES)).strip()


def load_tokenizer(path: str) -> Tokenizer:
    tokenizer = Tokenizer.from_file(path)
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def _special_ids(tokenizer: Tokenizer) -> tuple[int, int]:
    cls_id = tokenizer.token_to_id("[CLS]")
    sep_id = tokenizer.token_to_id("[SEP]")
    if cls_id is None or sep_id is None:
        raise ValueError("the tokenizer has no [CLS]/[SEP] tokens: not a BERT vocabulary")
    return cls_id, sep_id


def encode_pair(
    tokenizer: Tokenizer, text: str, context: str | None
) -> tuple[list[int], list[int]]:
    """Word-piece ids and segment ids for ``[CLS] context [SEP] text [SEP]``."""
    cls_id, sep_id = _special_ids(tokenizer)
    line = tokenizer.encode(normalise(text), add_special_tokens=False).ids
    if len(line) > TEXT_HEAD_TOKENS + TEXT_TAIL_TOKENS:
        line = line[:TEXT_HEAD_TOKENS] + line[-TEXT_TAIL_TOKENS:]
    before: list[int] = []
    if context and context.strip():
        before = tokenizer.encode(normalise(context), add_special_tokens=False).ids
        before = before[-CONTEXT_TOKENS:]
    ids = [cls_id, *before, sep_id, *line, sep_id]
    segments = [0] * (len(before) + 2) + [1] * (len(line) + 1)
    return ids, segments


def encode_batch(
    tokenizer: Tokenizer, pairs: Sequence[tuple[str, str | None]]
) -> dict[str, np.ndarray]:
    """Pad to the longest pair in the batch (fixed-length padding costs several times more)."""
    encoded = [encode_pair(tokenizer, text, context) for text, context in pairs]
    width = max((len(ids) for ids, _ in encoded), default=0)
    input_ids = np.zeros((len(encoded), width), dtype=np.int64)
    token_types = np.zeros((len(encoded), width), dtype=np.int64)
    mask = np.zeros((len(encoded), width), dtype=np.int64)
    for row, (ids, segments) in enumerate(encoded):
        input_ids[row, : len(ids)] = ids
        token_types[row, : len(ids)] = segments
        mask[row, : len(ids)] = 1
    return {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": token_types}

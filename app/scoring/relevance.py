"""Does a learner's line relate to what the peer actually said?

A reflection earns trust (in the persona) and credit (on the scorecard) only when it reflects
something the peer said or plainly implied. The form of a reflection ("It sounds like ...") is
easy to produce without listening; its meaning is not. Both the scorer and the persona state
machine ask this one function, so the peer and the scorecard never disagree about a line.

The measure is the best cosine similarity between the line and the peer's recent lines (each
alone, and the last two joined, since a reflection often spans them), from the packaged MiniLM
embedding, lifted a little by shared content words, which the embedding underrates for short
lines. Thresholds were set on the scorer and persona eval cases; they are constants so that the
documentation and the tests can name them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from app.embeddings import get_embedder
from app.scoring.language import content_stems

RELATED = 0.45  # at or above: the line reflects what was said
PARTLY = 0.10  # between PARTLY and RELATED: on topic but partly wrong or a stretch. Complex
# reflections of meaning score 0.10-0.30 on MiniLM ("You've been carrying two jobs at once" after
# "I've been covering for Priya since she left": 0.10), so 0.30 called good ones unrelated; below
# 0.10 are lines like "It sounds like the moon is made of cheese" (issue 12 eval cases)
OVERLAP_WEIGHT = 0.25  # how much shared content words add to the similarity
RECENT_LINES = 4  # how many of the peer's latest lines a reflection may draw on


# The stems of a reflection carry its form, not its meaning; left in, they make any two
# reflections look alike to the embedding.
_REFLECTIVE_STEM = re.compile(
    r"^\W*(?:(?:so|okay|ok|right|yeah|well|and|mm-?hmm)\W+)*"
    r"(?:it\s+(?:sounds|seems|feels|looks)\s+(?:like|as\s+if|as\s+though)|"
    r"(?:i'?m\s+)?(?:hearing|sensing|guessing|getting)(?:\s+that)?|i\s+wonder\s+if|"
    r"what\s+i'?m\s+hearing\s+is|you'?re\s+saying|you\s+feel|you\s+sound)\W*",
    re.IGNORECASE,
)


def _meaning(text: str) -> str:
    stripped = _REFLECTIVE_STEM.sub("", text.strip())
    return stripped or text


class Relevance(StrEnum):
    RELATED = "related"
    PARTLY = "partly"
    UNRELATED = "unrelated"


@dataclass(frozen=True)
class RelevanceRead:
    """How closely a line matches the peer's recent words, and which of them it matches best."""

    verdict: Relevance
    score: float
    best_line: str | None


def relevance(text: str, peer_lines: Sequence[str]) -> RelevanceRead:
    """Score ``text`` against the peer's recent lines (oldest first; only the last few count)."""
    recent = [line for line in peer_lines if line and line.strip()][-RECENT_LINES:]
    if not recent or not text.strip():
        return RelevanceRead(Relevance.UNRELATED, 0.0, None)
    candidates = list(recent)
    if len(recent) >= 2:
        candidates.append(f"{recent[-2]} {recent[-1]}")
    vectors = get_embedder().embed([_meaning(text), *candidates])
    similarities = vectors[1:] @ vectors[0]
    own = content_stems(_meaning(text))
    boosts = np.array(
        [len(own & content_stems(c)) / len(own) if own else 0.0 for c in candidates],
        dtype=np.float32,
    )
    combined = similarities + OVERLAP_WEIGHT * boosts
    best = int(np.argmax(combined))
    score = round(float(combined[best]), 4)
    if score >= RELATED:
        verdict = Relevance.RELATED
    elif score >= PARTLY:
        verdict = Relevance.PARTLY
    else:
        verdict = Relevance.UNRELATED
    return RelevanceRead(verdict, score, candidates[best])

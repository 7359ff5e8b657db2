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
from app.scoring.language import content_stems, stem, words
from app.scoring.rules import feeling_words

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
    r"(?:(?:it|that|this)\s+(?:sounds|seems|feels|looks)\s+(?:like|as\s+if|as\s+though)|"
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


# Words any coaching line may use without being about something the other person said: a
# question made only of these is never off-topic, and they never show a reflection was heard.
GENERIC_WORDS = frozenset(
    stem(w)
    for w in re.findall(
        r"[a-z]+",
        """help happen happened happening hard hardest part parts matter matters important
    mind feel feeling feelings see next want need needs work working going like mean means sense
    change changes different better worse support time times day days week weeks today now right
    best worst thought thoughts idea ideas view take make think know say look come else moment
    situation thing things stand right happy hope hoping worry worried concern concerns expect
    option options step steps first start plan plans decide difference prefer useful easier
    easiest tell talk talking share sharing most least whole really been like rather manager
    team boss colleague colleagues job role project doing today feel going well minute minutes
    chat catch check conversation conversations lead leader supervisor goal goals outcome
    outcomes result results ideal success successful good month months end""",
    )
)
# The words of a reflection of meaning (weight, pull, being stretched): a complex reflection
# brings them in without the other person having said them, so they prove nothing either way
# ("You've been carrying two jobs at once" after "I've been covering for Priya since she left").
REFLECTIVE_WORDS = frozenset(
    stem(w)
    for w in re.findall(
        r"[a-z]+",
        """carry carrying carried weight weighing heavy load juggle juggling stretch stretched
    pull pulled pulling torn stuck alone own both two double once sides side balance burden
    plate shoulder shoulders lot much everything nothing enough space room middle between
    keep keeping hold holding inside way big huge small little real""",
    )
)
# A reflection only PARTLY related by meaning to the last few lines still counts when at least
# this share of its specific words were said by the other person ("So the moon landing was
# fake, it sounds like" scores 0.12 on MiniLM against a talk about late files: inside PARTLY)...
KNOWN_SHARE = 0.5
# ...or when it relates to some stretch of the whole talk at least this much. Expert-coded
# AnnoMI reflections, read against every earlier client line, fall below 0.15 in 1.1% of
# cases; made-up ones ("the moon is made of cheese", "you love pizza") scored 0.02-0.14.
TALK_RELEVANCE = 0.15


def names_what_was_said(text: str, peer_lines: Sequence[str]) -> bool:
    """Whether a reflection that is only partly related names something the other person said,
    or relates in meaning to some stretch of the whole talk. Feeling words and generic words do
    not count either way: "you feel stuck" names nothing to check, while "the moon landing was
    fake" names three things nobody said and relates to no part of the talk. The scorer and the
    persona both ask this, so the peer and the scorecard agree on such a line."""
    specific = _specific(text)
    if not specific:
        return True
    heard = _heard(peer_lines)
    if len(specific & heard) / len(specific) >= KNOWN_SHARE:
        return True
    windows = [peer_lines[i : i + RECENT_LINES] for i in range(0, len(peer_lines), RECENT_LINES)]
    return any(relevance(text, window).score >= TALK_RELEVANCE for window in windows)


def adds_nothing_unheard(text: str, peer_lines: Sequence[str]) -> bool:
    """Whether every specific word of a reflection was said by the other person (feeling and
    reflective words aside): such a line can be a stretch of meaning, never a wrong fact."""
    return _specific(text) <= _heard(peer_lines)


def _specific(text: str) -> set[str]:
    meaning = _meaning(text)
    specific = content_stems(meaning) - GENERIC_WORDS - REFLECTIVE_WORDS
    return specific - {stem(w) for w in words(meaning) if feeling_words(w)}


def _heard(peer_lines: Sequence[str]) -> set[str]:
    return set().union(*(content_stems(line) for line in peer_lines)) if peer_lines else set()

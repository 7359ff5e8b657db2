"""Small text helpers the coder and the rewriter share.

Everything here is deterministic and cheap, because the practice loop codes every learner turn
while the peer is replying. Sentence boundaries come from pysbd (rule-based, English) and stems
from the Snowball English stemmer; both are cached per input, since one turn is split and
stemmed by several scorers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pysbd
import snowballstemmer


def _word_set(words: str) -> frozenset[str]:
    """A set from a whitespace-separated word list (easier to read and edit than a literal)."""
    return frozenset(words.split())


_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")

# Discourse openers and fillers that say nothing about a sentence's form. Stripped before the
# form of a sentence is read ("Okay, so what happened?" is a what-question).
_OPENER = re.compile(
    r"^(?:(?:(?:um+|uh+|er+|erm|hmm+|mm+(?:-hmm)?|mhm|uh-huh|oh|ah|ok(?:ay)?|alright|all right|"
    r"right|yeah|yes|yep|sure|well|so|and|but|or|now|then|also|anyway)\b[\s,.;:!\-\u2013\u2014]*)"
    r"|(?:(?:look|listen|see|like|you know|i mean|i see|got it|great|good|fine|thanks|"
    r"thank you|hey|hi|hello|actually|honestly|basically|anyway|okay then)"
    r"\s*[,.;:!\-\u2013\u2014]+\s*))+",
    re.IGNORECASE,
)

STOPWORDS = _word_set(
    """a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each few for from further get got had hadn't has hasn't have
    haven't having he he'd he'll he's her here here's hers herself him himself his how how's i
    i'd i'll i'm i've if in into is isn't it it's its itself just let's like me more most mustn't
    my myself no nor not now of off on once only or other ought our ours ourselves out over own
    really right same she she'd she'll she's should shouldn't so some such than that that's the
    their theirs them themselves then there there's these they they'd they'll they're they've
    this those through to too under until up very was wasn't we we'd we'll we're we've were
    weren't what what's when when's where where's which while who who's whom why why's will
    with won't would wouldn't you you'd you'll you're you've your yours yourself yourselves um uh
    yeah okay ok mm hmm well know think thing things kind sort bit lot gonna wanna also even
    still maybe much many one way going go say said tell feel felt want"""
)


@dataclass(frozen=True)
class Sentence:
    """One sentence of a turn with its character span, so cues can be quoted verbatim."""

    text: str
    start: int
    end: int

    @property
    def is_question(self) -> bool:
        return self.text.rstrip("\"') ]").endswith("?")


def normalise_apostrophes(text: str) -> str:
    """Curly quotes would make "you\u2019re" and "you're" different words to every rule."""
    return text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")


def words(text: str) -> list[str]:
    return _WORD.findall(normalise_apostrophes(text).lower())


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with spans into ``text`` (each ``text[start:end]`` is the sentence verbatim).

    Boundaries come from pysbd, which knows abbreviations ("Dr.", "e.g."), decimals and
    ellipses; a chunk with no letter or digit ("!!!") is not a sentence.
    """
    return list(_split_cached(text))


@lru_cache(maxsize=8192)
def _split_cached(text: str) -> tuple[Sentence, ...]:
    if not _CANDIDATE_END.search(text):  # one sentence at most: pysbd (~2 ms a turn) not needed
        return _sentences(text, [(0, len(text))])
    spans: list[tuple[int, int]] = []
    cursor = 0
    # pysbd reads two spoken "--" breaks as one aside and never splits between them; two em
    # dashes (same length, so spans still index the text) are read as ordinary dashes.
    masked = text.replace("--", "\u2014\u2014")
    for chunk in _segmenter().segment(masked):
        piece = chunk.strip()
        if not piece:
            continue
        start = masked.find(piece, cursor)
        if start < 0:  # pysbd altered the text (it should not with clean=False): keep it whole
            return _sentences(text, [(0, len(text))])
        cursor = start + len(piece)
        for cut in _MISSED_BEFORE_I.finditer(text, start, cursor):
            spans.append((start, cut.start()))
            start = cut.end()
        spans.append((start, cursor))
    merged: list[tuple[int, int]] = []
    for span in spans:  # "(laughs)" belongs to the sentence after it, as one chunk
        if merged and _STAGE_DIRECTION.match(text[merged[-1][0] : merged[-1][1]]):
            span = (merged.pop()[0], span[1])
        merged.append(span)
    return _sentences(text, merged)


def _sentences(text: str, spans: list[tuple[int, int]]) -> tuple[Sentence, ...]:
    found: list[Sentence] = []
    for start, end in spans:
        _append(found, text, start, end)
    return tuple(found)


# Where a second sentence could start: sentence punctuation followed by more text.
_CANDIDATE_END = re.compile(r"[.?!\u2026]\S*\s+\S")
# pysbd reads "me." / "ok." as state abbreviations and then keeps "I" in the same sentence.
_MISSED_BEFORE_I = re.compile(r"(?<=[a-z][a-z]\.)\s+(?=I\b)")
_STAGE_DIRECTION = re.compile(r"^[(\[][^()\[\]]*[)\]]$")


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


def _append(found: list[Sentence], text: str, start: int, end: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if not stripped or not any(ch.isalnum() for ch in stripped):
        return
    offset = start + len(chunk) - len(chunk.lstrip())
    found.append(Sentence(text=stripped, start=offset, end=offset + len(stripped)))


def strip_openers(text: str) -> str:
    """The sentence without leading fillers and discourse markers ("Okay, so, um, what ...")."""
    return _OPENER.sub("", normalise_apostrophes(text).strip()).strip()


def core_form(text: str) -> str:
    """Lower-cased sentence with openers stripped and dash-stutters removed: what rules match."""
    core = strip_openers(text).lower()
    core = re.sub(r"\b(\w+)(?:-+\s*\1\b)+", r"\1", core)  # "i-i" / "that-that" -> "i" / "that"
    return re.sub(r"\s+", " ", core)


_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=16384)
def stem(word: str) -> str:
    """The Snowball (Porter 2) English stem: "deadlines" and "deadline" are one word."""
    return str(_STEMMER.stemWord(word))


def content_stems(text: str) -> set[str]:
    return {stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 2}


def overlap(text: str, context: str | None) -> float:
    """Share of the turn's content words already in the context (how much is repeated back)."""
    own = content_stems(text)
    if not own or not context:
        return 0.0
    return len(own & content_stems(context)) / len(own)


def word_count(text: str) -> int:
    return len(words(text))

"""Abstaining on lines that cannot be judged: never on real English."""

from __future__ import annotations

import pytest

from app.scoring.assessable import GIBBERISH, NO_WORDS, NOT_ENGLISH, assess
from app.scoring.coder import code_utterance
from app.scoring.moves import Move


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", NO_WORDS),
        ("!!!", NO_WORDS),
        ("... ?", NO_WORDS),
        ("12 34", NO_WORDS),
        ("¿Cómo estás?", NOT_ENGLISH),
        ("Wie geht es dir heute?", NOT_ENGLISH),
        ("Je ne sais pas quoi faire", NOT_ENGLISH),
        ("Buongiorno, tutto bene grazie", NOT_ENGLISH),
        ("asdf qwerty zxcv", GIBBERISH),
    ],
)
def test_assess_sets_aside(text: str, reason: str) -> None:
    assert assess(text) == reason


@pytest.mark.parametrize(
    "text",
    [
        "Mm-hmm.",
        "ok",
        "Yeah",
        "so-so what um",
        "Marcus, you stole my idea and you know it.",
        "gonna be late tbh lol",
        "I dunno, teh deadline moved",
        "Deadline moved?",
        "Samir!",
        "You must be exhausted.",
        "What happened next?",
        "Priya covered the release again",
        "Wow.",
        "Thx, appreciated",
        "Burnout, basically.",
        "Are you really that desperate?",
        "Would you be open to me suggesting something?",
    ],
)
def test_assess_keeps_english(text: str) -> None:
    assert assess(text) is None


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("¿Cómo estás?", NOT_ENGLISH),
        ("Wie geht es dir heute?", NOT_ENGLISH),
        ("asdf qwer zxcv", GIBBERISH),
        ("...", NO_WORDS),
    ],
)
def test_the_coder_abstains_instead_of_guessing(line: str, reason: str) -> None:
    coded = code_utterance(line)
    assert not coded.assessable and coded.not_assessable_reason == reason
    assert coded.moves == (Move.OTHER,)
    assert [e.source for e in coded.evidence] == [f"rule:{reason}"]


@pytest.mark.parametrize("line", ["ok", "Deadline moved?", "How are you?", "Yeah, fair."])
def test_the_coder_never_sets_a_short_english_line_aside(line: str) -> None:
    assert code_utterance(line).assessable

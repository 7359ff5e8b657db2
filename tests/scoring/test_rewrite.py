"""The grammatical transformations behind rewrites of outside transcripts, case by case.

Each row is a learner line and the sentence the transformation must make of it: a real
sentence, never a pasted fragment. Whether the result is also coded as the target move is
checked by ``rewrite.problems`` in the scorecard and the feedback eval.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.scoring.rewrite import (
    artefacts,
    rewrite_closed,
    rewrite_judgement,
    rewrite_leading,
    rewrite_unasked_advice,
    rewrite_why,
)

CASES: list[tuple[Callable[[str], str], str, str]] = [
    (rewrite_why, "Why did you miss the deadline?", "What led you to miss the deadline?"),
    (rewrite_why, "Why didn't you tell anyone?", "What made it hard to tell anyone?"),
    (rewrite_why, "Why is the file late again?", "What led to the file being late again?"),
    (rewrite_why, "Why would you say that?", "What led you to say that?"),
    (
        rewrite_closed,
        "Did you talk to IT about the export?",
        "Where are you with talking to IT about the export?",
    ),
    (rewrite_closed, "Are you okay?", "How okay do you feel?"),
    (rewrite_closed, "Do you think it will work?", "How likely does it seem that it will work?"),
    (
        rewrite_closed,
        "Can you get it to me by Monday noon?",
        "What would it take to get it to me by Monday noon?",
    ),
    (
        rewrite_leading,
        "Don't you think you should ask for help?",
        "What's your own sense of whether you should ask for help?",
    ),
    (
        rewrite_leading,
        "Wouldn't it be better to tell Ravi?",
        "What's your own sense of whether it would be better to tell Ravi?",
    ),
    (
        rewrite_unasked_advice,
        "Have you thought about starting earlier on Mondays?",
        "Would it help if I shared an idea about starting earlier on Mondays?",
    ),
    (
        rewrite_unasked_advice,
        "Maybe try starting earlier.",
        "Would it help if I shared an idea about starting earlier?",
    ),
    (
        rewrite_unasked_advice,
        "You should just tell Ravi no.",
        "Would it help if I shared an idea about telling Ravi no?",
    ),
    (
        rewrite_unasked_advice,
        "You could try a shared calendar.",
        "Would it help if I shared an idea about trying a shared calendar?",
    ),
    (
        rewrite_unasked_advice,
        "What about blocking Monday mornings?",
        "Would it help if I shared an idea about blocking Monday mornings?",
    ),
    (
        rewrite_judgement,
        "You're always late with the file.",
        "I've noticed a few times recently that you've been late with the file.",
    ),
    (
        rewrite_judgement,
        "You always miss the deadline.",
        "I've noticed a few times recently that you miss the deadline.",
    ),
    (
        rewrite_judgement,
        "You never listen in meetings.",
        "There have been a few times recently when you didn't listen in meetings.",
    ),
]


@pytest.mark.parametrize(
    ("transform", "line", "expected"),
    CASES,
    ids=[f"{t.__name__}:{line}" for t, line, _ in CASES],
)
def test_transformation_makes_a_whole_sentence(
    transform: Callable[[str], str], line: str, expected: str
) -> None:
    made = transform(line)
    assert made == expected
    assert artefacts(made) == []

"""Does a reflection relate to what the other person said? The check the scorer and the peer
share (app/scoring/relevance.py), on lines a trainer would call heard or made up."""

from __future__ import annotations

import pytest

from app.scoring.relevance import (
    Relevance,
    adds_nothing_unheard,
    names_what_was_said,
    relevance,
)

COVERING = ["Rough. The release slipped again and I've been covering for Priya since she left."]
EXPORT = [
    "If this is about the carrier file, I know, the export has been a nightmare lately.",
    "I think I've missed a step there.",
    "Sure, but can we get back to the file?",
]


@pytest.mark.parametrize(
    "line",
    [
        "You've been carrying two jobs at once.",
        "That sounds like a lot to carry on your own.",
        "It sounds like the export has been eating your week.",
        "You sound stuck.",
    ],
)
def test_a_heard_reflection_names_what_was_said_or_only_reflective_words(line: str) -> None:
    assert names_what_was_said(line, COVERING + EXPORT)


@pytest.mark.parametrize(
    "line",
    [
        "So the moon landing was fake, it sounds like.",
        "It sounds like the purple elephants are dancing in your spreadsheet.",
        "It sounds like you love pizza.",
        "It sounds like the weather owes you a sandwich.",
    ],
)
def test_a_made_up_reflection_names_nothing_said_and_relates_to_no_part_of_the_talk(
    line: str,
) -> None:
    assert relevance(line, EXPORT).verdict is not Relevance.RELATED
    assert not names_what_was_said(line, EXPORT)


def test_a_reflection_of_feeling_adds_nothing_unheard_while_a_wrong_fact_does() -> None:
    heard = [*COVERING, "He messages on Sunday night and I end up doing that first."]
    assert adds_nothing_unheard("That sounds like a lot to carry on your own.", heard)
    assert adds_nothing_unheard("You've been carrying two jobs at once.", heard)
    slow_tool = ["Hi. If this is about the report, the tool has been crawling lately."]
    assert not adds_nothing_unheard("It sounds like work has been slow for you.", slow_tool)

"""Cue lexicons: every example matches its entry, no counter-example does, bad files fail."""

from __future__ import annotations

import pytest

from app.scoring import rules
from app.scoring.lexicons import LexiconError, build_lexicon, load_lexicons

LEXICONS = load_lexicons()
EXAMPLES = [
    pytest.param(name, entry.id, line, id=f"{entry.id}:{line[:30]}")
    for name, lexicon in LEXICONS.items()
    for entry in lexicon.entries
    for line in entry.examples
]
COUNTER_EXAMPLES = [
    pytest.param(name, entry.id, line, id=f"{entry.id}:{line[:30]}")
    for name, lexicon in LEXICONS.items()
    for entry in lexicon.entries
    for line in entry.counter_examples
]


@pytest.mark.parametrize(("name", "entry_id", "line"), EXAMPLES)
def test_lexicon_example_matches_its_entry(name: str, entry_id: str, line: str) -> None:
    assert rules.entry_matches(name, entry_id, line)
    # and the lexicon as a whole fires on it (possibly through an earlier entry)
    assert rules.first_match(name, line) is not None


@pytest.mark.parametrize(("name", "entry_id", "line"), COUNTER_EXAMPLES)
def test_lexicon_counter_example_does_not_match_its_entry(
    name: str, entry_id: str, line: str
) -> None:
    assert not rules.entry_matches(name, entry_id, line)


def test_lexicons_every_file_loads_with_unique_ids() -> None:
    ids = [entry.id for lexicon in LEXICONS.values() for entry in lexicon.entries]
    assert len(ids) == len(set(ids))
    assert len(LEXICONS) >= 20


def test_first_match_names_the_entry_that_fired() -> None:
    assert rules.first_match(rules.PERMISSION_ASK, "Are you open to a suggestion?") == (
        "permission-ask-open-to"
    )
    assert rules.first_match("judgement", "Honestly, you're being really lazy.") == (
        "judgement-you-are-label"
    )
    # read after fillers, as match_any reads it
    assert rules.first_match("reflection-opener", "Um, you feel stuck.") == ("reflection-you-want")
    assert rules.first_match(rules.SUMMARY, "What time is it?") is None


def test_first_match_agrees_with_match_any() -> None:
    lines = [
        "Would it be okay if I shared an idea?",
        "You should talk to her.",
        "I noticed you stayed quiet.",
        "What time is it?",
        "Yeah, I hear you.",
    ]
    for lexicon in LEXICONS.values():
        for line in lines:
            fired = rules.first_match(lexicon, line) is not None
            assert fired == rules.match_any(lexicon.pattern, line)


def test_backchannel_words_come_from_the_lexicon() -> None:
    assert {"mm", "hmm", "okay", "gotcha"} <= rules.BACKCHANNEL
    assert rules.is_backchannel("Mm-hmm. Okay.")
    assert rules.is_backchannel("All right. Thank you, Barbara.")
    assert not rules.is_backchannel("Thank you, Barbara, that took courage.")
    assert not rules.is_backchannel("Okay, what happened next?")


def _valid() -> dict[str, object]:
    return {
        "description": "test lexicon",
        "entries": [
            {"id": "demo-one", "patterns": [r"\bone\b"], "examples": ["one more"]},
            {"id": "demo-two", "words": ["two"], "examples": ["two more"]},
        ],
    }


def test_build_lexicon_accepts_a_valid_file() -> None:
    lexicon = build_lexicon("demo", _valid())
    assert lexicon.entry_id(lexicon.pattern.search("and two") or _fail()) == "demo-two"


def _fail() -> object:
    raise AssertionError("no match")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["entries"][1].update(regex="x"), ["demo.yaml", "'demo-two'", "'regex'"]),
        (lambda d: d["entries"][0].update(examples=[]), ["'demo-one'", "'examples'"]),
        (lambda d: d["entries"][0].update(id="Demo One"), ["'Demo One'", "'id'"]),
        (lambda d: d["entries"][0].update(patterns=["(unclosed"]), ["'demo-one'", "patterns[0]"]),
        (lambda d: d["entries"][0].update(patterns=["%nope%"]), ["'demo-one'", "%nope%"]),
        (lambda d: d["entries"][1].update(id="demo-one"), ["'demo-one'", "duplicate"]),
        (lambda d: d["entries"][0].update(words=["x"]), ["'demo-one'", "exactly one"]),
        (lambda d: d.update(anchor="middle"), ["demo.yaml", "'anchor'"]),
        (lambda d: d["entries"][0].update(examples=[True]), ["'demo-one'", "examples[0]"]),
    ],
)
def test_build_lexicon_error_names_file_entry_and_field(change, expected: list[str]) -> None:  # type: ignore[no-untyped-def]
    data = _valid()
    change(data)
    with pytest.raises(LexiconError) as raised:
        build_lexicon("demo", data)
    for part in expected:
        assert part in str(raised.value)

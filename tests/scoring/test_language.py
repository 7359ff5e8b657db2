"""Sentence splitting (pysbd), stems (Snowball) and verb forms (lemminflect) behind the coder."""

from __future__ import annotations

import pytest

from app.scoring.inflect import base_form, base_phrase, gerund, gerund_phrase, second_person
from app.scoring.language import content_stems, overlap, split_sentences, stem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Okay, so what happened? Tell me more.", ["Okay, so what happened?", "Tell me more."]),
        ("Dr. Patel said it was fine. I disagree.", ["Dr. Patel said it was fine.", "I disagree."]),
        ("It took 3.5 hours. Then we left.", ["It took 3.5 hours.", "Then we left."]),
        ("Thanks for telling me. I know.", ["Thanks for telling me.", "I know."]),
        ("(laughs) Right. Fair enough.", ["(laughs) Right.", "Fair enough."]),
        ("Yeah, like sort of-", ["Yeah, like sort of-"]),
        ("!!! Really?", ["Really?"]),
        ("", []),
        ("so-so what um", ["so-so what um"]),
        (
            "We talked earlier-- earlier. It was hard. So it's what-- um, where are we?",
            ["We talked earlier-- earlier.", "It was hard.", "So it's what-- um, where are we?"],
        ),
    ],
)
def test_split_sentences_boundaries(text: str, expected: list[str]) -> None:
    assert [s.text for s in split_sentences(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "  Mm-hmm.   Okay...  so what now?  You said \u201cnever again.\u201d Right?",
        "First point. First point. First point.",
        "e.g. the report. Mr. Jones left at 5 p.m. on Friday! Was it late?",
        "Earlier-- earlier we said so. Then-- um. Right.",
    ],
)
def test_split_sentences_spans_are_exact_substrings(text: str) -> None:
    found = split_sentences(text)
    assert found
    ends = [s.start for s in found]
    assert ends == sorted(ends)
    for sentence in found:
        assert text[sentence.start : sentence.end] == sentence.text


def test_split_sentences_returns_a_fresh_list_each_call() -> None:
    first = split_sentences("One. Two.")
    first.clear()
    assert len(split_sentences("One. Two.")) == 2


def test_stem_joins_inflected_forms() -> None:
    assert stem("deadlines") == stem("deadline")
    assert stem("meetings") == stem("meeting")
    assert stem("priorities") == stem("priority")
    assert content_stems("The deadlines slipped") == content_stems("deadline slipping")


def test_overlap_counts_repeated_content_words() -> None:
    # "deadlines" and "slipping" are repeated (as stems), "keep" is new
    assert overlap("The deadlines keep slipping", "my deadline slipped") == pytest.approx(2 / 3)
    assert overlap("Tell me about lunch", "my deadline slipped") == 0.0


@pytest.mark.parametrize(
    ("word", "base"),
    [
        ("told", "tell"),
        ("stopped", "stop"),
        ("raised", "raise"),
        ("agreed", "agree"),
        ("cancelled", "cancel"),
        ("went", "go"),
        ("was", "be"),
        ("is", "is"),
        ("could", "could"),
        ("Meeting", "meeting"),
        ("delegate", "delegate"),
    ],
)
def test_base_form_of_past_forms_only(word: str, base: str) -> None:
    assert base_form(word) == base


@pytest.mark.parametrize(
    ("verb", "ing"),
    [("take", "taking"), ("stop", "stopping"), ("see", "seeing"), ("lie", "lying"),
     ("transfer", "transferring"), ("panic", "panicking"), ("email", "emailing")],
)  # fmt: skip
def test_gerund(verb: str, ing: str) -> None:
    assert gerund(verb) == ing


def test_phrases_and_pronoun_swap() -> None:
    assert gerund_phrase("tell her tomorrow") == "telling her tomorrow"
    assert base_phrase("told her") == "tell her"
    assert second_person("I was late and my boss noticed") == "you were late and your boss noticed"

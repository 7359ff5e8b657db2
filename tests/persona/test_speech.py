"""Turning streamed model text into speakable sentences."""

from __future__ import annotations

import re

from app.persona.speech import clean, sentence_key, speakable, split_complete

AI = [re.compile(r"\bas an ai\b", re.IGNORECASE)]


def speak(
    deltas: list[str], max_sentences: int = 3, said_before: tuple[str, ...] = ()
) -> list[str]:
    return list(
        speakable(
            deltas,
            name="Sam Okoro",
            max_sentences=max_sentences,
            out_of_character=AI,
            said_before=said_before,
        )
    )


def test_split_complete_waits_for_whitespace_after_the_full_stop() -> None:
    assert split_complete("It took 3.5 hours. Then") == (["It took 3.5 hours."], "Then")
    assert split_complete('"Really?" she said. Ok.') == (['"Really?"', "she said."], "Ok.")


def test_clean_drops_name_prefix_stage_directions_tags_and_wrapping_quotes() -> None:
    assert clean('"Sam: *sighs* Fine.', "Sam Okoro") == "Fine."
    assert clean("Sam Okoro: [pause] <colleague>Okay.</colleague>", "Sam Okoro") == "Okay."
    assert clean("It's been... (pauses, sighs) hard.", "Sam Okoro") == "It's been... hard."
    assert clean('He said "no" to me.', "Sam Okoro") == 'He said "no" to me.'
    # a sentence cut out of a bracketed note the model copied keeps its words, not the bracket
    copied = "[Okay, it's not only the export."
    assert clean(copied, "Sam Okoro") == "Okay, it's not only the export."


def test_speakable_streams_sentences_as_they_complete() -> None:
    assert (
        speak(["It has ", "been long. Re", "ally long. And"])
        == [
            "It has been long.",
            "Really long.",
            "And",
        ][:2]
    ), "a trailing fragment after real sentences is dropped"


def test_speakable_keeps_a_lone_fragment_so_the_reply_is_not_empty() -> None:
    assert speak(["Just a fragment"]) == ["Just a fragment"]


def test_speakable_stops_at_the_sentence_limit_and_at_broken_character() -> None:
    assert speak(["One. Two. Three. Four."], max_sentences=2) == ["One.", "Two."]
    assert speak(["Fine. As an AI, I cannot. Later."]) == ["Fine."]


def test_speakable_skips_lines_said_before_and_repeats_within_the_reply() -> None:
    said = speak(["I'm sorry. I'm sorry! It is slow. Hi there."], said_before=("Hi there!",))
    assert said == ["I'm sorry.", "It is slow."]
    assert sentence_key("I\u2019m SORRY!") == sentence_key("i'm sorry.")

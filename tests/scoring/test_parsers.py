"""Transcript parsers: every accepted format, and a clear error (what and where) for each way
a transcript can be malformed."""

from __future__ import annotations

import json

import pytest

from app.errors import InvalidInput
from app.scoring.parsers import parse_transcript
from tests.scoring.helpers import AS_JSON, AS_TEXT, AS_VTT, LINES


@pytest.mark.parametrize(
    ("content", "fmt"),
    [
        (AS_TEXT, "text"),
        (AS_VTT, "vtt"),
        (AS_JSON, "json"),
        (json.loads(AS_JSON), "json"),
        (AS_TEXT, "auto"),
        (AS_VTT, "auto"),
        (AS_JSON, "auto"),
    ],
)
def test_every_format_gives_the_same_turns(content: object, fmt: str) -> None:
    turns = parse_transcript(content, fmt, "maya")  # type: ignore[arg-type]

    assert [(t.speaker, t.text) for t in turns] == LINES
    assert [t.index for t in turns] == list(range(len(LINES)))
    assert [t.is_learner for t in turns] == [s == "Maya" for s, _ in LINES]


def test_text_lines_without_a_name_continue_the_turn_and_blank_lines_are_skipped() -> None:
    text = "Ana: First line\nstill Ana here\n\nBen Okafor: Reply: with a colon\n"

    turns = parse_transcript(text, "text", "ANA")

    assert [(t.speaker, t.text) for t in turns] == [
        ("Ana", "First line still Ana here"),
        ("Ben Okafor", "Reply: with a colon"),
    ]
    assert turns[0].is_learner and not turns[1].is_learner


def test_webvtt_voices_names_cue_ids_settings_and_multiline_cues() -> None:
    vtt = (
        "\ufeffWEBVTT\nKind: captions\n\nNOTE\nrecorded on Teams\n\n"
        "cue-1\n00:00:01.000 --> 00:00:04.000 align:start position:10%\n"
        "<v.loud Ana Lima>Hi Ben, <i>thanks</i> for\nmaking time.</v>\n\n"
        "00:04.000 --> 00:06.000\n<v Ben>No problem.\n<v Ana Lima>How are things?\n\n"
        "3\n00:00:06.000 --> 00:00:09.000\nBen: Busy. The release\nslipped.\n\n"
        "4\n00:00:09.000 --> 00:00:10.000\nBen: Again.\n"
    )

    turns = parse_transcript(vtt, "auto", "ana lima")

    assert [(t.speaker, t.text) for t in turns] == [
        ("Ana Lima", "Hi Ben, thanks for making time."),
        ("Ben", "No problem."),
        ("Ana Lima", "How are things?"),
        ("Ben", "Busy. The release slipped. Again."),  # consecutive cues merge
    ]


def test_unknown_learner_lists_the_speakers_found() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_transcript(AS_TEXT, "text", "Sam")
    assert "learner 'Sam' is not a speaker" in caught.value.message
    assert "speakers found: Maya, Jon" in caught.value.message


MALFORMED = {
    "json syntax": ('[{"speaker": "Maya", "text": "Hi"},\n {"speaker": }]', "json", "line 2"),
    "json not a list": ('{"speaker": "Maya"}', "json", "expected a list"),
    "json item not an object": ('[{"speaker": "Maya", "text": "Hi"}, "Jon: hi"]', "json", "item 1"),
    "json text missing": (
        '[{"speaker": "Maya", "text": "Hi"}, {"speaker": "Jon", "text": "Yo"},'
        ' {"speaker": "Maya"}]',
        "json",
        "item 2: 'text' must be a string",
    ),
    "json speaker empty": (
        '[{"speaker": " ", "text": "Hi"}]',
        "json",
        "item 0: 'speaker' is empty",
    ),
    "text without a name first": ("hello there\nMaya: Hi", "text", "line 1"),
    "vtt without header": ("00:00:01.000 --> 00:00:02.000\nMaya: Hi\n", "vtt", "line 1"),
    "vtt bad timing": (
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nMaya: Hi\n\n"
        "2\n00:00:03 to 00:00:04\nJon: Yo\n",
        "vtt",
        "line 8: expected a timing line",
    ),
    "vtt cue without speaker": (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nMaya: Hi\n\n00:00:03.000 --> 00:00:04.000\nyo\n",
        "vtt",
        "line 7: cue has no speaker",
    ),
    "empty": ("   \n", "text", "no turns"),
}


@pytest.mark.parametrize("case", MALFORMED.values(), ids=list(MALFORMED))
def test_malformed_input_says_what_and_where(case: tuple[str, str, str]) -> None:
    content, fmt, expected = case

    with pytest.raises(InvalidInput) as caught:
        parse_transcript(content, fmt, "Maya")  # type: ignore[arg-type]

    assert expected in caught.value.message


def test_a_list_is_only_valid_as_json() -> None:
    with pytest.raises(InvalidInput, match="needs the transcript as text"):
        parse_transcript([{"speaker": "Maya", "text": "Hi"}], "vtt", "Maya")


# Inputs that made the old regular expressions backtrack: each is as large as the caps allow,
# and must parse (or be refused) in well under a second. The old parser took 15 s on the
# first one at 12,000 characters.
def _timed(content: str, fmt: str) -> float:
    import contextlib
    import time

    started = time.perf_counter()
    with contextlib.suppress(InvalidInput):
        parse_transcript(content, fmt, "Ana")  # type: ignore[arg-type]
    return time.perf_counter() - started


PATHOLOGICAL = {
    "spaces before a word": ("text", "Ana: hi\n" + (" " * 9_990 + "x\n") * 19),
    "spaces, no colon, many lines": ("text", "Ana: hi\n" + (" " * 5_000 + "a b\n") * 39),
    "unclosed voice tags": ("vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\n" + "<v " * 3_300),
    "unclosed angle brackets": ("vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\nAna: " + "<a" * 4_900),
    "continuation lines": ("text", "Ana: hi\n" + "word\n" * 39_000),
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_parsers_stay_linear_on_inputs_that_used_to_backtrack(name: str) -> None:
    fmt, content = PATHOLOGICAL[name]
    assert len(content) <= 200_000

    assert _timed(content, fmt) < 0.5


def test_text_speaker_with_padding_is_still_read() -> None:
    turns = parse_transcript("   Ana   :  hi there\nBen:yes", "text", "ana")

    assert [(t.speaker, t.text) for t in turns] == [("Ana", "hi there"), ("Ben", "yes")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Ana: " + "a" * 10_001, "line 1: longer than 10000"),
        ("Ana: hi\n" + "more words\n" * 1_000, "turn 0: longer than 10000"),
        ("".join(f"Ana: {n}\nBen: ok\n" for n in range(1_001)), "more than 2000 turns"),
        ("x" * 200_001, "transcript is too long"),
    ],
)
def test_text_caps_are_refused_with_where(content: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_transcript(content, "text", "Ana")


def test_json_caps_item_count_size_and_nesting() -> None:
    many = [{"speaker": "Ana", "text": "hi"}] * 2_001
    with pytest.raises(InvalidInput, match="2001 items; the limit is 2000"):
        parse_transcript(many, "json", "Ana")
    with pytest.raises(InvalidInput, match="item 0: longer than 10000"):
        parse_transcript([{"speaker": "Ana", "text": "a" * 10_001}], "json", "Ana")
    with pytest.raises(InvalidInput, match="nested too deeply"):
        parse_transcript("[" * 100_000 + "]" * 100_000, "json", "Ana")


def test_webvtt_voice_scan_keeps_the_old_reading() -> None:
    vtt = (
        "WEBVTT\n\n00:01.000 --> 00:02.000\n<v.a-b Ana>Hi <b>there</b></v> <v Ben>Yo\n"
        "<vx Ana>not a voice\n"
    )

    turns = parse_transcript(vtt, "vtt", "ana")

    assert [(t.speaker, t.text) for t in turns] == [
        ("Ana", "Hi there"),
        ("Ben", "Yo not a voice"),
    ]

"""Transcripts shared by the scoring tests: one conversation in every accepted format, and
builders for ad-hoc ones."""

from __future__ import annotations

import json
from collections.abc import Sequence

from app.conversation import TranscriptTurn

# A conversation with listening, questioning and feedback in it (Maya is the learner).
LINES: list[tuple[str, str]] = [
    ("Maya", "Thanks for making time. How has the week been?"),
    ("Jon", "Rough. The release slipped again and I've been covering for Priya since she left."),
    ("Maya", "You've been carrying two jobs at once."),
    ("Jon", "Pretty much. I'm in at eight and still answering messages at ten."),
    ("Maya", "Why didn't you tell anyone? Did you think we'd mind?"),
    ("Jon", "I didn't want to look like I couldn't cope."),
    ("Maya", "Part of you worries that asking for help would count against you."),
    ("Jon", "Yeah. That's exactly it."),
    ("Maya", "You should just tell your manager tomorrow."),
    ("Jon", "Maybe."),
    ("Maya", "Can I share something I noticed?"),
    ("Jon", "Sure."),
    (
        "Maya",
        "In Tuesday's stand-up you cut Sam off twice, and he didn't finish his update. "
        "Next time, could you let him finish first?",
    ),
    ("Jon", "Fair. I was stressed, but that's not on him."),
]

AS_TEXT = "\n".join(f"{speaker}: {text}" for speaker, text in LINES) + "\n"
AS_JSON = json.dumps([{"speaker": s, "text": t} for s, t in LINES], indent=1)


def _vtt() -> str:
    """WebVTT as a call exports it: cue numbers, timings, voice tags and "Name:" cues, a NOTE,
    and long lines split over two cue lines."""
    blocks = ["WEBVTT - weekly one-to-one", "NOTE exported from the call recorder"]
    for n, (speaker, text) in enumerate(LINES, start=1):
        timing = f"00:{n:02d}:00.000 --> 00:{n:02d}:05.500"
        words = text.split()
        half = len(words) // 2
        body = " ".join(words[:half]) + "\n" + " ".join(words[half:]) if half > 3 else text
        cue = f"<v {speaker}>{body}</v>" if n % 2 else f"{speaker}: {body}"
        blocks.append(f"{n}\n{timing}\n{cue}")
    return "\n\n".join(blocks) + "\n"


AS_VTT = _vtt()


def turns(lines: Sequence[tuple[str, str]], learner: str = "Maya") -> list[TranscriptTurn]:
    return [
        TranscriptTurn(index=i, speaker=s, text=t, is_learner=s.lower() == learner.lower())
        for i, (s, t) in enumerate(lines)
    ]


BAD_RUBRIC = """\
id: team-questioning
version: "2"
skill: questioning
title: Questioning (team)
description: Our team's take.
levels: {1: a, 2: b, 3: c, 4: d, 5: e}
sources: [{id: miti-4.2.1, citation: MITI 4.2.1}]
criteria:
  - id: open_questions
    title: Open questions
    metric: pct_open_questions
    weight: -1
    direction: higher_is_better
    thresholds: {2: 0.3, 3: 0.5, 4: 0.7, 5: 0.85}
    anchors: {1: a, 2: b, 3: c, 4: d, 5: e}
    sources: [miti-4.2.1]
    rationale: Open questions let them lead.
    colour: blue
"""

GOOD_RUBRIC = BAD_RUBRIC.replace("weight: -1", "weight: 1").replace("    colour: blue\n", "")

"""Transcripts from outside Rehearse: JSON turn lists, "Name: line" text, and WebVTT exports.

Every parser returns the same ``TranscriptTurn`` list the practice loop produces, with the
learner chosen by name (case-insensitive). Malformed input raises ``InvalidInput`` saying what
is wrong and where: the item index for JSON, the line number (1-based) for text and WebVTT.

Formats:
- ``json``: a list of ``{"speaker": ..., "text": ...}`` (a JSON string or an already-parsed
  list). Other keys are ignored; blank texts are skipped.
- ``text``: one turn per "Name: words" line; a line without a "Name:" prefix continues the
  previous turn; blank lines are ignored. A name is at most 40 characters and 4 words, so a
  continuation line such as "Note: I said no" is still read as a speaker called "Note".
- ``vtt``: WebVTT as exported by Zoom and Teams: the WEBVTT header, optional cue ids,
  ``00:00:01.000 --> 00:00:04.000`` timing lines, NOTE/STYLE/REGION blocks (skipped), and cue
  text either ``<v Name>words</v>`` or ``Name: words``, over one or more lines (a line without
  a speaker continues the one before; a cue may switch speaker line by line). Other tags are
  removed and consecutive cues by the same speaker are merged into one turn.
- ``auto``: a list is JSON; text starting with "WEBVTT" is WebVTT; text starting with "[" is
  JSON; anything else is "Name: line" text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, Literal

from app.errors import InvalidInput
from app.scoring.transcript import TranscriptTurn

Format = Literal["json", "text", "vtt", "auto"]
MAX_TRANSCRIPT_CHARS = 500_000

_SPEAKER_LINE = re.compile(r"^\s*(?P<name>[^:\n]{1,40}?)\s*:\s*(?P<text>.*)$")
_TIMING = re.compile(
    r"^(?:\d{1,2}:)?\d{2}:\d{2}[.,]\d{3}\s+-->\s+(?:\d{1,2}:)?\d{2}:\d{2}[.,]\d{3}(?:\s+.*)?$"
)
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+(?P<name>[^>]+)>(?P<text>.*?)(?:</v>|$)", re.DOTALL)
_TAG = re.compile(r"</?[^>]+>")


def parse_transcript(
    content: str | Sequence[Any], fmt: Format, learner: str
) -> list[TranscriptTurn]:
    """Turns of the transcript, the learner's marked; raises InvalidInput on any problem."""
    if isinstance(content, str) and len(content) > MAX_TRANSCRIPT_CHARS:
        raise InvalidInput(
            f"transcript is too long ({len(content)} characters; the limit is "
            f"{MAX_TRANSCRIPT_CHARS})"
        )
    chosen = _detect(content) if fmt == "auto" else fmt
    if chosen == "json":
        pairs = _parse_json(content)
    elif not isinstance(content, str):
        raise InvalidInput(f"format '{chosen}' needs the transcript as text, not a list")
    elif chosen == "vtt":
        pairs = _parse_vtt(content)
    else:
        pairs = _parse_text(content)
    return _with_learner(pairs, learner)


def _detect(content: str | Sequence[Any]) -> str:
    if not isinstance(content, str):
        return "json"
    start = content.lstrip("\ufeff \t\r\n")
    if start.startswith("WEBVTT"):
        return "vtt"
    return "json" if start.startswith("[") else "text"


def _parse_json(content: str | Sequence[Any]) -> list[tuple[str, str]]:
    items: Any = content
    if isinstance(content, str):
        try:
            items = json.loads(content)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                f"JSON transcript: {exc.msg} at line {exc.lineno}, column {exc.colno}"
            ) from None
    if not isinstance(items, list):
        raise InvalidInput("JSON transcript: expected a list of {speaker, text} objects")
    pairs = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise InvalidInput(
                f"JSON transcript item {n}: expected an object with speaker and text"
            )
        speaker, text = item.get("speaker"), item.get("text")
        if not isinstance(speaker, str):
            raise InvalidInput(f"JSON transcript item {n}: 'speaker' must be a string")
        if not isinstance(text, str):
            raise InvalidInput(f"JSON transcript item {n}: 'text' must be a string")
        if not speaker.strip():
            raise InvalidInput(f"JSON transcript item {n}: 'speaker' is empty")
        if text.strip():
            pairs.append((speaker.strip(), text.strip()))
    return pairs


def _parse_text(content: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        match = _SPEAKER_LINE.match(line)
        if match and len(match["name"].split()) <= 4:
            pairs.append((match["name"].strip(), match["text"].strip()))
        elif pairs:
            speaker, text = pairs[-1]
            pairs[-1] = (speaker, f"{text} {line.strip()}".strip())
        else:
            raise InvalidInput(
                f"text transcript line {number}: expected 'Name: what they said' "
                f"before any continuation line, got {line.strip()[:60]!r}"
            )
    return [(s, t) for s, t in pairs if t]


def _parse_vtt(content: str) -> list[tuple[str, str]]:
    lines = content.lstrip("\ufeff").splitlines()
    header = next((n for n, line in enumerate(lines, start=1) if line.strip()), None)
    if header is None or not lines[header - 1].lstrip().startswith("WEBVTT"):
        raise InvalidInput(f"WebVTT transcript line {header or 1}: must start with 'WEBVTT'")
    cues: list[tuple[str, str]] = []
    for start, block in _blocks(lines):
        first = block[0].strip()
        if first.startswith(("NOTE", "STYLE", "REGION")) or start == header:
            continue
        timing = 0 if _TIMING.match(first) else 1
        if timing >= len(block) or not _TIMING.match(block[timing].strip()):
            raise InvalidInput(
                f"WebVTT transcript line {start + timing}: expected a timing line "
                f"like '00:00:01.000 --> 00:00:04.000', got "
                f"{block[min(timing, len(block) - 1)].strip()[:60]!r}"
            )
        payload = block[timing + 1 :]
        if any(line.strip() for line in payload):
            cues.extend(_cue_speakers(payload, start + timing + 1))
    return _merge(cues)


def _blocks(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Blank-line separated blocks with the 1-based line number each starts on."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 1
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line)
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def _cue_speakers(payload: list[str], line: int) -> list[tuple[str, str]]:
    """Who said what in one cue's text lines (``line`` is the first one's number).

    A cue may hold one speaker over several lines, or a new speaker per line ("<v Ana>Hi" /
    "<v Ben>Hello", or "Ana: Hi" / "Ben: Hello"); a line without a voice or name continues the
    speaker before it.
    """
    found: list[tuple[str, str]] = []
    for offset, raw in enumerate(payload):
        text = raw.strip()
        if not text:
            continue
        voices = list(_VOICE.finditer(text))
        if voices:
            found.extend(
                (v["name"].strip(), " ".join(_TAG.sub("", v["text"]).split())) for v in voices
            )
            continue
        plain = " ".join(_TAG.sub("", text).split())
        match = _SPEAKER_LINE.match(plain)
        if match and len(match["name"].split()) <= 4:
            found.append((match["name"].strip(), match["text"].strip()))
            continue
        if not found:
            raise InvalidInput(
                f"WebVTT transcript line {line + offset}: cue has no speaker (expected "
                f"'<v Name>text' or 'Name: text'), got {plain[:60]!r}"
            )
        speaker, said = found[-1]
        found[-1] = (speaker, f"{said} {plain}".strip())
    return found


def _merge(cues: list[tuple[str, str]]) -> list[tuple[str, str]]:
    merged: list[tuple[str, str]] = []
    for speaker, text in cues:
        if merged and merged[-1][0] == speaker:
            merged[-1] = (speaker, f"{merged[-1][1]} {text}".strip())
        elif text:
            merged.append((speaker, text))
    return merged


def _with_learner(pairs: list[tuple[str, str]], learner: str) -> list[TranscriptTurn]:
    if not pairs:
        raise InvalidInput("the transcript has no turns")
    wanted = learner.strip().casefold()
    speakers = list(dict.fromkeys(speaker for speaker, _ in pairs))
    if not any(s.casefold() == wanted for s in speakers):
        raise InvalidInput(
            f"learner '{learner}' is not a speaker in this transcript; speakers "
            f"found: {', '.join(speakers)}"
        )
    return [
        TranscriptTurn(index=i, speaker=speaker, text=text, is_learner=speaker.casefold() == wanted)
        for i, (speaker, text) in enumerate(pairs)
    ]

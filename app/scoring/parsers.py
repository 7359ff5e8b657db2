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

from app.conversation import TranscriptTurn
from app.errors import InvalidInput

Format = Literal["json", "text", "vtt", "auto"]

# Caps that bound the work one request can cause: every parser below is linear in its input,
# and the scorers after it grow with the number and length of turns.
MAX_TRANSCRIPT_CHARS = 200_000
MAX_LINE_CHARS = 10_000
MAX_TURNS = 2_000
MAX_NAME_CHARS = 40
MAX_NAME_WORDS = 4

_TIMING = re.compile(
    r"(?:\d{1,2}:)?\d{2}:\d{2}[.,]\d{3}[ \t]+-->[ \t]+(?:\d{1,2}:)?\d{2}:\d{2}[.,]\d{3}(?:[ \t].*)?"
)
_VOICE_CLASS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


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
    return _with_learner(_capped(pairs), learner)


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
        except RecursionError:
            raise InvalidInput("JSON transcript: nested too deeply") from None
    if not isinstance(items, list):
        raise InvalidInput("JSON transcript: expected a list of {speaker, text} objects")
    if len(items) > MAX_TURNS:
        raise InvalidInput(f"JSON transcript: {len(items)} items; the limit is {MAX_TURNS}")
    pairs = []
    total = 0
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
        total += len(speaker) + len(text)
        if total > MAX_TRANSCRIPT_CHARS:
            raise InvalidInput(
                f"JSON transcript item {n}: the transcript passes {MAX_TRANSCRIPT_CHARS} characters"
            )
        if len(speaker.strip()) > MAX_LINE_CHARS or len(text) > MAX_LINE_CHARS:
            raise InvalidInput(f"JSON transcript item {n}: longer than {MAX_LINE_CHARS} characters")
        if text.strip():
            pairs.append((speaker.strip(), text.strip()))
    return pairs


def split_speaker(line: str) -> tuple[str, str] | None:
    """``(name, words)`` for a "Name: words" line, else None; linear in the line's length.

    The name is what comes before the first colon, stripped: 1 to 40 characters in at most 4
    words. (A regular expression with optional spaces on both sides of the name backtracked
    quadratically on long runs of spaces: this one cannot.)
    """
    colon = line.find(":")
    if colon < 0:
        return None
    name = line[:colon].strip()
    if not name or len(name) > MAX_NAME_CHARS or "\n" in name:
        return None
    if len(name.split()) > MAX_NAME_WORDS:
        return None
    return name, line[colon + 1 :].strip()


def _parse_text(content: str) -> list[tuple[str, str]]:
    # Continuation lines are collected in lists and joined once: joining on every line made
    # a long run of continuation lines cost the square of its length.
    turns: list[tuple[str, list[str]]] = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        _check_line(line, number, "text")
        found = split_speaker(line)
        if found is not None:
            turns.append((found[0], [found[1]] if found[1] else []))
            _check_turns(len(turns))
        elif turns:
            turns[-1][1].append(line.strip())
        else:
            raise InvalidInput(
                f"text transcript line {number}: expected 'Name: what they said' "
                f"before any continuation line, got {line.strip()[:60]!r}"
            )
    pairs = [(speaker, " ".join(parts)) for speaker, parts in turns]
    return [(s, t) for s, t in pairs if t]


def _check_line(line: str, number: int, kind: str) -> None:
    if len(line) > MAX_LINE_CHARS:
        raise InvalidInput(
            f"{kind} transcript line {number}: longer than {MAX_LINE_CHARS} characters"
        )


def _check_turns(count: int) -> None:
    if count > MAX_TURNS:
        raise InvalidInput(f"the transcript has more than {MAX_TURNS} turns")


def _capped(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    _check_turns(len(pairs))
    for n, (_, text) in enumerate(pairs):
        if len(text) > MAX_LINE_CHARS:
            raise InvalidInput(
                f"turn {n}: longer than {MAX_LINE_CHARS} characters; split long speeches"
            )
    return pairs


def _parse_vtt(content: str) -> list[tuple[str, str]]:
    lines = content.lstrip("\ufeff").splitlines()
    header = next((n for n, line in enumerate(lines, start=1) if line.strip()), None)
    if header is None or not lines[header - 1].lstrip().startswith("WEBVTT"):
        raise InvalidInput(f"WebVTT transcript line {header or 1}: must start with 'WEBVTT'")
    for number, line in enumerate(lines, start=1):
        _check_line(line, number, "WebVTT")
    cues: list[tuple[str, str]] = []
    for start, block in _blocks(lines):
        first = block[0].strip()
        if first.startswith(("NOTE", "STYLE", "REGION")) or start == header:
            continue
        timing = 0 if _TIMING.fullmatch(first) else 1
        if timing >= len(block) or not _TIMING.fullmatch(block[timing].strip()):
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
        voices = _voices(text)
        if voices:
            found.extend((name, " ".join(strip_tags(said).split())) for name, said in voices)
            continue
        plain = " ".join(strip_tags(text).split())
        named = split_speaker(plain)
        if named is not None:
            found.append(named)
            continue
        if not found:
            raise InvalidInput(
                f"WebVTT transcript line {line + offset}: cue has no speaker (expected "
                f"'<v Name>text' or 'Name: text'), got {plain[:60]!r}"
            )
        speaker, said = found[-1]
        found[-1] = (speaker, f"{said} {plain}".strip())
    return found


def _voices(text: str) -> list[tuple[str, str]]:
    """Each ``<v Name>words</v>`` (or ``<v.class Name>words`` to the end) in one cue line.

    A hand-written scan instead of a regular expression, so that a line full of unclosed
    ``<v`` tags costs one pass, not one pass per tag.
    """
    found: list[tuple[str, str]] = []
    pos = 0
    while True:
        start = text.find("<v", pos)
        if start < 0:
            return found
        close = text.find(">", start)
        if close < 0:
            return found  # no tag can close after this point
        i = start + 2
        if i < len(text) and text[i] == ".":
            j = i + 1
            while j < close and text[j] in _VOICE_CLASS:
                j += 1
            i = j if j > i + 1 else -1
        if i < 0 or i >= close or not text[i].isspace():
            pos = start + 2
            continue
        name = text[i:close].strip()
        if not name:
            pos = start + 2
            continue
        end = text.find("</v>", close + 1)
        said = text[close + 1 :] if end < 0 else text[close + 1 : end]
        found.append((name, said))
        if end < 0:
            return found
        pos = end + 4


def strip_tags(text: str) -> str:
    """``text`` without ``<...>`` tags, in one pass (an unclosed ``<`` is kept as it is)."""
    parts: list[str] = []
    pos = 0
    while True:
        start = text.find("<", pos)
        if start < 0:
            break
        close = text.find(">", start + 1)
        if close < 0:
            break
        if close == start + 1:  # "<>" is not a tag
            parts.append(text[pos : start + 1])
            pos = start + 1
            continue
        parts.append(text[pos:start])
        pos = close + 1
    parts.append(text[pos:])
    return "".join(parts)


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

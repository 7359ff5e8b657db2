"""Cue lexicons of the rule layer, as validated data files (one lexicon per ``*.yaml`` here).

Each entry has a stable kebab-case id, its pattern(s) or literal words, example lines that must
match it and, optionally, counter-examples that must not (tests/scoring/test_lexicons.py turns
both into parametrised tests). A lexicon compiles to one regular expression with a named group
per entry, so a match says which entry fired and evidence can cite ``rule:<id>``.

File format::

    description: what the lexicon is for
    anchor: start            # optional: entries match at the start of the sentence only
    fragments:               # optional: %name% in a pattern expands to this regex text
      aux: 'do|does|did'
    entries:
      - id: permission-ask-open-to
        patterns: ['\\b(?:are you|would you be) open to\\b']   # or words: [open, willing]
        examples: ['Are you open to a suggestion?']
        counter_examples: ['The office is open to everyone.']

Patterns are matched against the sentence in lower case with curly apostrophes straightened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

LEXICON_DIR = Path(__file__).parent
_KEBAB = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_FRAGMENT = re.compile(r"%([a-z0-9-]+)%")

EntryId = Annotated[str, StringConstraints(pattern=_KEBAB)]
Line = Annotated[str, StringConstraints(min_length=1)]


class LexiconError(ValueError):
    """A lexicon file that cannot be loaded; the message names the file, entry and field."""


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: EntryId
    patterns: list[Line] = Field(default_factory=list)
    words: list[Line] = Field(default_factory=list)
    examples: list[Line] = Field(min_length=1)
    counter_examples: list[Line] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_kind(self) -> Entry:
        if bool(self.patterns) == bool(self.words):
            raise ValueError("give either patterns or words (exactly one of them)")
        return self


class LexiconFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    description: Line
    anchor: Literal["anywhere", "start"] = "anywhere"
    fragments: dict[EntryId, Line] = Field(default_factory=dict)
    entries: list[Entry] = Field(min_length=1)


@dataclass(frozen=True)
class Lexicon:
    """One loaded lexicon: the combined pattern and, per entry, its own pattern."""

    name: str
    description: str
    anchor: str
    entries: tuple[Entry, ...]
    pattern: re.Pattern[str]
    entry_patterns: dict[str, re.Pattern[str]]
    words: frozenset[str]
    _ids: dict[str, str] = field(repr=False)

    def entry_id(self, match: re.Match[str]) -> str:
        """The id of the entry that produced ``match`` (a match of ``self.pattern``)."""
        for group, entry_id in self._ids.items():
            if match.group(group) is not None:
                return entry_id
        raise ValueError("the match did not come from this lexicon")  # pragma: no cover


def _entry_regex(entry: Entry, fragments: dict[str, str], where: str) -> str:
    if entry.words:
        ordered = sorted(entry.words, key=len, reverse=True)  # "burnt out" before "burnt"
        return r"\b(?:" + "|".join(re.escape(w.lower()) for w in ordered) + r")\b"
    parts = []
    for j, raw in enumerate(entry.patterns):
        place = f"{where} field 'patterns[{j}]'"

        def expand(m: re.Match[str], place: str = place) -> str:
            if m.group(1) not in fragments:
                raise LexiconError(f"{place}: unknown fragment %{m.group(1)}%")
            return fragments[m.group(1)]

        text = _FRAGMENT.sub(expand, raw)
        try:
            re.compile(text)
        except re.error as exc:
            raise LexiconError(f"{place}: not a valid regular expression ({exc})") from exc
        parts.append(f"(?:{text})")
    return "|".join(parts)


def _anchored(body: str, anchor: str) -> str:
    return rf"^(?:{body})\b" if anchor == "start" else body


def _where(name: str, raw: Any, loc: tuple[int | str, ...]) -> str:
    """'file.yaml: entry 'x' (entries[3]) field 'patterns[0]'' from a pydantic error location."""
    text = f"{name}.yaml:"
    rest = list(loc)
    if len(rest) >= 2 and rest[0] == "entries" and isinstance(rest[1], int):
        index = rest[1]
        entries = raw.get("entries") if isinstance(raw, dict) else None
        entry_id = "?"
        if isinstance(entries, list) and index < len(entries) and isinstance(entries[index], dict):
            entry_id = str(entries[index].get("id", "?"))
        text += f" entry '{entry_id}' (entries[{index}])"
        rest = rest[2:]
    if rest:
        field_name = str(rest[0]) + "".join(f"[{p}]" for p in rest[1:] if isinstance(p, int))
        text += f" field '{field_name}'"
    return text


def build_lexicon(name: str, raw: Any) -> Lexicon:
    """Validate one lexicon's parsed YAML and compile it (``name`` is the file stem)."""
    try:
        data = LexiconFile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_where(name, raw, tuple(err['loc']))}: {err['msg']}" for err in exc.errors()
        )
        raise LexiconError(problems) from exc
    seen: set[str] = set()
    groups: dict[str, str] = {}
    bodies: list[str] = []
    own: dict[str, re.Pattern[str]] = {}
    for i, entry in enumerate(data.entries):
        where = f"{name}.yaml: entry '{entry.id}' (entries[{i}])"
        if entry.id in seen:
            raise LexiconError(f"{where} field 'id': duplicate id")
        seen.add(entry.id)
        body = _entry_regex(entry, data.fragments, where)
        groups[f"e{i}"] = entry.id
        bodies.append(f"(?P<e{i}>{body})")
        own[entry.id] = re.compile(_anchored(body, data.anchor))
    return Lexicon(
        name=name,
        description=data.description,
        anchor=data.anchor,
        entries=tuple(data.entries),
        pattern=re.compile(_anchored("|".join(bodies), data.anchor)),
        entry_patterns=own,
        words=frozenset(w.lower() for e in data.entries for w in e.words),
        _ids=groups,
    )


@cache
def load_lexicons(directory: Path = LEXICON_DIR) -> dict[str, Lexicon]:
    """Every lexicon in ``directory`` by file stem; loaded and compiled once per process."""
    found: dict[str, Lexicon] = {}
    ids: dict[str, str] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
        except yaml.YAMLError as exc:
            raise LexiconError(f"{path.name}: not valid YAML ({exc})") from exc
        lexicon = build_lexicon(path.stem, raw)
        for entry in lexicon.entries:
            if entry.id in ids:
                raise LexiconError(
                    f"{path.name}: entry '{entry.id}' field 'id': already used in {ids[entry.id]}"
                )
            ids[entry.id] = path.name
        found[path.stem] = lexicon
    return found


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

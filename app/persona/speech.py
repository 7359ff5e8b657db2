"""Turning a model's streamed text into what a colleague would say: whole sentences, in
character, never said before in the session, no longer than the state allows.

Sentences are released as soon as they are complete, so streaming still feels live, and each
is checked before it goes out: once a sentence breaks character the reply stops there, and a
sentence the peer already said (small models loop: "I'm sorry. I'm sorry.") is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

_CLOSERS = "\"'\u201d\u2019)\\]"  # quotes and brackets that may follow a full stop
_SENTENCE_END = re.compile(rf"[.!?\u2026]+[{_CLOSERS}]*(?=\s)")
_TERMINAL = re.compile(rf"[.!?\u2026][{_CLOSERS}]*$")
_STAGE_DIRECTION = re.compile(r"\*[^*]*\*|\[[^\]]*\]|\([^)]*\)")
_TAGS = re.compile(r"</?\s*colleague\s*>", re.IGNORECASE)


def split_complete(buffer: str) -> tuple[list[str], str]:
    """Complete sentences at the front of ``buffer`` and the unfinished rest.

    A sentence counts as complete only once whitespace follows its end mark, so "3." in
    "3.5" or a reply still being streamed is never split early.
    """
    sentences = []
    start = 0
    for end in _SENTENCE_END.finditer(buffer):
        sentence = buffer[start : end.end()].strip()
        if sentence:
            sentences.append(sentence)
        start = end.end()
    return sentences, buffer[start:].lstrip()


def clean(sentence: str, name: str) -> str:
    """Drop what a person would not say aloud: a "Name:" prefix, *stage directions*, (asides
    such as "(pauses)"), tags."""
    text = " ".join(_TAGS.sub("", _STAGE_DIRECTION.sub("", sentence)).split())
    if text.count("[") != text.count("]"):  # one end of a bracketed note the model copied
        text = text.replace("[", "").replace("]", "").strip()
    if (text.count('"') + text.count("“") + text.count("”")) % 2:
        text = text.strip('"“”')  # the model quoted its whole reply; this is one end of it
    names = "|".join(re.escape(n) for n in dict.fromkeys([name, name.split()[0]]))
    text = re.sub(rf"^(?:{names})\s*:\s*", "", text)
    return text.strip()


def sentence_key(sentence: str) -> str:
    """What makes two sentences "the same line": words only, case and punctuation ignored."""
    return " ".join(re.findall(r"[a-z0-9']+", sentence.lower().replace("\u2019", "'")))


def sentences_of(text: str) -> list[str]:
    complete, rest = split_complete(text)
    return [*complete, rest] if rest.strip() else complete


def matches_any(text: str, patterns: Iterable[re.Pattern[str]]) -> bool:
    return any(pattern.search(text) for pattern in patterns)


def speakable(
    deltas: Iterable[str],
    *,
    name: str,
    max_sentences: int,
    out_of_character: Iterable[re.Pattern[str]],
    said_before: Iterable[str] = (),
) -> Iterator[str]:
    """Whole, new, in-character sentences from streamed text, at most ``max_sentences``.

    A trailing fragment (the model hit max_tokens mid-sentence) is dropped, unless it is all
    there is, so a reply is never empty just because the model forgot its full stop.
    """
    patterns = list(out_of_character)
    seen = {sentence_key(s) for s in said_before}
    buffer = ""
    said = 0
    for delta in deltas:
        buffer += delta
        complete, buffer = split_complete(buffer)
        for sentence in complete:
            text = clean(sentence, name)
            if not text or sentence_key(text) in seen:
                continue
            if matches_any(text, patterns):
                return
            seen.add(sentence_key(text))
            yield text
            said += 1
            if said >= max_sentences:
                return
    tail = clean(buffer, name)
    if (
        tail
        and sentence_key(tail) not in seen
        and not matches_any(tail, patterns)
        and (said == 0 or _TERMINAL.search(tail))
    ):
        yield tail

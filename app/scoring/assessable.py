"""Whether a learner line can be judged at all: abstain on non-English, gibberish or no words.

Precision comes first: a real English line must never be set aside, so any English cue (a
common function word, a backchannel, a word from the cue lexicons) makes the line assessable
before the language identifier is asked. py3langid (its model ships in the wheel; BSD) then
names the language of what is left; it loads on first use (about 2 s), and only lines without
any English cue reach it.
"""

from __future__ import annotations

import re
from functools import cache

from app.scoring.language import STOPWORDS, normalise_apostrophes
from app.scoring.rules import BACKCHANNEL

NO_WORDS = "no-words"
GIBBERISH = "gibberish"
NOT_ENGLISH = "not-english"

_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
# Slang, chat spellings and everyday workplace words a short English line may consist of.
_SLANG = """gonna wanna gotta dunno kinda sorta lol tbh idk btw omg ya yeah nah yep cos coz u
ur thx pls plz hmm huh ugh meh wait fine yes no why come came look see want
need work team late deadline meeting boss manager idea help sorry thanks please ok okay"""
_ENGLISH = STOPWORDS | BACKCHANNEL | frozenset(_SLANG.split())
_NON_ENGLISH_MARKS = re.compile(r"[¿¡]")


def assess(text: str) -> str | None:
    """A short reason id when ``text`` cannot be judged as English, else None."""
    tokens = [t.lower() for t in _TOKEN.findall(normalise_apostrophes(text))]
    if not tokens:
        return NO_WORDS
    if not _NON_ENGLISH_MARKS.search(text) and any(t in _ENGLISH for t in tokens):
        return None
    if not _NON_ENGLISH_MARKS.search(text) and len(tokens) < 3:
        return None  # too short to tell ("Deadline moved?"): never guess against English
    language = _identify(" ".join(tokens))
    if language == "en":
        return None
    return GIBBERISH if language == "zxx" else NOT_ENGLISH


@cache
def _identify(text: str) -> str:
    import py3langid  # loaded on first use: only lines without an English cue get here

    return str(py3langid.classify(text)[0])

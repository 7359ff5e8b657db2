"""Just enough English morphology for the rewrite rules: gerunds, base forms, pronoun swaps.

Verb inflection comes from lemminflect (its English lexicon ships in the wheel; unknown verbs
go through its out-of-vocabulary rules). It loads its tables on first use (about 50 MB of
memory, under a second), so nothing is paid until a rewrite needs a verb form. A wrong guess
costs a slightly odd rewrite, never a wrong score.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lemminflect import getInflection, getLemma


def _word_set(words: str) -> frozenset[str]:
    """A set from a whitespace-separated word list (easier to read and edit than a literal)."""
    return frozenset(words.split())


_MODALS = frozenset(("could", "would", "should", "might", "must", "ought"))


@lru_cache(maxsize=4096)
def base_form(word: str) -> str:
    """The base form of a past tense or participle ("told" -> "tell", "stopped" -> "stop").

    Any other word comes back lower-cased and unchanged ("is" stays "is"), so callers can ask
    ``base_form(w) != w`` to spot a past form.
    """
    lower = word.lower()
    if lower in _MODALS:
        return lower  # "could" is not the past of "can" in a learner's sentence
    for lemma in getLemma(lower, upos="VERB"):
        if lemma != lower and (
            lower in getInflection(lemma, tag="VBD") or lower in getInflection(lemma, tag="VBN")
        ):
            return str(lemma)
    return lower


@lru_cache(maxsize=4096)
def gerund(verb: str) -> str:
    """The -ing form of a base verb ("take" -> "taking", "stop" -> "stopping")."""
    lower = verb.lower()
    forms = [
        f
        for f in getInflection(lower, tag="VBG")
        if f.endswith("ing") and f != lower and " " not in f
    ]
    return forms[0] if forms else lower + "ing"


def gerund_phrase(phrase: str) -> str:
    """A verb phrase with its first word turned into a gerund ("tell her" -> "telling her")."""
    first, _, rest = phrase.strip().partition(" ")
    return f"{gerund(first)} {rest}".strip()


def base_phrase(phrase: str) -> str:
    """A verb phrase with its first word turned into the base form ("told her" -> "tell her")."""
    first, _, rest = phrase.strip().partition(" ")
    return f"{base_form(first)} {rest}".strip()


_SWAP = {
    "i": "you",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    "i'm": "you're",
    "i've": "you've",
    "i'd": "you'd",
    "i'll": "you'll",
    "am": "are",
    "we": "you",
    "us": "you",
    "our": "your",
    "ours": "yours",
    "ourselves": "yourselves",
    "we're": "you're",
    "we've": "you've",
    "we'd": "you'd",
    "we'll": "you'll",
}
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


def second_person(sentence: str) -> str:
    """The other person's first-person sentence said back to them ("I was" -> "you were")."""
    text = sentence.replace("\u2019", "'")
    text = re.sub(r"\b(I|we) was\b", lambda m: "you were", text)

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        return _SWAP.get(word.lower(), word)

    return _WORD.sub(swap, text)


OBJECT_FORM = {"he": "him", "she": "her", "they": "them", "we": "us", "i": "me"}


def object_form(subject: str) -> str:
    return OBJECT_FORM.get(subject.lower(), subject)


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def decapitalise(text: str) -> str:
    """Lower-case the first letter unless the first word is "I" or looks like a name."""
    first = text.split(" ", 1)[0]
    if first in ("I", "I'm", "I've", "I'd", "I'll") or (
        first[:1].isupper() and first[1:2].islower() and first.lower() not in _COMMON
    ):
        return text
    return text[:1].lower() + text[1:]


_COMMON = _word_set(
    """the a an this that these those it its you your they their we our he she his her there
    just maybe perhaps so and but or then when if what how why where who which try talk tell go
    stop start make take ask consider remember focus set book delegate email send schedule speak
    write push block put give get call check keep raise bring escalate document drop skip avoid
    learn read sign reach sort fix plan cut turn find use move list note pick be don't do it's
    that's there's you're you've what's he's she's they're we're let's didn't isn't doesn't
    won't can't one some any all each every no not nothing something everything"""
)

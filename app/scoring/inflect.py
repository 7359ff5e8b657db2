"""Just enough English morphology for the rewrite rules: gerunds, base forms, pronoun swaps.

Deterministic tables and suffix rules; a wrong guess costs a slightly odd rewrite, never a
wrong score, so the tables cover the verbs learners actually use in workplace conversations.
"""

from __future__ import annotations

import re


def _word_set(words: str) -> frozenset[str]:
    """A set from a whitespace-separated word list (easier to read and edit than a literal)."""
    return frozenset(words.split())


_IRREGULAR_BASE = {
    "went": "go",
    "gone": "go",
    "did": "do",
    "done": "do",
    "said": "say",
    "told": "tell",
    "made": "make",
    "took": "take",
    "taken": "take",
    "gave": "give",
    "given": "give",
    "sent": "send",
    "left": "leave",
    "got": "get",
    "gotten": "get",
    "came": "come",
    "saw": "see",
    "seen": "see",
    "thought": "think",
    "felt": "feel",
    "kept": "keep",
    "spoke": "speak",
    "spoken": "speak",
    "wrote": "write",
    "written": "write",
    "ran": "run",
    "led": "lead",
    "bought": "buy",
    "brought": "bring",
    "caught": "catch",
    "forgot": "forget",
    "forgotten": "forget",
    "found": "find",
    "heard": "hear",
    "held": "hold",
    "knew": "know",
    "known": "know",
    "lost": "lose",
    "met": "meet",
    "paid": "pay",
    "sat": "sit",
    "spent": "spend",
    "stood": "stand",
    "taught": "teach",
    "understood": "understand",
    "won": "win",
    "began": "begin",
    "begun": "begin",
    "broke": "break",
    "broken": "break",
    "chose": "choose",
    "chosen": "choose",
    "drove": "drive",
    "driven": "drive",
    "ate": "eat",
    "fell": "fall",
    "fallen": "fall",
    "had": "have",
    "was": "be",
    "were": "be",
    "been": "be",
    "dealt": "deal",
    "meant": "mean",
    "sold": "sell",
    "slept": "sleep",
    "built": "build",
    "shook": "shake",
    "stuck": "stick",
    "threw": "throw",
    "thrown": "throw",
    "woke": "wake",
    "wore": "wear",
    "withdrew": "withdraw",
    "became": "become",
    "let": "let",
    "put": "put",
    "cut": "cut",
    "hit": "hit",
    "set": "set",
    "shut": "shut",
    "quit": "quit",
    "hurt": "hurt",
    "read": "read",
    "upset": "upset",
    "snapped": "snap",
    "created": "create",
}
# Verbs whose base ends in "e": "raised" -> "raise", not "rais".
_E_VERBS = _word_set(
    """use raise move decide share hire close escalate schedule cause promote manage change
    chase hope like believe arrive argue continue complete delegate ignore involve notice prepare
    receive release remove reduce replace resolve serve solve state organise organize prioritise
    prioritize apologise apologize realise realize recognise recognize summarise summarize
    criticise criticize note quote vote invite explore guide provide divide introduce produce
    practise sense pause refuse excuse praise dance force face place judge engage encourage merge
    challenge arrange exchange charge save live love improve approve achieve deserve observe
    relate rate debate communicate demonstrate estimate facilitate celebrate motivate navigate
    operate participate translate validate generate hate date compete describe type compile
    file smile handle struggle settle tackle juggle shape scope cope care dare compare declare
    ensure measure pressure capture figure configure retire require inspire admire acquire
    combine define decline outline determine examine imagine analyse analyze pursue issue value
    rescue structure update phone bore tire isolate overwhelme confuse excite surprise"""
)
_E_BY_PAST = {verb[:-1] + "ed": verb for verb in _E_VERBS}
_DOUBLING = _word_set(
    """stop get put run sit set cut plan drop shop chat skip swap jog nag tag admit commit submit
    forget begin refer prefer occur ship slip step grab rub hit let win swim spin bet dig fit quit
    snap flag log plug scrap drag map"""
)
_KEEP_DOUBLE = ("ll", "ss", "ff", "zz", "dd")


def base_form(word: str) -> str:
    """The base form of a past tense or participle ("told" -> "tell", "stopped" -> "stop")."""
    lower = word.lower()
    if lower in _IRREGULAR_BASE:
        return _IRREGULAR_BASE[lower]
    if lower in _E_BY_PAST:
        return _E_BY_PAST[lower]
    if lower.endswith("ied") and len(lower) > 4:
        return lower[:-3] + "y"
    if lower.endswith("ed") and len(lower) > 3:
        stem = lower[:-2]
        if len(stem) > 2 and stem[-1] == stem[-2] and not stem.endswith(_KEEP_DOUBLE):
            return stem[:-1]
        return stem
    return lower


def gerund(verb: str) -> str:
    """The -ing form of a base verb ("take" -> "taking", "stop" -> "stopping")."""
    lower = verb.lower()
    if lower in ("be", "see", "flee", "agree", "free"):
        return lower + "ing"
    if lower.endswith("ie"):
        return lower[:-2] + "ying"
    if lower.endswith("e") and not lower.endswith(("ee", "ye", "oe")):
        return lower[:-1] + "ing"
    if lower in _DOUBLING:
        return lower + lower[-1] + "ing"
    return lower + "ing"


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

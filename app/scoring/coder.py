"""Label every learner turn with its moves: a learned model, and rules where language is regular.

The decision, per turn:
1. Lines with nothing to judge (no words, gibberish, another language) are *not assessable*:
   they get no move that counts and are left out of every metric.
2. The fine-tuned model (``classifier.py``) reads the turn with the other person's previous
   line and gives its main behaviour and a probability for every move. A move is present when
   its probability reaches its threshold (chosen on the corpus dev split). Multi-sentence turns
   are also read sentence by sentence, to say *which* sentence carries each move (evidence
   quotes that sentence) and how many separate questions the turn asks.
3. The labels are made consistent with the MITI conventions the corpus follows: a question has
   a form (open or closed), a why-question is open, a main behaviour has a move to show for it,
   "other" stands alone.
4. Rules, where the language is regular and their precision is near 1, have the last word:
   explicit permission requests ("Would you be open to a suggestion?") are a move of their own
   and not a question; advice after the other person said "yes, go ahead" has permission; the
   SBI parts of feedback (situation, behaviour, impact, request) are read from their wording,
   and a request made as a question while feedback is under way is the request, not a question.
   Two safety nets cover the model's weakest moves: a label or accusation from the judgement
   lexicon ("you stole my idea", "you're lazy") is judgement and not a reflection, and an
   instruction from the advice lexicon ("Use the sandwich method") is advice.

Each piece of evidence names its source: ``model`` with the probability, or ``rule:<id>``.
The conventions are in ``training/coder/CONVENTIONS.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from app.scoring import rules
from app.scoring.assessable import assess
from app.scoring.classifier import ModelRead, get_classifier
from app.scoring.language import Sentence, split_sentences
from app.scoring.moves import CodedUtterance, MainBehaviour, Move, MoveEvidence, SbiPart

CODER_NAME = "rehearse-coder"
CODER_VERSION = "2.0"

STACKED_WITHOUT_SENTENCES = 0.8  # the model alone must be this sure to call one sentence stacked

FORMS = (Move.OPEN_QUESTION, Move.CLOSED_QUESTION)
QUESTION_KINDS = (Move.LEADING_QUESTION, Move.WHY_QUESTION, Move.STACKED_QUESTIONS)
REFLECTIONS = (Move.SIMPLE_REFLECTION, Move.COMPLEX_REFLECTION, Move.SUMMARY)
ADVICE = (Move.ADVICE_WITH_PERMISSION, Move.ADVICE_WITHOUT_PERMISSION)
INPUTS = (
    Move.PERMISSION_REQUEST,
    Move.ADVICE_WITH_PERMISSION,
    Move.ADVICE_WITHOUT_PERMISSION,
    Move.INFORMATION,
    Move.FEEDBACK,
    Move.JUDGEMENT,
    Move.SELF_DISCLOSURE,
)
MAIN_MOVES: dict[MainBehaviour, tuple[Move, ...]] = {
    MainBehaviour.QUESTION: FORMS,
    MainBehaviour.REFLECTION: REFLECTIONS,
    MainBehaviour.INPUT: INPUTS,
    MainBehaviour.OTHER: (Move.OTHER, Move.AFFIRMATION),
}

# What each move means, shown beside the evidence. Metrics test moves, never these strings.
MOVE_REASONS: dict[Move, str] = {
    Move.OPEN_QUESTION: "invites a wide answer in their own words",
    Move.CLOSED_QUESTION: "can be answered yes or no, or with a single fact",
    Move.LEADING_QUESTION: "pushes towards the answer the learner wants",
    Move.WHY_QUESTION: "asks them to justify themselves ('why')",
    Move.STACKED_QUESTIONS: "asks several questions in one turn",
    Move.SIMPLE_REFLECTION: "mirrors what they said, adding little",
    Move.COMPLEX_REFLECTION: "mirrors what they said and adds meaning or feeling",
    Move.SUMMARY: "draws together several things they said",
    Move.AFFIRMATION: "names a strength, effort or value of theirs",
    Move.PERMISSION_REQUEST: "asks permission before offering an idea or feedback",
    Move.ADVICE_WITH_PERMISSION: "offers an idea they agreed to hear",
    Move.ADVICE_WITHOUT_PERMISSION: "tells them what to do, unasked",
    Move.INFORMATION: "gives facts or explanations",
    Move.JUDGEMENT: "judges, labels or accuses the person",
    Move.FEEDBACK: "describes what they did on an occasion",
    Move.SELF_DISCLOSURE: "talks about the learner's own experience",
    Move.OTHER: "no listening, questioning or feedback move",
}


@dataclass
class _Turn:
    """One turn on its way through the coder."""

    text: str
    context: str | None
    sentences: list[Sentence]
    not_assessable: str | None
    whole: ModelRead | None = None
    parts: list[ModelRead] = field(default_factory=list)  # one per sentence, if several


def code_utterance(text: str, context: str | None = None) -> CodedUtterance:
    """Code one learner turn; ``context`` is what the other person said just before it."""
    return _code_cached(text, context)


def code_feedback_followup(text: str, context: str | None = None) -> CodedUtterance:
    """Code a turn that continues feedback the learner began in an earlier turn.

    Feedback often spreads over turns: the behaviour in one, the impact or the request after
    the other person replies. Here a sentence with an impact or a request continues the
    feedback, and a request phrased as a question ("Would you be up for ...?") is the request
    part of SBI, not a closed question.
    """
    return _code_cached(text, context, feedback_open=True)


@lru_cache(maxsize=4096)
def _code_cached(text: str, context: str | None, *, feedback_open: bool = False) -> CodedUtterance:
    return code_utterances([(text, context)], feedback_open=feedback_open)[0]


def code_utterances(
    items: Sequence[tuple[str, str | None]], *, feedback_open: bool = False
) -> list[CodedUtterance]:
    """Code many turns in one batched model call; a turn is coded the same alone or in a batch."""
    turns = [_Turn(text, context, split_sentences(text), assess(text)) for text, context in items]
    pairs: list[tuple[str, str | None]] = []
    for turn in turns:
        if turn.not_assessable:
            continue
        pairs.append((turn.text, turn.context))
        if len(turn.sentences) > 1:
            pairs.extend((s.text, turn.context) for s in turn.sentences)
    reads = iter(get_classifier().predict(pairs))
    for turn in turns:
        if turn.not_assessable:
            continue
        turn.whole = next(reads)
        if len(turn.sentences) > 1:
            turn.parts = [next(reads) for _ in turn.sentences]
    return [_decide(turn, feedback_open=feedback_open) for turn in turns]


def _decide(turn: _Turn, *, feedback_open: bool) -> CodedUtterance:
    if turn.not_assessable or turn.whole is None:
        return _not_assessable(turn)
    thresholds = get_classifier().thresholds
    whole = turn.whole
    chosen = {m for m in Move if whole.moves.get(m.value, 0.0) >= thresholds.get(m.value, 0.5)}
    main = MainBehaviour(whole.main_label)
    chosen = _consistent(chosen, main, whole)
    sources: dict[Move, tuple[str, Sentence | None]] = {}

    permission = _first_sentence(turn, lambda s: rules.first_match(rules.PERMISSION_ASK, s))
    if permission is not None:
        chosen.add(Move.PERMISSION_REQUEST)
        entry = rules.first_match(rules.PERMISSION_ASK, permission.text)
        sources[Move.PERMISSION_REQUEST] = (f"rule:{entry}", permission)
        if _only_question_is(turn, permission):
            chosen -= {*FORMS, *QUESTION_KINDS}
    granted = _permission_granted(turn.context)
    if Move.ADVICE_WITHOUT_PERMISSION in chosen and granted:
        chosen.discard(Move.ADVICE_WITHOUT_PERMISSION)
        chosen.add(Move.ADVICE_WITH_PERMISSION)
        sources[Move.ADVICE_WITH_PERMISSION] = (f"rule:{granted}", None)

    judged = _first_sentence(turn, lambda s: rules.first_match(rules.JUDGEMENT, s))
    if judged is not None:
        # A label or an accusation aimed at the person is judgement whatever its shape; the
        # model, trained on few of them, too often reads "You're lazy" as a reflection.
        chosen.add(Move.JUDGEMENT)
        entry = rules.first_match(rules.JUDGEMENT, judged.text)
        sources[Move.JUDGEMENT] = (f"rule:{entry}", judged)
        if not any(rules.match_any(rules.STRONG_REFLECTION, s.text) for s in turn.sentences):
            chosen -= {*REFLECTIONS, Move.AFFIRMATION}
    if (
        Move.ADVICE_WITH_PERMISSION in chosen
        and not granted
        and Move.PERMISSION_REQUEST not in chosen
        and not _first_sentence(turn, lambda s: rules.match_any(rules.AUTONOMY, s))
    ):
        # Permission must be visible: asked for here, granted just before, or the choice left
        # explicitly with them. Otherwise the model's "with permission" is a guess.
        chosen.discard(Move.ADVICE_WITH_PERMISSION)
        chosen.add(Move.ADVICE_WITHOUT_PERMISSION)
    advised = _first_sentence(turn, rules.advice_cue)
    if advised is not None and not chosen & {*ADVICE, Move.PERMISSION_REQUEST, *REFLECTIONS}:
        move = Move.ADVICE_WITH_PERMISSION if granted else Move.ADVICE_WITHOUT_PERMISSION
        chosen.add(move)
        chosen.discard(Move.SUMMARY)
        sources[move] = ("rule:advice", advised)

    if chosen & set(ADVICE):
        chosen.discard(Move.SUMMARY)  # a list of steps to take is advice, not their story
    sbi = _sbi_parts(turn)
    observed = _first_sentence(turn, _describes_behaviour)
    if observed is not None and Move.FEEDBACK not in chosen and not chosen & set(REFLECTIONS):
        # "In yesterday's stand-up, I noticed you cut Sam off twice": an occasion and what they
        # did there, in regular SBI wording, is feedback even when a question follows it.
        chosen.add(Move.FEEDBACK)
        sources[Move.FEEDBACK] = ("rule:sbi-observed-behaviour", observed)
    if feedback_open and sbi & {SbiPart.IMPACT, SbiPart.REQUEST} and Move.FEEDBACK not in chosen:
        chosen.add(Move.FEEDBACK)
        sources[Move.FEEDBACK] = ("rule:feedback-continued", None)
        request = _first_sentence(turn, lambda s: rules.read_sbi(s).request)
        if request is not None:
            sources[Move.FEEDBACK] = ("rule:feedback-continued", request)
        if request is not None and _only_question_is(turn, request):
            chosen -= {*FORMS, *QUESTION_KINDS}
    if Move.FEEDBACK in chosen and not sbi:
        sbi = {SbiPart.BEHAVIOUR}

    question_count = _question_count(turn, chosen)
    if question_count >= 2:
        chosen.add(Move.STACKED_QUESTIONS)
    elif whole.moves.get(Move.STACKED_QUESTIONS.value, 0.0) < STACKED_WITHOUT_SENTENCES:
        chosen.discard(Move.STACKED_QUESTIONS)
    if chosen - {Move.OTHER}:
        chosen.discard(Move.OTHER)
    if not chosen:
        chosen = {Move.OTHER}
    main = _settled_main(main, chosen)
    moves = tuple(m for m in Move if m in chosen)
    return CodedUtterance(
        text=turn.text,
        moves=moves,
        sbi=tuple(p for p in SbiPart if p in sbi) if Move.FEEDBACK in chosen else (),
        question_count=question_count if chosen & set(FORMS) else 0,
        check_questions=_checks(turn, chosen),
        evidence=tuple(_evidence(turn, move, sources.get(move)) for move in moves),
        main=main,
    )


def _consistent(chosen: set[Move], main: MainBehaviour, read: ModelRead) -> set[Move]:
    """Make the model's labels obey the coding conventions, preferring what it was surer of."""

    def likelier(*options: Move) -> Move:
        return max(options, key=lambda m: read.moves.get(m.value, 0.0))

    if not chosen & set(MAIN_MOVES[main]):
        chosen.add(likelier(*MAIN_MOVES[main]))
    if Move.WHY_QUESTION in chosen:
        chosen.add(Move.OPEN_QUESTION)
    if chosen & set(QUESTION_KINDS) and not chosen & set(FORMS):
        chosen.add(likelier(*FORMS))
    if {Move.SIMPLE_REFLECTION, Move.COMPLEX_REFLECTION} <= chosen:
        chosen.discard(
            Move.SIMPLE_REFLECTION
            if likelier(Move.SIMPLE_REFLECTION, Move.COMPLEX_REFLECTION) is Move.COMPLEX_REFLECTION
            else Move.COMPLEX_REFLECTION
        )
    if {Move.ADVICE_WITH_PERMISSION, Move.ADVICE_WITHOUT_PERMISSION} <= chosen:
        chosen.discard(
            Move.ADVICE_WITH_PERMISSION
            if likelier(Move.ADVICE_WITH_PERMISSION, Move.ADVICE_WITHOUT_PERMISSION)
            is Move.ADVICE_WITHOUT_PERMISSION
            else Move.ADVICE_WITHOUT_PERMISSION
        )
    if main is not MainBehaviour.QUESTION and chosen & set(FORMS) and _only_check_like(read):
        chosen -= set(FORMS)
    return chosen


def _only_check_like(read: ModelRead) -> bool:
    """A reflection with a rising '?' or a check: the question labels are weak beside it."""
    return max(read.moves.get(m.value, 0.0) for m in FORMS) < 0.5


def _settled_main(main: MainBehaviour, chosen: set[Move]) -> MainBehaviour:
    """The main behaviour after the rules: it must have a move to show for it."""
    if chosen & set(MAIN_MOVES[main]):
        return main
    for candidate in (
        MainBehaviour.QUESTION,
        MainBehaviour.REFLECTION,
        MainBehaviour.INPUT,
        MainBehaviour.OTHER,
    ):
        if chosen & set(MAIN_MOVES[candidate]):
            return candidate
    return MainBehaviour.OTHER


def _first_sentence(turn: _Turn, test: Callable[[str], object]) -> Sentence | None:
    return next((s for s in turn.sentences if test(s.text)), None)


def _only_question_is(turn: _Turn, sentence: Sentence) -> bool:
    """True when ``sentence`` is the only sentence of the turn that reads as a question."""
    others = [s for s in turn.sentences if s is not sentence and s.text.rstrip().endswith("?")]
    return not others


def _permission_granted(context: str | None) -> str | None:
    """The lexicon entry by which the other person just said yes to hearing an idea, if any."""
    if not context or rules.match_any(rules.REFUSAL, context):
        return None
    return rules.first_match(rules.PERMISSION_GRANTED, context)


def _describes_behaviour(sentence: str) -> bool:
    """An observation of the other person's behaviour placed on an occasion ("I noticed you")."""
    read = rules.read_sbi(sentence)
    observed = rules.match_any(rules.OBSERVATION, sentence)
    return bool(read.behaviour and (observed or (read.situation and (read.impact or read.request))))


def _sbi_parts(turn: _Turn) -> set[SbiPart]:
    found: set[SbiPart] = set()
    for sentence in turn.sentences:
        read = rules.read_sbi(sentence.text)
        flags = {
            SbiPart.SITUATION: read.situation,
            SbiPart.BEHAVIOUR: read.behaviour,
            SbiPart.IMPACT: read.impact,
            SbiPart.REQUEST: read.request,
        }
        found |= {part for part, present in flags.items() if present}
    return found


def _question_count(turn: _Turn, chosen: set[Move]) -> int:
    """How many separate questions the turn asks: its question sentences, read one by one."""
    if not chosen & set(FORMS):
        return 0
    if not turn.parts:
        return 1
    asked = sum(
        1
        for sentence, read in zip(turn.sentences, turn.parts, strict=True)
        if read.main_label == MainBehaviour.QUESTION.value
        and not rules.is_backchannel(sentence.text)
    )
    return max(asked, 1)


def _checks(turn: _Turn, chosen: set[Move]) -> int:
    """'Is that right?' after a reflection or summary: a check, not a new question."""
    if not chosen & set(REFLECTIONS):
        return 0
    count = 0
    for sentence in turn.sentences:
        question = rules.read_question(sentence.text)
        if question is not None and question.form is rules.Form.CHECK:
            count += 1
    return count


def _evidence(turn: _Turn, move: Move, rule: tuple[str, Sentence | None] | None) -> MoveEvidence:
    """Which sentence carries the move, and who said so (a rule id or the model)."""
    assert turn.whole is not None
    if rule is not None:
        source, sentence = rule
        cue = sentence or _carrier(turn, move)
        return MoveEvidence(
            move=move, reason=MOVE_REASONS[move], cue=cue.text if cue else None, source=source
        )
    cue = _carrier(turn, move)
    return MoveEvidence(
        move=move,
        reason=MOVE_REASONS[move],
        cue=cue.text if cue else None,
        source="model",
        probability=turn.whole.moves.get(move.value),
    )


def _carrier(turn: _Turn, move: Move) -> Sentence | None:
    """The sentence the model finds the move in most strongly (the turn's only one if single)."""
    if not turn.sentences:
        return None
    if not turn.parts:
        return turn.sentences[0]
    scored = [(read.moves.get(move.value, 0.0), -index) for index, read in enumerate(turn.parts)]
    best = max(range(len(scored)), key=lambda i: scored[i])
    return turn.sentences[best]


def _not_assessable(turn: _Turn) -> CodedUtterance:
    reason = turn.not_assessable or "no-words"
    return CodedUtterance(
        text=turn.text,
        moves=(Move.OTHER,),
        evidence=(
            MoveEvidence(
                move=Move.OTHER,
                reason=f"not assessable ({reason}): left out of the metrics",
                cue=turn.text.strip() or None,
                source=f"rule:not-assessable-{reason}",
            ),
        ),
        main=MainBehaviour.OTHER,
        assessable=False,
        not_assessable_reason=reason,
    )

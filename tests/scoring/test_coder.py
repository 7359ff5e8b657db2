"""The utterance coder: the moves a new user saw it get wrong, evidence that names its source and
quotes the right sentence, abstention, current weights, and the figures on our own test split."""

from __future__ import annotations

import json
import sys

import pytest

from app.config import PROJECT_ROOT
from app.scoring.classifier import MODEL_DIR, get_classifier
from app.scoring.coder import code_feedback_followup, code_utterance, code_utterances
from app.scoring.moves import MainBehaviour, Move

# (context, line, moves that must be there, moves that must not)
CASES = [
    (
        "I've been doing twelve-hour days since the launch.",
        "You must be exhausted.",
        {Move.COMPLEX_REFLECTION, Move.SIMPLE_REFLECTION},
        {Move.ADVICE_WITHOUT_PERMISSION, Move.JUDGEMENT},
    ),
    (
        "So what did you want to talk about?",
        "Marcus, you stole my idea and you know it.",
        {Move.JUDGEMENT},
        {Move.FEEDBACK, Move.COMPLEX_REFLECTION, Move.SIMPLE_REFLECTION},
    ),
    (
        "I just don't know how to handle Priya's comments any more.",
        "Would you be open to me suggesting something?",
        {Move.PERMISSION_REQUEST},
        {Move.CLOSED_QUESTION, Move.OPEN_QUESTION, Move.ADVICE_WITHOUT_PERMISSION},
    ),
    (
        "I'm thinking of applying for the team lead role.",
        "Are you really that desperate?",
        {Move.JUDGEMENT},
        {Move.OPEN_QUESTION, Move.COMPLEX_REFLECTION},
    ),
    (
        "Morning. What's up?",
        "Samir, you look terrible. You're burned out",
        {Move.JUDGEMENT},
        {Move.COMPLEX_REFLECTION, Move.SIMPLE_REFLECTION, Move.AFFIRMATION},
    ),
    (
        "The project's been paused.",
        "Why was it paused?",
        {Move.WHY_QUESTION, Move.OPEN_QUESTION},
        {Move.CLOSED_QUESTION},
    ),
    (
        "My manager keeps adding work.",
        "What's been the hardest part of that for you?",
        {Move.OPEN_QUESTION},
        {Move.CLOSED_QUESTION, Move.WHY_QUESTION},
    ),
    (
        "I've been covering for Sam since he went on leave.",
        "How long has he been out?",
        {Move.CLOSED_QUESTION},
        {Move.OPEN_QUESTION},
    ),
    (
        "I haven't had a proper weekend since March.",
        "No proper weekend since March?",
        {Move.SIMPLE_REFLECTION, Move.COMPLEX_REFLECTION},
        {Move.OPEN_QUESTION},
    ),
    (
        "I don't know how to give Raj feedback.",
        "Use the sandwich method. Say something nice, then the criticism, then something nice.",
        {Move.ADVICE_WITHOUT_PERMISSION},
        {Move.ADVICE_WITH_PERMISSION, Move.PERMISSION_REQUEST},
    ),
    (
        "Sure, go ahead, I could use an idea.",
        "You could block your mornings for the release work and keep email for the afternoon.",
        {Move.ADVICE_WITH_PERMISSION},
        {Move.ADVICE_WITHOUT_PERMISSION},
    ),
    (
        "Is this about Monday?",
        "In Monday's stand-up you cut Lina off twice, and she didn't speak again for the rest "
        "of the meeting.",
        {Move.FEEDBACK},
        {Move.COMPLEX_REFLECTION, Move.SIMPLE_REFLECTION},
    ),
    (
        "I'm thinking of leaving the company.",
        "Is this new? Have you started looking? What's pulling you?",
        {Move.STACKED_QUESTIONS},
        set(),
    ),
]


@pytest.mark.parametrize(
    ("context", "text", "required", "forbidden"), CASES, ids=[c[1][:40] for c in CASES]
)
def test_code_utterance_labels_the_lines_users_reported(
    context: str, text: str, required: set[Move], forbidden: set[Move]
) -> None:
    coded = code_utterance(text, context)

    assert set(coded.moves) & required, f"expected one of {required}, got {coded.moves}"
    assert not set(coded.moves) & forbidden, f"got forbidden {set(coded.moves) & forbidden}"


def test_code_utterance_evidence_names_its_source_and_quotes_the_turn() -> None:
    text = "Would you be open to a suggestion? Sure. What have you tried so far?"
    coded = code_utterance(text, "I keep missing the Friday deadline.")

    assert coded.evidence
    for evidence in coded.evidence:
        assert evidence.cue is None or evidence.cue in text
        assert evidence.source == "model" or evidence.source.startswith("rule:")
        if evidence.source == "model":
            assert evidence.probability is not None and 0.0 <= evidence.probability <= 1.0
    permission = [e for e in coded.evidence if e.move is Move.PERMISSION_REQUEST]
    assert permission and permission[0].source.startswith("rule:permission-ask")


def test_code_utterance_quotes_the_sentence_that_carries_the_move() -> None:
    text = (
        "Thanks for telling me. It sounds like you are worried the team will think you can't cope."
    )
    coded = code_utterance(text, "Honestly, I've been running on fumes since the reorg.")

    reflections = [
        e for e in coded.evidence if e.move in (Move.SIMPLE_REFLECTION, Move.COMPLEX_REFLECTION)
    ]
    assert reflections, coded.moves
    assert (
        reflections[0].cue == "It sounds like you are worried the team will think you can't cope."
    )


def test_code_utterance_abstains_on_lines_with_nothing_to_judge() -> None:
    for text in ("¿Cómo estás? ¿Qué tal el trabajo?", "asdkjh qwpoeiru zxmcnv", "!!! ???"):
        coded = code_utterance(text, "I keep missing deadlines.")
        assert not coded.assessable, text
        assert coded.not_assessable_reason
        assert coded.evidence[0].source.startswith("rule:not-assessable")
    assert code_utterance("Mm-hmm.", "And then he left.").assessable


def test_code_feedback_followup_reads_a_request_as_part_of_the_feedback() -> None:
    coded = code_feedback_followup(
        "Next time, could you give me a heads-up before the demo?", "Oh. I didn't realise."
    )

    assert coded.has(Move.FEEDBACK)
    assert not coded.has(Move.CLOSED_QUESTION)


def test_code_utterances_in_a_batch_equals_coding_one_at_a_time() -> None:
    items = [(text, context) for context, text, _, _ in CASES]

    batched = code_utterances(items)

    for (text, context), coded in zip(items, batched, strict=True):
        assert coded == code_utterances([(text, context)])[0]


def test_main_behaviour_has_a_move_to_show_for_it() -> None:
    for context, text, _, _ in CASES:
        coded = code_utterance(text, context)
        if coded.main is MainBehaviour.QUESTION:
            assert coded.has(Move.OPEN_QUESTION, Move.CLOSED_QUESTION)
        if coded.main is MainBehaviour.REFLECTION:
            assert coded.has(Move.SIMPLE_REFLECTION, Move.COMPLEX_REFLECTION, Move.SUMMARY)


def _corpus():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(PROJECT_ROOT / "training" / "coder"))
    try:
        import corpus
    finally:
        sys.path.pop(0)
    return corpus


def test_the_shipped_weights_were_trained_on_the_current_corpus() -> None:
    corpus = _corpus()
    meta = json.loads((MODEL_DIR / "coder.json").read_text(encoding="utf-8"))

    assert meta["corpus_digest"] == corpus.corpus_digest(corpus.load_corpus()), (
        "the corpus changed since the model was trained: run `make train-coder`"
    )
    assert meta["move_labels"] == list(corpus.LABELS)
    assert get_classifier().version == meta["version"]
    assert (MODEL_DIR / "coder.onnx").stat().st_size < 100 * 1024 * 1024


def test_the_corpus_test_split_meets_the_agreement_floor() -> None:
    from evals.coder_eval import corpus_test_report

    report = corpus_test_report()

    assert report is not None and report.items >= 500
    assert report.three_way_macro_f1 >= 0.85
    assert report.kappa is not None and report.kappa >= 0.78

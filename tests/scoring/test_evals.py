"""The evaluation harnesses' own rules: "not observed" is only a win where a pair expects it,
the AUC is the Mann-Whitney one, and AnnoMI rows map to the classifier's functions."""

from __future__ import annotations

from app.scoring.coder import code_utterance
from app.scoring.moves import Move
from evals.coder_eval import annomi_training_function, annomi_with_expert_head, primary
from evals.scorer_eval import PairResult, auc


def _pair(
    better: tuple[int, float] | None, worse: tuple[int, float] | None, expected: bool = False
) -> PairResult:
    return PairResult(
        pair="p",
        skill="feedback",
        better_level=better[0] if better else None,
        better_score=better[1] if better else None,
        worse_level=worse[0] if worse else None,
        worse_score=worse[1] if worse else None,
        worse_not_observed_expected=expected,
    )


def test_not_observed_on_the_worse_side_only_wins_when_the_pair_expects_it() -> None:
    assert _pair((3, 2.8), (2, 2.4)).won
    assert _pair((3, 2.8), (3, 2.6)).won, "a tie on level is broken by the score"
    assert not _pair((3, 2.6), (3, 2.8)).won
    assert not _pair((3, 2.8), None).won, "an unexpected 'not observed' is a loss"
    assert _pair((3, 2.8), None, expected=True).won
    assert not _pair(None, (1, 1.0)).won
    assert not _pair(None, None, expected=True).won


def test_auc_counts_ties_as_half() -> None:
    assert auc([3, 4], [1, 2]) == 1.0
    assert auc([1], [2]) == 0.0
    assert auc([2, 2], [2, 1]) == 0.75


def test_annomi_rows_map_to_classifier_functions() -> None:
    assert annomi_training_function({"main_behaviour": "question", "reflection": "simple"}) == (
        "reflection",
        "simple",
    )
    assert annomi_training_function({"main_behaviour": "reflection", "reflection": None}) == (
        "reflection",
        None,
    )
    assert annomi_training_function({"main_behaviour": "therapist_input"}) == ("input", None)
    assert annomi_training_function({"main_behaviour": "question"}) == ("other", None)


def test_a_check_after_a_reflection_leaves_the_turn_a_reflection() -> None:
    """As in the metrics (check questions are not counted) and in AnnoMI's coding."""
    context = "I keep saying yes to everything and then I'm up at midnight."
    checked = code_utterance("So you feel you can't say no. Is that right?", context)
    asked = code_utterance("So you feel you can't say no. When did that start?", context)

    assert checked.check_questions == 1
    assert primary(checked) == "reflection"
    assert primary(asked) == "question"


def test_the_expert_head_hands_the_rules_each_rows_own_function() -> None:
    """The rules' ceiling replaces only the trained head: a statement the experts called a
    reflection becomes one even with no reflective wording, and a question stays a question."""
    rows: list[dict[str, object]] = [
        {
            "text": "All of it landing on you at once.",
            "context": "The move, the new job and my dad in hospital, all in one month.",
            "main_behaviour": "reflection",
            "reflection": "complex",
        },
        {
            "text": "The clinic opens at nine on weekdays.",
            "context": "When can I come in?",
            "main_behaviour": "therapist_input",
        },
        {
            "text": "What would you like to do about it?",
            "context": "I'm not sure.",
            "main_behaviour": "question",
        },
    ]

    coded = annomi_with_expert_head(rows)

    assert [primary(c) for c in coded] == ["reflection", "other", "question"]
    assert Move.COMPLEX_REFLECTION in coded[0].moves

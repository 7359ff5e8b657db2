"""The pure pieces: tokenising, BM25, fusion, chunking and the sync plan."""

from __future__ import annotations

import pytest

from app.retrieval.cards import TechniqueCard, load_cards
from app.retrieval.ranking import RRF_K, Bm25Ranker, matches, rrf_fuse, tokenize
from app.retrieval.store import VIEWS, card_chunks, plan_sync, situations, stored_hash
from tests.retrieval.helpers import TECHNIQUES


@pytest.fixture(scope="module")
def cards() -> list[TechniqueCard]:
    return load_cards(TECHNIQUES)


def test_tokenize_drops_function_words_joins_apostrophes_and_stems() -> None:
    assert tokenize("Don't you THINK they're confident?") == ["dont", "think", "theyr", "confid"]
    assert tokenize("questions") == tokenize("questioning")


def test_rrf_fuse_first_in_every_ranking_scores_one() -> None:
    fused = rrf_fuse([[("a", 0.9), ("b", 0.1)], [("a", 3.0), ("b", 1.0)]])

    assert fused[0] == ("a", pytest.approx(1.0))
    assert 0 < fused[1][1] < 1


def test_rrf_fuse_rewards_agreement_over_one_strong_vote() -> None:
    fused = dict(rrf_fuse([[("solo", 1.0), ("both", 0.9)], [("both", 5.0)]]))

    assert fused["both"] > fused["solo"]
    assert fused["solo"] == pytest.approx((1 / (RRF_K + 1)) / (2 / (RRF_K + 1)))


def test_bm25_rank_keeps_only_allowed_cards_with_a_shared_word(cards: list[TechniqueCard]) -> None:
    ranker = Bm25Ranker(cards)

    ranked = ranker.rank("stacked", allowed={"one-question-at-a-time", "smart-goals"})

    assert [card_id for card_id, _ in ranked] == ["one-question-at-a-time"]


def test_matches_filters_by_skill_and_tag(cards: list[TechniqueCard]) -> None:
    card = next(c for c in cards if c.id == "paraphrasing")

    assert matches(card, skill="active_listening", tag="paraphrasing")
    assert not matches(card, skill="questioning", tag=None)
    assert not matches(card, skill=None, tag="grow")


def test_situations_split_at_commas_and_merge_short_pieces() -> None:
    text = "When they show effort, a strength or a good intention, feel stuck, or when they freeze."

    assert situations(text) == [
        "When they show effort",
        "a strength or a good intention, feel stuck",
        "or when they freeze.",
    ]


def test_card_chunks_cover_summary_every_section_and_views(cards: list[TechniqueCard]) -> None:
    chunks = card_chunks(next(c for c in cards if c.id == "paraphrasing"))
    kinds = [chunk.kind for chunk in chunks]

    assert kinds[0] == "summary"
    assert kinds.count("section") == 5
    assert kinds.count("situation") >= 1
    assert all(chunk.text.startswith("Paraphrasing to check understanding") for chunk in chunks)
    assert set(kinds) == set().union(*VIEWS.values())


def test_plan_sync_sorts_cards_into_four_groups(cards: list[TechniqueCard]) -> None:
    a, b, c = cards[:3]
    indexed = {
        a.id: {stored_hash(a)},
        b.id: {"old-hash"},
        "gone": {"whatever"},
    }

    plan = plan_sync(indexed, [a, b, c])

    assert (plan.added, plan.updated, plan.unchanged, plan.removed) == (
        [c.id],
        [b.id],
        [a.id],
        ["gone"],
    )


def test_plan_sync_rewrites_a_card_left_half_written(cards: list[TechniqueCard]) -> None:
    card = cards[0]

    plan = plan_sync({card.id: {stored_hash(card), "old-hash"}}, [card])

    assert plan.updated == [card.id]

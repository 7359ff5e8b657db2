"""The retriever against a real chroma index in tmp_path: offline build, sync, filters, errors."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from app.config import Settings
from app.errors import NotFound
from app.retrieval.cards import load_cards
from app.retrieval.service import TechniqueRetriever, build_index, get_retriever
from app.retrieval.store import ChunkId, open_index
from tests.retrieval.helpers import SMALL_SET, small_knowledge, small_settings


@pytest.fixture
def small(tmp_path: Path) -> Settings:
    small_knowledge(tmp_path)
    return small_settings(tmp_path)


@pytest.fixture
def retriever(settings: Settings) -> TechniqueRetriever:
    """Every shipped card, on a copy of the index built once per run."""
    return get_retriever(settings)


def indexed_ids(settings: Settings) -> list[str]:
    return sorted(open_index(settings.resolved_chroma_path).store.get(include=[])["ids"])


def test_get_retriever_builds_and_answers_with_networking_disabled(
    small: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The conftest guard fails a connect in this thread; the recorder also sees lookups and
    connects from background threads (telemetry would run there), whose errors nobody sees."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    attempts: list[object] = []
    guarded_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def recording_connect(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        guarded_connect(self, address)

    def recording_getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        attempts.append(host)
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", recording_connect)
    monkeypatch.setattr(socket, "getaddrinfo", recording_getaddrinfo)
    with socket.socket() as sock, pytest.raises(AssertionError, match="reach the network"):
        sock.connect(("192.0.2.1", 80))  # the guard is on
    attempts.clear()

    hits = get_retriever(small).search("my peer went quiet after my question", k=2)

    assert small.resolved_chroma_path.is_dir()
    assert hits[0].card.id == "using-silence"
    assert attempts == []


def test_build_index_reports_all_added_then_all_unchanged(small: Settings) -> None:
    first = build_index(small)
    second = build_index(small)

    assert first.added == sorted(SMALL_SET)
    assert (second.added, second.updated, second.removed) == ([], [], [])
    assert second.unchanged == sorted(SMALL_SET)


def test_build_index_reembeds_only_the_edited_card(small: Settings) -> None:
    build_index(small)
    before = indexed_ids(small)
    path = small.knowledge_dir / "techniques" / "smart-goals.md"
    path.write_text(path.read_text().replace("title: ", "title: Zanzibar ", 1), encoding="utf-8")

    report = build_index(small)

    assert (report.added, report.updated, report.removed) == ([], ["smart-goals"], [])
    assert report.unchanged == sorted(set(SMALL_SET) - {"smart-goals"})
    after = indexed_ids(small)
    assert [i for i in after if not i.startswith("smart-goals#")] == [
        i for i in before if not i.startswith("smart-goals#")
    ]
    assert set(after).isdisjoint(i for i in before if i.startswith("smart-goals#"))
    assert get_retriever(small).search("Zanzibar", k=1)[0].card.id == "smart-goals"


def test_build_index_removes_a_deleted_card(small: Settings) -> None:
    build_index(small)
    (small.knowledge_dir / "techniques" / "using-silence.md").unlink()

    report = build_index(small)

    assert report.removed == ["using-silence"]
    assert not [i for i in indexed_ids(small) if ChunkId.parse(i).card_id == "using-silence"]
    hits = get_retriever(small).search("silence", k=5)
    assert "using-silence" not in {hit.card.id for hit in hits}


def test_get_retriever_refreshes_a_stale_index(small: Settings) -> None:
    get_retriever(small)
    path = small.knowledge_dir / "techniques" / "open-questions.md"
    path.write_text(path.read_text().replace("title: ", "title: Quokka ", 1), encoding="utf-8")

    hits = get_retriever(small).search("quokka", k=1)

    assert hits[0].card.title.startswith("Quokka")


def test_search_scores_are_between_zero_and_one_best_first(retriever: TechniqueRetriever) -> None:
    hits = retriever.search("they keep saying yes, but", k=5)

    assert len(hits) == 5
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= score <= 1.0 for score in scores)
    assert hits[0].card.id == "rolling-with-resistance"


def test_search_filters_by_skill(retriever: TechniqueRetriever) -> None:
    hits = retriever.search("how do I respond when they get upset", k=20, skill="questioning")

    assert hits
    assert {hit.card.skill.value for hit in hits} == {"questioning"}


def test_search_filters_by_tag_and_by_both(retriever: TechniqueRetriever) -> None:
    by_tag = retriever.search("questions", k=20, tag="grow")
    both = retriever.search("questions", k=20, tag="grow", skill="goals_and_action_plans")

    assert {hit.card.id for hit in by_tag} == {
        card.id for card in retriever.all_cards() if "grow" in card.tags
    }
    assert [hit.card.id for hit in both] == ["grow-model"]
    assert retriever.search("questions", tag="no-such-tag") == []


def test_get_returns_a_card_and_raises_not_found_for_unknown(retriever: TechniqueRetriever) -> None:
    assert retriever.get("paraphrasing").title.startswith("Paraphrasing")
    with pytest.raises(NotFound, match="no-such-card"):
        retriever.get("no-such-card")


def test_all_cards_are_the_cards_on_disk(retriever: TechniqueRetriever, settings: Settings) -> None:
    on_disk = load_cards(settings.knowledge_dir / "techniques")

    assert retriever.all_cards() == on_disk


def test_search_is_safe_from_many_threads(retriever: TechniqueRetriever) -> None:
    queries = ["I froze when she cried", "stacked questions", "who does what by when"] * 8
    expected = [[h.card.id for h in retriever.search(q)] for q in queries]

    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda q: [h.card.id for h in retriever.search(q)], queries))

    assert got == expected

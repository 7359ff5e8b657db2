"""GET /api/v1/techniques over real HTTP against the live app."""

from __future__ import annotations

import httpx
import pytest


def test_search_returns_cards_with_scores_best_first(api: httpx.Client) -> None:
    response = api.get("/api/v1/techniques", params={"query": "they keep saying yes, but", "k": 4})

    assert response.status_code == 200
    results = response.json()
    assert len(results) == 4
    assert results[0]["id"] == "rolling-with-resistance"
    scores = [result["score"] for result in results]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 1 for s in scores)
    assert {"title", "skill", "tags", "when_to_use", "body"} <= set(results[0])


def test_search_filters_by_skill_and_tag(api: httpx.Client) -> None:
    by_skill = api.get(
        "/api/v1/techniques", params={"query": "they got upset", "skill": "questioning", "k": 20}
    ).json()
    by_tag = api.get("/api/v1/techniques", params={"query": "questions", "tag": "grow"}).json()

    assert by_skill and {r["skill"] for r in by_skill} == {"questioning"}
    assert by_tag and all("grow" in r["tags"] for r in by_tag)


def test_no_query_lists_every_card_filtered_without_scores(api: httpx.Client) -> None:
    everything = api.get("/api/v1/techniques").json()
    listening = api.get("/api/v1/techniques", params={"skill": "active_listening"}).json()

    assert len(everything) >= 40
    assert all(r["score"] is None for r in everything)
    assert listening
    assert {r["id"] for r in listening} == {
        r["id"] for r in everything if r["skill"] == "active_listening"
    }


def test_get_one_card_and_404_for_unknown(api: httpx.Client) -> None:
    found = api.get("/api/v1/techniques/paraphrasing")
    missing = api.get("/api/v1/techniques/no-such-card")

    assert found.status_code == 200
    assert found.json()["id"] == "paraphrasing"
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "params",
    [
        {"query": "x", "k": 0},
        {"query": "x", "k": 21},
        {"query": "x" * 1001},
        {"skill": "juggling"},
    ],
)
def test_invalid_parameters_are_422(api: httpx.Client, params: dict[str, str | int]) -> None:
    assert api.get("/api/v1/techniques", params=params).status_code == 422

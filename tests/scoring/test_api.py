"""POST /api/v1/score and /score/upload over real HTTP (LiveServer on real SQLite): every
format, every malformation with what and where, custom rubrics, the judge beside the levels,
and login required."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from app.config import Settings
from app.scoring.rubric import RubricSet
from app.scoring.scorecard import Scorecard, score_transcript
from tests.conftest import Accounts, LiveServer, make_settings
from tests.llm_server import FakeLLMServer, Reply
from tests.scoring.helpers import AS_JSON, AS_TEXT, AS_VTT, BAD_RUBRIC, GOOD_RUBRIC, LINES, turns


def message(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    text: str = response.json()["error"]["message"]
    return text


def test_scoring_needs_a_login_but_the_rubrics_are_public(accounts: Accounts) -> None:
    anonymous = accounts.client()

    scored = anonymous.post("/api/v1/score", json={"content": AS_TEXT, "learner": "Maya"})
    uploaded = anonymous.post(
        "/api/v1/score/upload", data={"learner": "Maya"}, files={"file": ("c.txt", AS_TEXT)}
    )
    rubrics = anonymous.get("/api/v1/rubrics")
    one = anonymous.get("/api/v1/rubrics/feedback")

    assert scored.status_code == 401 and uploaded.status_code == 401
    assert scored.json()["error"]["code"] == "unauthorized"
    assert rubrics.status_code == 200
    assert [r["skill"] for r in rubrics.json()] == ["active_listening", "questioning", "feedback"]
    assert one.status_code == 200 and one.json()["criteria"][0]["metric"] == "sbi_completeness"


def test_every_format_scores_the_same_conversation_the_same_way(
    api: httpx.Client, rubrics: RubricSet
) -> None:
    expected = score_transcript(turns(LINES), rubrics=rubrics, retriever=None).levels()
    bodies = [
        {"content": AS_TEXT, "learner": "maya"},
        {"content": AS_TEXT, "learner": "Maya", "format": "text"},
        {"content": AS_VTT, "learner": "MAYA", "format": "vtt"},
        {"content": AS_JSON, "learner": "Maya"},
        {"content": json.loads(AS_JSON), "learner": "Maya", "format": "json"},
    ]
    uploads = [("call.txt", AS_TEXT), ("call.vtt", AS_VTT), ("call.json", AS_JSON)]

    cards = [api.post("/api/v1/score", json=body) for body in bodies]
    cards += [
        api.post("/api/v1/score/upload", data={"learner": "Maya"}, files={"file": upload})
        for upload in uploads
    ]

    for response in cards:
        assert response.status_code == 200, response.text
        card = Scorecard.model_validate(response.json())
        assert card.learner == "Maya"
        assert card.levels() == expected
        assert [(t.speaker, t.text) for t in card.turns] == LINES
        assert any(n.card for s in card.skills for n in s.next_steps), "cards via the retriever"


def test_malformed_transcripts_say_what_and_where(api: httpx.Client) -> None:
    cases = [
        ({"content": '[{"speaker": "Maya", "text": "Hi"},\n{"speaker": }]'}, "line 2"),
        ({"content": [{"speaker": "Maya", "text": "Hi"}, "Jon: hey"]}, "item 1"),
        ({"content": [{"speaker": "Maya", "text": "Hi"}, {"speaker": "Jon"}]}, "item 1: 'text'"),
        ({"content": "Maya: Hi\nJon: Hey\n", "learner": "Sam"}, "speakers found: Maya, Jon"),
        ({"content": "just some words\nMaya: Hi", "format": "text"}, "line 1"),
        ({"content": "WEBVTT\n\n1\n00:00:01 -> 2\nMaya: Hi\n", "format": "vtt"}, "line 4"),
        (
            {"content": "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n"},
            "line 4: cue has no speaker",
        ),
        ({"content": "Maya: Hi", "format": "xml"}, "format"),
    ]
    for body, expected in cases:
        response = api.post("/api/v1/score", json={"learner": "Maya", **body})
        assert expected in message(response), (body, response.text)

    not_utf8 = api.post(
        "/api/v1/score/upload",
        data={"learner": "Maya"},
        files={"file": ("call.txt", "Maya: caf\xe9".encode("latin-1"))},
    )
    assert "call.txt: not UTF-8 text" in message(not_utf8)
    bad_vtt = api.post(
        "/api/v1/score/upload",
        data={"learner": "Maya", "format": "vtt"},
        files={"file": ("call.vtt", "Maya: hi\n")},
    )
    assert "WebVTT transcript line 1" in message(bad_vtt)


def test_a_custom_rubric_replaces_its_skill_and_a_bad_field_is_named(api: httpx.Client) -> None:
    good = api.post(
        "/api/v1/score", json={"content": AS_TEXT, "learner": "Maya", "rubric": GOOD_RUBRIC}
    )
    bad = api.post(
        "/api/v1/score", json={"content": AS_TEXT, "learner": "Maya", "rubric": BAD_RUBRIC}
    )
    bad_file = api.post(
        "/api/v1/score/upload",
        data={"learner": "Maya"},
        files={"file": ("call.txt", AS_TEXT), "rubric": ("team.yaml", BAD_RUBRIC)},
    )
    not_yaml = api.post(
        "/api/v1/score", json={"content": AS_TEXT, "learner": "Maya", "rubric": "id: [unclosed\n"}
    )

    assert good.status_code == 200, good.text
    card = Scorecard.model_validate(good.json())
    assert "team-questioning@2" in card.rubric_set
    questioning = card.skill("questioning")
    assert questioning is not None and questioning.rubric == "team-questioning@2"
    assert [c.id for c in questioning.criteria] == ["open_questions"]
    for response, source in ((bad, "custom rubric"), (bad_file, "team.yaml")):
        text = message(response)
        assert text.startswith(f"{source}: ")
        assert "criteria.0.weight: Input should be greater than 0" in text
        assert "criteria.0.colour: Extra inputs are not permitted" in text
    assert "not valid YAML (line 2)" in message(not_yaml)


def test_the_llm_judge_is_shown_beside_the_levels_over_http(
    tmp_path: Path, shared_index_dir: Path, llm_server: FakeLLMServer, rubrics: RubricSet
) -> None:
    settings: Settings = make_settings(
        tmp_path, shared_index_dir, llm_base_url=llm_server.url, llm_max_retries=0
    )
    judged = {
        "skills": [
            {"skill": s, "level": 5, "reason": "ok"}
            for s in ("active_listening", "questioning", "feedback")
        ]
    }
    llm_server.default = Reply(json.dumps(judged))
    server = LiveServer(settings).start()
    accounts = Accounts(server)
    try:
        client = accounts.create("learner")[1]
        response = client.post("/api/v1/score", json={"content": AS_TEXT, "learner": "Maya"})
    finally:
        accounts.close()
        server.stop()

    assert response.status_code == 200, response.text
    card = Scorecard.model_validate(response.json())
    assert card.judge is not None and card.judge.status == "scored"
    assert {s.level for s in card.judge.skills} == {5}
    expected = score_transcript(turns(LINES), rubrics=rubrics, retriever=None)
    assert card.levels() == expected.levels()

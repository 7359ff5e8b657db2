"""The web pages over real HTTP: who may see what, CSRF, and each page's main job.

Every test runs against the live app on a real SQLite file; setup that is not under test
(starting sessions, building cohorts) goes through the JSON API.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import httpx

from tests.cohorts.helpers import join_cohort
from tests.web.conftest import PRACTICE_LINES as LINES
from tests.web.conftest import People, Person, csrf_token, post_form

REPO = Path(__file__).resolve().parents[2]
SCENARIO = "missed-deadlines"
TRANSCRIPT = """Sam: Thanks for making time. How have things been since the launch?
Riley: Honestly, exhausting. I've been covering two roles.
Sam: It sounds like you've been stretched thin and nobody noticed.
Riley: Yes, exactly. I don't know who to tell.
Sam: Why didn't you tell your manager?
Riley: I didn't want to look like I couldn't cope.
Sam: What would help you most right now?
"""


def practise(api: httpx.Client, *, private: bool = False, end: bool = True, **extra: object) -> str:
    started = api.post(
        "/api/v1/sessions", json={"scenario_id": SCENARIO, "private": private, **extra}
    )
    assert started.status_code == 201, started.text
    session_id = started.json()["session"]["id"]
    for line in LINES:
        api.post(f"/api/v1/sessions/{session_id}/turns", json={"text": line}).raise_for_status()
    if end:
        api.post(f"/api/v1/sessions/{session_id}/end").raise_for_status()
    return session_id


def learner_in_cohort(people: People) -> tuple[Person, httpx.Client, Person, httpx.Client]:
    """A learner in a trainer's cohort: (learner, learner API client, trainer, trainer pages)."""
    learner, trainer = people.create("learner", "Ana Learner"), people.create("trainer", "Tess")
    trainer_api, learner_api = people.api_client(trainer), people.api_client(learner)
    cohort = trainer_api.post("/api/v1/cohorts", json={"name": "Spring"}).json()
    join_cohort(trainer_api, learner_api, cohort["id"], learner.email)
    return learner, learner_api, trainer, people.page_client(trainer)


def test_logged_out_pages_redirect_to_login_and_back(people: People) -> None:
    client = people.client()
    assert client.get("/").headers["location"] == "/home"
    for path in (
        "/home",
        "/scenarios?skill=feedback",
        "/progress",
        "/score",
        "/trainer",
        "/sessions/some-id",
        "/practice/some-id",
        "/techniques",
    ):
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=%2F"), path
    login = client.get("/login?next=/scenarios")
    assert login.status_code == 200 and 'name="next" value="/scenarios"' in login.text


def test_login_form_then_logout(people: People) -> None:
    ana = people.create("learner", "Ana Example")
    client = people.client()
    wrong = client.post("/login", data={"email": ana.email, "password": "not-her-password"})
    assert wrong.status_code == 401 and "Wrong email or password." in wrong.text
    assert "rehearse_session" not in client.cookies

    ok = client.post(
        "/login", data={"email": ana.email, "password": ana.password, "next": "/progress"}
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/progress"
    assert "Ana Example" in client.get("/home").text

    assert client.post("/logout").status_code == 403, "logout needs the form token"
    out = post_form(client, "/logout", {})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert client.get("/home").status_code == 303


def test_login_never_redirects_to_another_site(people: People) -> None:
    ana = people.create()
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        client = people.client()
        response = client.post(
            "/login", data={"email": ana.email, "password": ana.password, "next": evil}
        )
        assert response.headers["location"] == "/home", evil


def test_repeated_failed_logins_are_rate_limited(people: People) -> None:
    ana = people.create()
    client = people.client()
    statuses = [
        client.post("/login", data={"email": ana.email, "password": "wrong-password"}).status_code
        for _ in range(12)
    ]
    assert statuses[0] == 401 and statuses[-1] == 429
    assert (
        "Too many failed logins"
        in client.post("/login", data={"email": ana.email, "password": ana.password}).text
    )


def test_form_posts_need_the_token_and_our_origin(people: People) -> None:
    client = people.page_client(people.create())
    token = csrf_token(client, "/scenarios")
    no_token = client.post("/practice", data={"scenario_id": SCENARIO})
    assert no_token.status_code == 403
    assert "text/html" in no_token.headers["content-type"] and "Not allowed" in no_token.text
    wrong_token = client.post("/practice", data={"scenario_id": SCENARIO, "csrf_token": "0" * 64})
    assert wrong_token.status_code == 403
    foreign = client.post(
        "/practice",
        data={"scenario_id": SCENARIO, "csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    assert client.get("/home").text.count("/practice/") == 0, "nothing was started"
    ok = client.post("/practice", data={"scenario_id": SCENARIO, "csrf_token": token})
    assert ok.status_code == 303 and ok.headers["location"].startswith("/practice/")


def test_login_form_refuses_a_foreign_origin(people: People) -> None:
    ana = people.create()
    client = people.client()
    response = client.post(
        "/login",
        data={"email": ana.email, "password": ana.password},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403 and "rehearse_session" not in client.cookies


def test_another_learners_session_pages_are_404(people: People) -> None:
    ana, ben = people.create("learner", "Ana"), people.create("learner", "Ben")
    ended = practise(people.api_client(ana))
    active = practise(people.api_client(ana), end=False)
    ben_pages = people.page_client(ben)
    for path in (f"/sessions/{ended}", f"/sessions/{active}", f"/practice/{active}"):
        response = ben_pages.get(path)
        assert response.status_code == 404, path
        assert "Not found" in response.text and LINES[0] not in response.text
    token = csrf_token(ben_pages)
    for path in (f"/practice/{active}/say", f"/practice/{active}/end"):
        assert ben_pages.post(path, data={"text": "hi", "csrf_token": token}).status_code == 404
    ana_pages = people.page_client(ana)
    assert ana_pages.get(f"/sessions/{ended}").status_code == 200


def test_trainer_sees_private_scores_but_not_the_transcript(people: People) -> None:
    _, ana_api, _, tess_pages = learner_in_cohort(people)
    private = practise(ana_api, private=True)
    shared = practise(ana_api)

    page = tess_pages.get(f"/sessions/{private}")
    assert page.status_code == 200
    assert "marked this session private" in page.text
    assert "level" in page.text and 'id="turn-1"' not in page.text
    for line in LINES:
        assert line[:30] not in page.text

    open_page = tess_pages.get(f"/sessions/{shared}")
    assert open_page.status_code == 200 and LINES[2] in open_page.text
    assert 'id="turn-1"' in open_page.text

    theo_pages = people.page_client(people.create("trainer", "Theo"))
    assert theo_pages.get(f"/sessions/{shared}").status_code == 404


def test_learners_cannot_open_trainer_pages(people: People) -> None:
    client = people.page_client(people.create())
    for path in ("/trainer", "/trainer/scenarios", "/trainer/rubrics", "/trainer/cohorts/1"):
        response = client.get(path)
        assert response.status_code == 403, path
    assert 'href="/trainer"' not in client.get("/home").text


def test_scenario_library_filters(people: People) -> None:
    client = people.page_client(people.create())
    everything = client.get("/scenarios").text
    hard = client.get("/scenarios", params={"difficulty": "hard"}).text
    assert 0 < hard.count('class="card scenario"') < everything.count('class="card scenario"')
    assert hard.count("difficulty-hard") == hard.count('class="card scenario"')
    feedback = client.get("/scenarios", params={"skill": "feedback", "difficulty": ""}).text
    assert 'value="feedback" selected' in feedback
    bad = client.get("/scenarios", params={"difficulty": "extreme"})
    assert bad.status_code == 422 and "difficulty: must be one of" in bad.text


def test_practice_without_javascript_then_scorecard(people: People) -> None:
    client = people.page_client(people.create())
    started = post_form(client, "/practice", {"scenario_id": SCENARIO, "hints": "true"})
    practice_path = started.headers["location"]
    session_id = practice_path.rsplit("/", 1)[1]
    page = client.get(practice_path).text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert key is not None
    form = {"text": LINES[1], "idempotency_key": key.group(1)}
    said = post_form(client, f"{practice_path}/say", form, token_from=practice_path)
    assert said.status_code == 303
    again = post_form(client, f"{practice_path}/say", form, token_from=practice_path)
    assert again.status_code == 303, "a resubmitted form answers the saved turn"
    page = client.get(practice_path).text
    assert page.count("Why do the files keep arriving late?") == 1
    assert "avoiding-why-questions" in page, "the live hint links its technique card"

    empty = post_form(client, f"{practice_path}/say", {"text": "  "}, token_from=practice_path)
    assert empty.status_code == 422 and "message is empty" in empty.text

    ended = post_form(client, f"{practice_path}/end", {}, token_from=practice_path)
    assert ended.headers["location"] == f"/sessions/{session_id}"
    review = client.get(f"/sessions/{session_id}").text
    assert "Scorecard" in review and "<mark>" in review and 'href="#turn-1"' in review
    assert client.get(practice_path).headers["location"] == f"/sessions/{session_id}"


def test_learner_can_make_a_session_private_after_it_ended(people: People) -> None:
    ana, _, _, tess_pages = learner_in_cohort(people)
    ana_pages = people.page_client(ana)
    session_id = practise(people.api_client(ana))
    assert LINES[2] in tess_pages.get(f"/sessions/{session_id}").text
    path = f"/sessions/{session_id}"
    post_form(ana_pages, f"{path}/privacy", {"private": "true"}, token_from=path)
    assert LINES[2] not in tess_pages.get(path).text
    assert tess_pages.post(f"{path}/privacy", data={"private": "false"}).status_code == 403


def test_progress_page_links_each_point_to_its_session(people: People) -> None:
    ana = people.create()
    api = people.api_client(ana)
    sessions = [practise(api), practise(api)]
    page = people.page_client(ana).get("/progress").text
    for session_id in sessions:
        assert f'href="/sessions/{session_id}"' in page
    assert page.count("<svg") >= 6, "three skill trends and three question-style charts"
    assert "Share of questions that were open" in page


def test_trainer_cohort_progress_and_learner_pages(people: People) -> None:
    ana, ana_api, tess, tess_pages = learner_in_cohort(people)
    practise(ana_api)
    cohort_id = people.api_client(tess).get("/api/v1/cohorts").json()[0]["id"]
    page = tess_pages.get(f"/trainer/cohorts/{cohort_id}").text
    assert "Ana Learner" in page and f"/api/v1/cohorts/{cohort_id}/progress.csv" in page
    assert tess_pages.get(f"/api/v1/cohorts/{cohort_id}/progress.csv").status_code == 200
    learner_page = tess_pages.get(f"/trainer/learners/{ana.id}")
    assert learner_page.status_code == 200 and "Question style over time" in learner_page.text
    theo_pages = people.page_client(people.create("trainer", "Theo"))
    assert theo_pages.get(f"/trainer/cohorts/{cohort_id}").status_code == 404
    assert theo_pages.get(f"/trainer/learners/{ana.id}").status_code == 404


def test_trainer_form_errors_stay_on_the_page(people: People) -> None:
    _, _, tess, tess_pages = learner_in_cohort(people)
    cohort_id = people.api_client(tess).get("/api/v1/cohorts").json()[0]["id"]
    path = f"/trainer/cohorts/{cohort_id}"
    missing = post_form(
        tess_pages, f"{path}/members", {"email": "nobody@example.org"}, token_from=path
    )
    assert missing.status_code == 404 and "No user with the email" in missing.text
    bad_date = post_form(
        tess_pages,
        f"{path}/assignments",
        {"scenario_id": SCENARIO, "assignee": "cohort", "due_date": "next week"},
        token_from=path,
    )
    assert bad_date.status_code == 422 and "due date" in bad_date.text


def test_scenario_editor_shows_errors_by_field(people: People) -> None:
    pages = people.page_client(people.create("trainer"))
    source = pages.get("/trainer/scenarios/new", params={"copy": SCENARIO}).text
    assert "id: missed-deadlines" in source
    broken = (
        "id: team-retro\ntitle: ''\nsummary: A retro\nuse: peer_coaching\ndifficulty: extreme\n"
    )
    response = post_form(
        pages, "/trainer/scenarios/new", {"yaml_text": broken}, token_from="/trainer/scenarios"
    )
    assert response.status_code == 422
    fields = re.findall(r'<code class="field-name">([^<]+)</code>', response.text)
    assert {"title", "difficulty", "persona"} <= set(fields), fields
    assert "team-retro" in response.text, "what the trainer typed is kept"

    not_yaml = post_form(
        pages, "/trainer/scenarios/new", {"yaml_text": "id: [unclosed"}, token_from="/trainer"
    )
    assert not_yaml.status_code == 422 and '<code class="field-name">YAML</code>' in not_yaml.text

    edit_path = f"/trainer/scenarios/{SCENARIO}/edit"
    current = pages.get(edit_path).text
    yaml_text = re.search(r'<textarea id="yaml_text"[^>]*>(.*?)</textarea>', current, re.S)
    assert yaml_text is not None
    original = html.unescape(yaml_text.group(1))
    renamed = original.replace(f"id: {SCENARIO}", "id: another-id", 1)
    refused = post_form(pages, edit_path, {"yaml_text": renamed}, token_from=edit_path)
    assert refused.status_code == 422 and "must stay" in refused.text
    edited = original.replace("difficulty: medium", "difficulty: hard", 1)
    saved = post_form(pages, edit_path, {"yaml_text": edited}, token_from=edit_path)
    assert saved.status_code == 303
    assert "current version 2" in pages.get(saved.headers["location"]).text


def test_score_page_pasted_and_uploaded(people: People) -> None:
    pages = people.page_client(people.create())
    token = csrf_token(pages, "/score")
    pasted = pages.post(
        "/score", data={"content": TRANSCRIPT, "learner": "Sam", "csrf_token": token}
    )
    assert pasted.status_code == 200, pasted.text
    assert "Scorecard" in pasted.text and 'id="turn-4"' in pasted.text and "<mark>" in pasted.text

    vtt = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Sam>How did the launch go?</v>\n\n"
        "00:00:04.000 --> 00:00:06.000\n<v Riley>It was rough.</v>\n\n"
        "00:00:07.000 --> 00:00:09.000\n<v Sam>It sounds like it took a lot out of you.</v>\n"
    )
    uploaded = pages.post(
        "/score",
        data={"learner": "sam", "csrf_token": token},
        files={"file": ("call.vtt", vtt.encode(), "text/vtt")},
    )
    assert (
        uploaded.status_code == 200 and "It sounds like it took a lot out of you." in uploaded.text
    )

    unknown = pages.post(
        "/score", data={"content": TRANSCRIPT, "learner": "Alex", "csrf_token": token}
    )
    assert unknown.status_code == 422 and "speakers found: Sam, Riley" in unknown.text
    assert "How have things been since the launch?" in unknown.text, "the paste is kept"


def test_technique_pages(people: People) -> None:
    pages = people.page_client(people.create())
    card = pages.get("/techniques/closed-to-open-questions")
    assert card.status_code == 200
    assert "<h2>How to do it</h2>" in card.text and "<ol>" in card.text
    fragment = pages.get("/techniques/closed-to-open-questions/fragment")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert pages.get("/techniques/no-such-card").status_code == 404


def test_static_files_are_served(people: People) -> None:
    client = people.client()
    for path in ("/static/css/app.css", "/static/js/practice.js"):
        assert client.get(path).status_code == 200, path


def test_assignment_with_a_custom_rubric(people: People) -> None:
    _, _, tess, tess_pages = learner_in_cohort(people)
    tess_api = people.api_client(tess)
    rubric_yaml = (REPO / "app/rubrics/02-questioning.yaml").read_text(encoding="utf-8")
    created = tess_api.post(
        "/api/v1/custom-rubrics", json={"name": "team-questions", "yaml": rubric_yaml}
    )
    assert created.status_code == 201, created.text
    theo = people.create("trainer", "Theo")
    theirs = people.api_client(theo).post(
        "/api/v1/custom-rubrics", json={"name": "theo-questions", "yaml": rubric_yaml}
    )
    cohort_id = tess_api.get("/api/v1/cohorts").json()[0]["id"]
    path = f"/trainer/cohorts/{cohort_id}"
    page = tess_pages.get(path).text
    assert "team-questions v1" in page and "theo-questions" not in page

    form = {"scenario_id": SCENARIO, "assignee": "cohort"}
    refused = post_form(
        tess_pages,
        f"{path}/assignments",
        {**form, "rubric_id": theirs.json()["id"]},
        token_from=path,
    )
    assert refused.status_code == 404 and "no custom rubric" in refused.text
    made = post_form(
        tess_pages,
        f"{path}/assignments",
        {**form, "rubric_id": created.json()["id"]},
        token_from=path,
    )
    assert made.status_code == 303
    assignments = tess_api.get("/api/v1/assignments").json()
    assert [a["rubric_id"] for a in assignments] == [created.json()["id"]]

"""Site-wide pages (offline API docs, favicon, the browser 404) and the account pages
(my data: export and delete; API tokens: create, list, revoke), over real HTTP."""

from __future__ import annotations

import re

import httpx

from app import __version__
from tests.web.conftest import People, csrf_token, post_form
from tests.web.test_pages import practise

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
EXTERNAL = re.compile(r"""(?:src|href)=["']?(?:https?:)?//""")


def test_site_api_docs_load_only_local_assets(people: People) -> None:
    client = people.client()
    for path, assets in (
        ("/docs", ["swagger-ui-bundle.js", "swagger-ui.css"]),
        ("/redoc", ["redoc.standalone.js"]),
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        assert not EXTERNAL.search(page.text), f"{path} loads something from another host"
        assert "fonts.googleapis" not in page.text
        for asset in assets:
            url = f"/docs-assets/{asset}"
            assert url in page.text
            served = client.get(url)
            assert served.status_code == 200 and len(served.content) > 100_000, url


def test_site_favicon(people: People) -> None:
    client = people.client()
    redirect = client.get("/favicon.ico")
    assert redirect.status_code == 301
    icon = client.get(redirect.headers["location"])
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert '<link rel="icon" href="/static/favicon.svg"' in client.get("/login").text


def test_site_404_is_a_page_for_browsers_and_json_for_api_clients(people: People) -> None:
    client = people.client()
    page = client.get("/scenarioz", headers=BROWSER)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Page not found" in page.text and "<code>/scenarioz</code>" in page.text

    for path, headers in (
        ("/scenarioz", {"Accept": "application/json"}),
        ("/scenarioz", {}),  # curl and httpx send */*
        ("/api/v1/no-such-thing", BROWSER),  # the API answers JSON whoever asks
    ):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 404, path
        assert answer.json()["error"]["code"] == "http_404", (path, headers)


def test_site_footer_shows_the_app_version_on_the_scenario_editor(people: People) -> None:
    trainer = people.page_client(people.create("trainer"))
    editor = trainer.get("/trainer/scenarios/new")
    assert editor.status_code == 200
    assert f"Rehearse {__version__} ·" in editor.text
    assert "Rehearse None" not in editor.text


def test_users_api_takes_name_and_refuses_unknown_fields(people: People) -> None:
    admin = people.accounts.admin
    body = {"email": "named@example.org", "password": "long-enough-pass", "name": "Noor"}
    created = admin.post("/api/v1/users", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["display_name"] == "Noor"

    typo = admin.post("/api/v1/users", json={**body, "email": "typo@example.org", "nmae": "X"})
    assert typo.status_code == 422
    assert "nmae" in typo.json()["error"]["message"]


def test_trainer_pages_list_assignments_by_title(people: People) -> None:
    learner, trainer = people.create("learner"), people.create("trainer")
    api = people.api_client(trainer)
    cohort = api.post("/api/v1/cohorts", json={"name": "Autumn"}).json()
    api.post(f"/api/v1/cohorts/{cohort['id']}/members", json={"email": learner.email})
    made = api.post(
        "/api/v1/assignments", json={"scenario_id": "missed-deadlines", "cohort_id": cohort["id"]}
    )
    assert made.status_code == 201, made.text
    title = "The report that keeps arriving late"
    pages = people.page_client(trainer)
    for path in ("/trainer", f"/trainer/cohorts/{cohort['id']}"):
        text = pages.get(path).text
        link = re.search(rf'<a href="/trainer/assignments/{made.json()["id"]}">([^<]*)</a>', text)
        assert link and link.group(1) == title, path


def test_account_my_data_exports_then_deletes_after_confirmation(people: People) -> None:
    ana = people.create("learner", "Ana Data")
    practise(people.api_client(ana))
    pages = people.page_client(ana)

    overview = pages.get("/account/data")
    assert overview.status_code == 200
    assert "1 practice session (1 scored)" in overview.text

    download = pages.get("/account/data/export")
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    document = download.json()
    assert document["user"]["email"] == ana.email
    assert document == people.api_client(ana).get("/api/v1/me/export").json()

    refused = post_form(
        pages, "/account/data/delete", {"confirm": "delete"}, token_from="/account/data"
    )
    assert refused.status_code == 422
    assert "type &#39;delete my data&#39; to confirm" in refused.text

    deleted = post_form(
        pages, "/account/data/delete", {"confirm": "delete my data"}, token_from="/account/data"
    )
    assert deleted.status_code == 200 and "Your account is deleted" in deleted.text
    gone = people.client().post(
        "/api/v1/auth/login", json={"email": ana.email, "password": ana.password}
    )
    assert gone.status_code == 401


def test_account_tokens_create_list_and_revoke(people: People) -> None:
    ben = people.create("learner", "Ben Tokens")
    pages = people.page_client(ben)
    made = pages.post(
        "/account/tokens",
        data={"name": "laptop script", "csrf_token": csrf_token(pages, "/account/tokens")},
    )
    assert made.status_code == 200
    token = re.search(r'<code class="token" id="new-token">([^<]+)</code>', made.text)
    assert token, "the new token is shown once"
    as_token = httpx.Client(
        base_url=people.server.url, headers={"Authorization": f"Bearer {token.group(1)}"}
    )
    assert as_token.get("/api/v1/me").json()["email"] == ben.email

    listing = pages.get("/account/tokens")
    assert "laptop script" in listing.text
    assert token.group(1) not in listing.text  # shown once, never again
    token_id = re.search(r'<tr data-token="(\d+)">\s*<th scope="row">laptop script', listing.text)
    assert token_id
    revoked = post_form(
        pages, f"/account/tokens/{token_id.group(1)}/revoke", {}, token_from="/account/tokens"
    )
    assert revoked.status_code == 303
    assert pages.get(revoked.headers["location"]).text.count("Token revoked") == 1
    assert as_token.get("/api/v1/me").status_code == 401
    as_token.close()

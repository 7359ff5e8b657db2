"""A bounded schemathesis run against the live app: no generated request gets a server error.

Every operation in the OpenAPI spec is called with inputs generated from its schema, both
valid ones (positive) and ones that break it (negative), as a learner, a trainer or the admin.
Operations on a session, cohort or assignment are called both with random ids and with ids
that exist, so generated bodies reach the code behind the 404. Hypothesis runs derandomized
(a fixed seed) with a fixed number of examples, so the run is repeatable and takes a few
minutes at most. A 5xx other than the documented 503, or a dropped connection, is a failure;
the test collects every one and reports them together.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from app.config import Settings
from tests.conftest import Accounts, LiveServer, make_settings

# Examples per operation and generation mode; REHEARSE_FUZZ_EXAMPLES raises it for a deeper run.
EXAMPLES = int(os.environ.get("REHEARSE_FUZZ_EXAMPLES", "25"))
SCENARIO = "missed-deadlines"
ADMIN_ONLY = ("/api/v1/users",)
LEARNER_OWN = ("/api/v1/me/invitations", "/api/v1/me/cohorts", "/api/v1/sessions")


@dataclass
class ServerErrors:
    found: dict[tuple[str, str, int], str] = field(default_factory=dict)
    calls: int = 0
    answered: int = 0  # with anything but 401/403/404: the request reached the route's code

    def record(self, case: Any, status: int, detail: str) -> None:
        key = (case.operation.method.upper(), case.operation.path, status)
        self.found.setdefault(key, f"{detail[:300]}\n    {case.as_curl_command()}")


@pytest.fixture
def fuzz_server(tmp_path: Any, shared_index_dir: Any) -> Any:
    # Generated logins fail by the thousand; the limiter would then refuse the test's own.
    fuzz_settings: Settings = make_settings(
        tmp_path, shared_index_dir, login_max_failures=1_000_000
    )
    server = LiveServer(fuzz_settings).start()
    yield server
    server.stop()


def _token(client: httpx.Client) -> str:
    return client.headers["Authorization"].removeprefix("Bearer ")


def test_generated_requests_never_get_a_server_error(fuzz_server: LiveServer) -> None:
    accounts = Accounts(fuzz_server)
    learner_user, learner = accounts.create("learner")
    _, trainer = accounts.create("trainer")
    spec = accounts.admin.get("/openapi.json").json()
    schema = schemathesis.openapi.from_dict(spec)

    # Real rows for the "existing id" strategies.
    started = learner.post("/api/v1/sessions", json={"scenario_id": SCENARIO}).json()
    session_id = started["session"]["id"]
    learner.post(f"/api/v1/sessions/{session_id}/turns", json={"text": "How has it been?"})
    cohort = trainer.post("/api/v1/cohorts", json={"name": "Fuzz"}).json()
    invited = trainer.post(
        f"/api/v1/cohorts/{cohort['id']}/members", json={"email": learner_user["email"]}
    ).json()
    known = {
        "session_id": session_id,
        "cohort_id": cohort["id"],
        "invitation_id": invited["invitation_id"],
        "learner_id": learner_user["id"],
        "user_id": learner_user["id"],
        "scenario_id": SCENARIO,
        "skill": "active_listening",
        "card_id": "open-questions",
    }
    tokens = {
        "admin": _token(accounts.admin),
        "trainer": _token(trainer),
        "learner": _token(learner),
    }
    errors = ServerErrors()
    http = requests.Session()
    operations = [result.ok() for result in schema.get_all_operations()]
    # Deletes late (they remove the rows the "existing id" cases use), logins last.
    operations.sort(key=lambda op: (op.path == "/api/v1/auth/login", op.method == "delete"))
    assert len(operations) > 40, "the spec lost its operations"

    for operation in operations:
        role = "admin" if operation.path.startswith(ADMIN_ONLY) else "trainer"
        if operation.path.startswith(LEARNER_OWN):
            role = "learner"
        params = {
            name: known[name]
            for name in (p.name for p in operation.path_parameters)
            if name in known
        }
        strategies = [operation.as_strategy(generation_mode=mode) for mode in GenerationMode]
        if params:
            strategies.append(
                operation.as_strategy(
                    generation_mode=GenerationMode.POSITIVE, path_parameters=params
                )
            )

        _fuzz(operation, strategies, fuzz_server.url, tokens[role], http, errors)
        # A generated request may have revoked the token it was sent with; mint a fresh one.
        for name in ("trainer", "learner"):
            check = httpx.get(
                f"{fuzz_server.url}/api/v1/me",
                headers={"Authorization": f"Bearer {tokens[name]}"},
            )
            if check.status_code == 401:
                _, replacement = accounts.create(name)
                tokens[name] = _token(replacement)

    accounts.close()
    print(f"{errors.calls} generated requests, {errors.answered} past auth and lookup")
    assert errors.calls >= EXAMPLES * len(operations)
    assert errors.answered >= errors.calls // 3, "too few requests reached a route's code"
    report = "\n".join(f"{m} {p} -> {s}: {d}" for (m, p, s), d in errors.found.items())
    assert not errors.found, f"{len(errors.found)} server errors:\n{report}"


def _fuzz(
    operation: Any,
    strategies: list[Any],
    base_url: str,
    token: str,
    http: requests.Session,
    errors: ServerErrors,
) -> None:
    """Call ``operation`` with every generated case; record each server error, raise none."""

    @settings(
        max_examples=EXAMPLES * len(strategies),
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies))
    def call(case: Any) -> None:
        try:
            response = case.call(
                base_url=base_url,
                session=http,
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
        except requests.RequestException as exc:
            errors.record(case, 0, f"no response: {type(exc).__name__}")
            return
        finally:
            errors.calls += 1
        errors.answered += response.status_code not in (401, 403, 404)
        if response.status_code >= 500 and response.status_code != 503:
            errors.record(case, response.status_code, response.text)

    call()

"""Branching a session against starting one: what "Try this moment again" costs the learner.

Run with ``python bench/branch_bench.py [--rounds N]``. Like practice_bench, it starts
``rehearse serve`` in its own process on a temporary data folder (SQLite, built-in peer) and
drives it over HTTP. One session is practised to its last turn; then, round after round and
interleaved so that drift hits both alike, it times ``POST /sessions`` (a new session: the
opening turn) and ``POST /sessions/{id}/branches`` at the first and at the last learner turn
(the branch copies every turn before the branch point, with its persona state). Also timed:
the first reply inside a fresh branch, against the first reply in a fresh session.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from practice_bench import LEARNER_LINES, admin_token, percentile, served  # noqa: E402

SCENARIO = "missed-deadlines"


def timed(call: object) -> float:
    t0 = time.perf_counter()
    response = call()  # type: ignore[operator]
    response.raise_for_status()
    return time.perf_counter() - t0


def run(api: httpx.Client, rounds: int) -> dict[str, list[float]]:
    parent = api.post("/api/v1/sessions", json={"scenario_id": SCENARIO})
    parent_id = parent.raise_for_status().json()["session"]["id"]
    for line in LEARNER_LINES:
        api.post(f"/api/v1/sessions/{parent_id}/turns", json={"text": line}).raise_for_status()
    last = 2 * len(LEARNER_LINES) - 1
    timings: dict[str, list[float]] = {
        "start session": [],
        "branch at turn 1": [],
        f"branch at turn {last}": [],
        "first reply, session": [],
        "first reply, branch": [],
    }
    branches = f"/api/v1/sessions/{parent_id}/branches"
    for _ in range(rounds):
        timings["start session"].append(
            timed(lambda: api.post("/api/v1/sessions", json={"scenario_id": SCENARIO}))
        )
        timings["branch at turn 1"].append(timed(lambda: api.post(branches, json={"at_turn": 1})))
        made: list[str] = []

        def branch_late() -> httpx.Response:
            response = api.post(branches, json={"at_turn": last})
            made.append(response.json()["session"]["id"])
            return response

        timings[f"branch at turn {last}"].append(timed(branch_late))
        fresh = api.post("/api/v1/sessions", json={"scenario_id": SCENARIO}).json()
        line = {"text": LEARNER_LINES[0]}
        timings["first reply, session"].append(
            timed(lambda: api.post(f"/api/v1/sessions/{fresh['session']['id']}/turns", json=line))
        )
        timings["first reply, branch"].append(
            timed(lambda: api.post(f"/api/v1/sessions/{made[0]}/turns", json=line))
        )
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        with served(data_dir) as (url, _):
            headers = {"Authorization": f"Bearer {admin_token(data_dir)}"}
            with httpx.Client(base_url=url, headers=headers, timeout=60) as api:
                for _ in range(3):  # warm the server's caches before timing anything
                    api.post("/api/v1/sessions", json={"scenario_id": SCENARIO})
                timings = run(api, args.rounds)
    for name, values in timings.items():
        print(
            f"{name:>22}: median {statistics.median(values) * 1000:6.1f} ms, "
            f"p95 {percentile(values, 0.95) * 1000:6.1f} ms over {len(values)}"
        )
    start = statistics.median(timings["start session"])
    for name in [n for n in timings if n.startswith("branch at")]:
        print(f"{name} / start session (medians): {statistics.median(timings[name]) / start:.2f}")


if __name__ == "__main__":
    main()

"""Branching a session against starting one: what "Try this moment again" costs the learner.

Run with ``python bench/branch_bench.py [--rounds N]``. Like practice_bench, it starts
``rehearse serve`` in its own process on a temporary data folder (SQLite, built-in peer) and
drives it over HTTP. One session is practised to its last turn; then, round after round and
interleaved so that drift hits both alike, it times ``POST /sessions`` (a new session: the
opening turn) and ``POST /sessions/{id}/branches`` at the first and at the last learner turn
(the branch copies every turn before the branch point, with its persona state). Also timed:
the first reply inside a branch, against the first reply in a fresh session (at turn 1 both),
and at the last turn (where the persona state and the history are longest).
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
from practice_bench import LEARNER_LINES, admin_token, percentile, served

SCENARIO = "missed-deadlines"


def timed_post(api: httpx.Client, url: str, body: dict) -> tuple[float, dict]:
    """Seconds for one POST (raising on an error status), and its JSON body."""
    t0 = time.perf_counter()
    response = api.post(url, json=body).raise_for_status()
    return time.perf_counter() - t0, dict(response.json())


def run(api: httpx.Client, rounds: int) -> dict[str, list[float]]:
    _, parent = timed_post(api, "/api/v1/sessions", {"scenario_id": SCENARIO})
    parent_id = parent["session"]["id"]
    for line in LEARNER_LINES:
        timed_post(api, f"/api/v1/sessions/{parent_id}/turns", {"text": line})
    last = 2 * len(LEARNER_LINES) - 1
    late = f"branch at turn {last}"
    timings: dict[str, list[float]] = {
        "start session": [],
        "branch at turn 1": [],
        late: [],
        "reply at turn 1, session": [],
        "reply at turn 1, branch": [],
        f"reply at turn {last}, branch": [],
    }
    branches = f"/api/v1/sessions/{parent_id}/branches"
    said = {"text": LEARNER_LINES[0]}
    for n in range(rounds):
        took, fresh = timed_post(api, "/api/v1/sessions", {"scenario_id": SCENARIO})
        timings["start session"].append(took)
        took, early = timed_post(api, branches, {"at_turn": 1})
        timings["branch at turn 1"].append(took)
        took, branch = timed_post(api, branches, {"at_turn": last})
        timings[late].append(took)
        replies = [("session", fresh), ("branch", early)]
        for kind, made in replies if n % 2 else reversed(replies):  # alternate which goes first
            took, _ = timed_post(api, f"/api/v1/sessions/{made['session']['id']}/turns", said)
            timings[f"reply at turn 1, {kind}"].append(took)
        took, _ = timed_post(api, f"/api/v1/sessions/{branch['session']['id']}/turns", said)
        timings[f"reply at turn {last}, branch"].append(took)
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
            f"{name:>26}: median {statistics.median(values) * 1000:6.1f} ms, "
            f"p95 {percentile(values, 0.95) * 1000:6.1f} ms over {len(values)}"
        )
    start = statistics.median(timings["start session"])
    for name in [n for n in timings if n.startswith("branch at")]:
        print(f"{name} / start session (medians): {statistics.median(timings[name]) / start:.2f}")


if __name__ == "__main__":
    main()

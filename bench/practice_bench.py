"""What a learner waits for: service start-up, each peer reply, the first streamed words, scoring.

Run with ``python bench/practice_bench.py [--sessions N]``. It starts ``rehearse serve`` as a
separate process on a temporary data folder (SQLite, a fresh chroma index, the built-in peer),
exactly as the README's run command does, and drives it over HTTP with the admin token that the
first start writes. Timings are wall-clock from the client's side, so they include HTTP, the
coder, the persona rules, the database commit and (for the stream) the first SSE event.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

LEARNER_LINES = [
    "Thanks for making time. How have things been for you lately?",
    "It sounds like the last few weeks have been heavier than usual.",
    "What has been getting in the way?",
    "So there is more landing on you than people can see.",
    "What matters most to you about getting this right?",
    "What would help most right now?",
]
SCENARIOS = [
    "missed-deadlines",
    "credit-taking",
    "burned-out-peer",
    "isolated-remote-colleague",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(data_dir: Path) -> Iterator[tuple[str, float]]:
    """``rehearse serve`` in its own process; yields its URL and seconds until it was ready."""
    port = free_port()
    env = {**os.environ, "REHEARSE_DATA_DIR": str(data_dir), "REHEARSE_PORT": str(port)}
    rehearse = Path(sys.executable).with_name("rehearse")
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(rehearse), "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError("rehearse serve exited before it was ready")
            try:
                if httpx.get(f"{url}/api/v1/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        yield url, time.perf_counter() - started
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def admin_token(data_dir: Path) -> str:
    lines = (data_dir / "initial-admin.txt").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines)["api_token"]


def available_scenarios(api: httpx.Client) -> list[str]:
    listed = {s["id"] for s in api.get("/api/v1/scenarios").raise_for_status().json()}
    chosen = [s for s in SCENARIOS if s in listed]
    return chosen or sorted(listed)[:4]


def run_sessions(api: httpx.Client, sessions: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {"turn": [], "first_delta": [], "end_and_score": []}
    scenarios = available_scenarios(api)
    for n in range(sessions):
        started = api.post("/api/v1/sessions", json={"scenario_id": scenarios[n % len(scenarios)]})
        session_id = started.raise_for_status().json()["session"]["id"]
        turns_url = f"/api/v1/sessions/{session_id}/turns"
        for i, line in enumerate(LEARNER_LINES):
            t0 = time.perf_counter()
            if i % 2:
                api.post(turns_url, json={"text": line}).raise_for_status()
                timings["turn"].append(time.perf_counter() - t0)
                continue
            with api.stream("POST", turns_url, params={"stream": "true"}, json={"text": line}) as r:
                first_delta = None
                for event in r.iter_lines():  # read to the end: the reply is saved at "done"
                    if event == "event: delta" and first_delta is None:
                        first_delta = time.perf_counter() - t0
                if first_delta is not None:
                    timings["first_delta"].append(first_delta)
        t0 = time.perf_counter()
        api.post(f"/api/v1/sessions/{session_id}/end").raise_for_status()
        timings["end_and_score"].append(time.perf_counter() - t0)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        with served(data_dir) as (_, cold_start):
            pass
        with served(data_dir) as (url, warm_start):
            headers = {"Authorization": f"Bearer {admin_token(data_dir)}"}
            with httpx.Client(base_url=url, headers=headers, timeout=60) as api:
                timings = run_sessions(api, args.sessions)
    print(f"start-up until ready: first start {cold_start:.1f} s (builds the index, migrates),")
    print(f"                      later starts {warm_start:.1f} s")
    for name, values in timings.items():
        print(
            f"{name:>14}: median {statistics.median(values) * 1000:6.0f} ms, "
            f"p95 {percentile(values, 0.95) * 1000:6.0f} ms over {len(values)}"
        )


if __name__ == "__main__":
    main()

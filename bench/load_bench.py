"""Load bench: N concurrent practice sessions x M turns against a running Rehearse.

    python bench/load_bench.py --url http://127.0.0.1:8000 --token <admin API token> \
        --sessions 100 --turns 10

Each virtual learner is a real account with its own API token; each turn carries an
Idempotency-Key. Reports latency p50/p95/p99 per kind of request, error counts by status, and
the resident memory (RSS) of every process listening on the server's port or named with
--pid (sampled every half second; the peak is reported too). With --replay, every
acknowledged turn is sent again with its key afterwards: a lost turn (not in the transcript)
or a duplicate (the line stored twice) is counted.

With --kill-after S, one worker process (a child of the process that owns the port) gets
SIGKILL S seconds into the run. A turn whose connection dies is sent again with the same
Idempotency-Key, as a real client would (up to --retries times): it must land exactly once.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

LINES = [
    "How have things been going on the project this week?",
    "It sounds like the deadline has been weighing on you.",
    "What would help you most right now?",
    "So the handover from design came late, and that squeezed your time.",
    "Can you tell me more about what happened on Tuesday?",
    "I noticed the report arrived two days after we agreed.",
    "What options do you see for the next sprint?",
    "You're saying the scope grew without anyone noticing.",
    "How could I support you with the client?",
    "Let's agree on one next step together.",
]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rss_mb(pids: list[int]) -> dict[int, float]:
    sizes = {}
    for pid in pids:
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes[pid] = int(line.split()[1]) / 1024
    return sizes


def server_pids(port: int) -> list[int]:
    """Processes with a socket on ``port`` (the uvicorn parent and its workers)."""
    try:
        out = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True)
    except FileNotFoundError:
        return []
    pids = set()
    for part in out.stdout.split("pid=")[1:]:
        pids.add(int(part.split(",")[0]))
    return sorted(pids)


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


class RssSampler(threading.Thread):
    """Peak RSS per process, sampled every half second while the bench runs."""

    def __init__(self, port: int, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.port, self.fixed = port, pids
        self.peak: dict[int, float] = {}
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            for pid, size in rss_mb(self.fixed or server_pids(self.port)).items():
                self.peak[pid] = max(size, self.peak.get(pid, 0.0))


class Bench:
    def __init__(self, url: str, admin_token: str, timeout: float) -> None:
        self.url = url
        self.admin = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {admin_token}"}, timeout=timeout
        )
        self.timeout = timeout
        self.latency: dict[str, list[float]] = {"start": [], "turn": [], "end": []}
        self.errors: Counter[str] = Counter()
        self.retried: Counter[str] = Counter()
        self.retries = 0
        self.acknowledged: list[tuple[str, str, str, httpx.Client]] = []

    def _setup(self, client: httpx.Client, path: str, **kwargs: object) -> httpx.Response:
        """A set-up request: waits out 503 (a worker still warming up, a busy pool)."""
        for attempt in range(30):
            try:
                response = client.post(path, **kwargs)  # type: ignore[arg-type]
            except httpx.TransportError:
                if attempt == 29:
                    raise
                time.sleep(1)
                continue
            if response.status_code != 503:
                break
            time.sleep(float(response.headers.get("Retry-After", "1")))
        response.raise_for_status()
        return response

    def learner(self, n: int) -> httpx.Client:
        email = f"bench-{uuid.uuid4().hex[:8]}-{n}@example.org"
        password = "bench-password-long"
        self._setup(
            self.admin,
            "/api/v1/users",
            json={"email": email, "password": password, "role": "learner"},
        )
        with httpx.Client(base_url=self.url, timeout=self.timeout) as browser:
            self._setup(browser, "/api/v1/auth/login", json={"email": email, "password": password})
            token = self._setup(browser, "/api/v1/me/tokens", json={"name": "bench"}).json()[
                "token"
            ]
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=self.timeout
        )

    def timed(
        self, kind: str, client: httpx.Client, path: str, **kwargs: object
    ) -> httpx.Response | None:
        """POST, timing the answer; a dropped connection is retried with the same request
        (and so the same Idempotency-Key) up to ``self.retries`` times."""
        started = time.perf_counter()
        for attempt in range(self.retries + 1):
            try:
                response = client.post(path, **kwargs)  # type: ignore[arg-type]
                break
            except httpx.HTTPError as exc:
                if attempt == self.retries:
                    self.errors[f"{kind}:{type(exc).__name__}"] += 1
                    return None
                self.retried[f"{kind}:{type(exc).__name__}"] += 1
                time.sleep(0.2)
        self.latency[kind].append(time.perf_counter() - started)
        if response.status_code >= 400:
            self.errors[f"{kind}:{response.status_code}"] += 1
        return response

    def run_learner(self, client: httpx.Client, turns: int, scenario: str) -> None:
        started = self.timed("start", client, "/api/v1/sessions", json={"scenario_id": scenario})
        if started is None or started.status_code != 201:
            return
        session_id = started.json()["session"]["id"]
        for n in range(turns):
            key = uuid.uuid4().hex
            text = f"{LINES[n % len(LINES)]} ({n})"
            answer = self.timed(
                "turn",
                client,
                f"/api/v1/sessions/{session_id}/turns",
                json={"text": text},
                headers={"Idempotency-Key": key},
            )
            if answer is not None and answer.status_code == 200:
                self.acknowledged.append((session_id, key, text, client))
        self.timed("end", client, f"/api/v1/sessions/{session_id}/end")

    def replay(self) -> tuple[int, int]:
        """Send every acknowledged turn again; count lost and duplicated lines."""
        lost = duplicated = 0
        for session_id, key, text, client in self.acknowledged:
            client.post(
                f"/api/v1/sessions/{session_id}/turns",
                json={"text": text},
                headers={"Idempotency-Key": key},
            )
        by_session: dict[str, list[str]] = {}
        for session_id, _, text, client in self.acknowledged:
            if session_id not in by_session:
                turns = client.get(f"/api/v1/sessions/{session_id}/transcript").json()["turns"]
                by_session[session_id] = [t["text"] for t in turns if t["speaker"] == "learner"]
            count = by_session[session_id].count(text)
            lost += count == 0
            duplicated += count > 1
        return lost, duplicated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", required=True, help="An admin API token (creates learners).")
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--scenario", default="missed-deadlines")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--pid", type=int, action="append", default=[])
    parser.add_argument("--replay", action="store_true")
    parser.add_argument(
        "--kill-after", type=float, default=None, help="SIGKILL one worker after S seconds."
    )
    parser.add_argument("--retries", type=int, default=0, help="Retries of a dropped request.")
    args = parser.parse_args()

    bench = Bench(args.url, args.token, args.timeout)
    bench.retries = args.retries
    with ThreadPoolExecutor(min(args.sessions, 32)) as pool:
        learners = list(pool.map(bench.learner, range(args.sessions)))
    port = httpx.URL(args.url).port or 80
    pids = args.pid or server_pids(port)
    before = rss_mb(pids)
    sampler = RssSampler(port, args.pid)
    sampler.start()
    killed: list[int] = []
    if args.kill_after is not None:

        def kill_one() -> None:
            workers = [p for parent in server_pids(port) for p in children(parent)]
            workers = [p for p in workers if p in server_pids(port)] or workers
            if workers:
                os.kill(workers[0], signal.SIGKILL)
                killed.append(workers[0])

        threading.Timer(args.kill_after, kill_one).start()
    began = time.perf_counter()
    with ThreadPoolExecutor(args.sessions) as pool:
        list(pool.map(lambda c: bench.run_learner(c, args.turns, args.scenario), learners))
    wall = time.perf_counter() - began
    sampler.stopped.set()

    total = sum(len(v) for v in bench.latency.values())
    print(
        f"{args.sessions} sessions x {args.turns} turns in {wall:.1f} s ({total / wall:.1f} req/s)"
    )
    for kind, values in bench.latency.items():
        print(
            f"  {kind:5} n={len(values):5}  p50={percentile(values, 0.5) * 1000:7.0f} ms  "
            f"p95={percentile(values, 0.95) * 1000:7.0f} ms  "
            f"p99={percentile(values, 0.99) * 1000:7.0f} ms"
            + (f"  mean={statistics.fmean(values) * 1000:.0f} ms" if values else "")
        )
    print(f"  errors: {sum(bench.errors.values())} {dict(bench.errors)}")
    if bench.retried:
        print(f"  retried after a dropped connection: {dict(bench.retried)}")
    if killed:
        print(f"  killed worker pid {killed[0]} at {args.kill_after:.0f} s")
    print(f"  acknowledged turns: {len(bench.acknowledged)}")
    after = rss_mb(server_pids(port) if not args.pid else args.pid)
    for pid in sorted(set(before) | set(after) | set(sampler.peak)):
        print(
            f"  RSS pid {pid}: before {before.get(pid, 0):.0f} MB, after "
            f"{after.get(pid, 0):.0f} MB, peak {sampler.peak.get(pid, 0):.0f} MB"
            + (" (killed)" if pid in killed else "")
        )
    if args.replay:
        lost, duplicated = bench.replay()
        print(f"  replay: {lost} acknowledged turns lost, {duplicated} duplicated")


if __name__ == "__main__":
    main()

"""How long a user waits for the command line and for the service to come up.

Run with ``python bench/startup_bench.py [--cli-runs N] [--start-runs N] [--json FILE]``.

- **CLI**: ``rehearse --help`` and ``rehearse scenarios``, each run as a whole new process (what a
  user types), ``--cli-runs`` times; the median, the fastest and the slowest wall time.
- **Start-up**: ``rehearse serve`` as a separate process, as the README's run command starts it.
  *First start*: an empty data folder (no database, no index, no admin yet). *Later start*: the
  same folder again. For each, the time until the port answers ``/api/v1/health`` at all
  ("bound") and until it says ``"status": "ok"`` ("ready"), polled every 50 ms, and the steps
  ``/health`` reported while warming.

The machine's load average is printed before and after: on a shared 2-core box, start-up time
is mostly CPU-bound imports and grows with whatever else is running.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
REHEARSE = Path(sys.executable).parent / "rehearse"
READY_TIMEOUT_S = 300


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} CPUs"


def _summary(times: list[float]) -> dict[str, float]:
    return {
        "median_s": round(statistics.median(times), 3),
        "min_s": round(min(times), 3),
        "max_s": round(max(times), 3),
    }


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_cli(args: list[str], runs: int) -> dict[str, Any]:
    """Wall time per run, and the CPU time the process used (what an idle machine would take,
    roughly, when the wall time is inflated by other work on the same cores)."""
    times, cpu = [], []
    for _ in range(runs):
        cpu_before = _children_cpu_s()
        started = time.perf_counter()
        subprocess.run([str(REHEARSE), *args], cwd=ROOT, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
        cpu.append(_children_cpu_s() - cpu_before)
    return {
        "command": f"rehearse {' '.join(args)}",
        "runs": runs,
        **_summary(times),
        "cpu_median_s": round(statistics.median(cpu), 3),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def time_start(data_dir: Path) -> dict[str, Any]:
    """One `rehearse serve` on ``data_dir`` until ready, then stopped with SIGINT (Ctrl+C)."""
    port = _free_port()
    env = {
        **os.environ,
        "REHEARSE_DATA_DIR": str(data_dir),
        "REHEARSE_PORT": str(port),
        "REHEARSE_LOG_LEVEL": "WARNING",
    }
    url = f"http://127.0.0.1:{port}/api/v1/health"
    started = time.perf_counter()
    server = subprocess.Popen(
        [str(REHEARSE), "serve"],
        cwd=data_dir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    bound: float | None = None
    steps: list[str] = []
    try:
        with httpx.Client(timeout=5) as client:
            while time.perf_counter() - started < READY_TIMEOUT_S:
                if server.poll() is not None:
                    raise RuntimeError(f"rehearse serve exited with {server.returncode}")
                try:
                    body = client.get(url).json()
                except httpx.TransportError:
                    time.sleep(0.05)
                    continue
                now = time.perf_counter() - started
                bound = bound if bound is not None else now
                if body.get("status") == "ok":
                    return {"bound_s": round(bound, 3), "ready_s": round(now, 3), "steps": steps}
                if body.get("status") == "failed":
                    raise RuntimeError(f"start failed: {body.get('error')}")
                if not steps or steps[-1] != body.get("step"):
                    steps.append(str(body.get("step")))
                time.sleep(0.05)
        raise RuntimeError(f"not ready within {READY_TIMEOUT_S} s")
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli-runs", type=int, default=7)
    parser.add_argument("--start-runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the results here")
    options = parser.parse_args()

    results: dict[str, Any] = {"load_before": _load()}
    print(results["load_before"], flush=True)
    results["cli"] = [
        time_cli(["--help"], options.cli_runs),
        time_cli(["scenarios"], options.cli_runs),
    ]
    for row in results["cli"]:
        print(
            f"{row['command']:<22} median {row['median_s']:.2f} s "
            f"(min {row['min_s']:.2f}, max {row['max_s']:.2f}; {row['runs']} runs); "
            f"CPU time median {row['cpu_median_s']:.2f} s",
            flush=True,
        )

    first, later = [], []
    for _ in range(options.start_runs):
        with tempfile.TemporaryDirectory(prefix="rehearse-start-") as folder:
            first.append(time_start(Path(folder)))
            later.append(time_start(Path(folder)))
    for label, runs in (("first start", first), ("later start", later)):
        bound = _summary([r["bound_s"] for r in runs])
        ready = _summary([r["ready_s"] for r in runs])
        results[label] = {"runs": runs, "bound": bound, "ready": ready}
        print(
            f"{label:<12} health answers after median {bound['median_s']:.2f} s; ready after "
            f"median {ready['median_s']:.2f} s (min {ready['min_s']:.2f}, max "
            f"{ready['max_s']:.2f}; {len(runs)} runs)",
            flush=True,
        )
    print("steps reported while warming (first start):", " → ".join(first[0]["steps"]))
    results["load_after"] = _load()
    print(results["load_after"])
    if options.json:
        options.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()

"""Retrieval timings: cold index build, startup on a fresh index, and query latency.

Run with ``python bench/retrieval_bench.py``. Everything happens in a temporary folder; the
configured index is not touched. Startup is timed in a new Python process, since in this one
the modules, the model and chroma's client are already loaded.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from app.config import PROJECT_ROOT, Settings
from app.embeddings import get_embedder
from app.retrieval.service import build_index, get_retriever

QUERIES = PROJECT_ROOT / "evals" / "retrieval" / "queries.yaml"

_STARTUP = """
import json, sys, time
started = time.perf_counter()
from app.config import Settings
from app.retrieval.service import get_retriever
imported = time.perf_counter()
retriever = get_retriever(Settings(data_dir=sys.argv[1]))
opened = time.perf_counter()
retriever.search("my peer went quiet", k=3)
searched = time.perf_counter()
print(json.dumps({"import": imported - started, "get_retriever": opened - imported,
                  "first_search": searched - opened}))
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def time_build(settings: Settings) -> tuple[float, float, int]:
    """Model load, then a cold build of every card (the model already loaded)."""
    started = time.perf_counter()
    get_embedder().embed_one("warm up")
    loaded = time.perf_counter()
    report = build_index(settings, progress=False)
    return loaded - started, time.perf_counter() - loaded, len(report.added)


def time_startup(data_dir: Path) -> dict[str, float]:
    """``get_retriever`` on the fresh index just built, in a new process."""
    out = subprocess.run(
        [sys.executable, "-c", _STARTUP, str(data_dir)],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def time_queries(settings: Settings, queries: list[str], **filters: str) -> list[float]:
    retriever = get_retriever(settings)
    retriever.search("warm up", k=3)
    latencies = []
    for query in queries:
        started = time.perf_counter()
        retriever.search(query, k=3, **filters)
        latencies.append(time.perf_counter() - started)
    return latencies


def main() -> None:
    queries = [item["query"] for item in yaml.safe_load(QUERIES.read_text(encoding="utf-8"))]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        model_s, build_s, cards = time_build(settings)
        print(f"model load: {model_s:.2f} s")
        print(f"cold index build, {cards} cards: {build_s:.2f} s")
        startup = time_startup(Path(tmp))
        print(
            "startup on a fresh index (new process): "
            f"import {startup['import']:.2f} s, get_retriever {startup['get_retriever']:.3f} s, "
            f"first search (loads the model) {startup['first_search']:.2f} s"
        )
        for label, filters in (
            ("hybrid search, k=3", {}),
            ("  + skill filter", {"skill": "questioning"}),
        ):
            ms = [s * 1000 for s in time_queries(settings, queries, **filters)]
            print(
                f"{label} over {len(ms)} queries: median {statistics.median(ms):.1f} ms, "
                f"p95 {percentile(ms, 0.95):.1f} ms"
            )


if __name__ == "__main__":
    main()

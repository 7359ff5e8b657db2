"""Fixtures for the scoring tests: the built-in rubrics, transcripts in every format, the real
retriever on the shared test index, and the fake LLM server from tests/llm_fixtures.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import Settings
from app.retrieval.protocol import TechniqueSearch
from app.retrieval.service import get_retriever
from app.scoring.rubric import RubricSet, load_rubric_set
from tests.llm_fixtures import llm_server  # noqa: F401


@pytest.fixture(scope="session")
def rubrics() -> RubricSet:
    return load_rubric_set(Settings().rubrics_dir)


@pytest.fixture
def retriever(settings: Settings) -> TechniqueSearch:
    """The real retriever (chroma + BM25) on a copy of the index built once per test run."""
    return get_retriever(settings)


@pytest.fixture
def transcript_files(tmp_path: Path) -> dict[str, Path]:
    """The same conversation as .txt, .vtt and .json files."""
    from tests.scoring.helpers import AS_JSON, AS_TEXT, AS_VTT

    files = {
        "text": tmp_path / "call.txt",
        "vtt": tmp_path / "call.vtt",
        "json": tmp_path / "call.json",
    }
    files["text"].write_text(AS_TEXT, encoding="utf-8")
    files["vtt"].write_text(AS_VTT, encoding="utf-8")
    files["json"].write_text(AS_JSON, encoding="utf-8")
    return files

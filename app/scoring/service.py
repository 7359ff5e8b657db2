"""Scoring a transcript that came from outside: parse it, pick the rubrics, score it.

Shared by the API (``router.py``) and the CLI (``cli.py``) so both validate and score the
same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

from app.config import Settings
from app.errors import InvalidInput
from app.llm.protocol import ChatModel
from app.retrieval.protocol import TechniqueSearch
from app.scoring.parsers import Format, parse_transcript
from app.scoring.rubric import RubricSet, parse_rubric_yaml
from app.scoring.scorecard import Scorecard, score_transcript


def read_upload(stream: IO[bytes], name: str | None, limit: int) -> str:
    """Uploaded text, size-bounded before decoding; a BOM from Windows tools is dropped."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(f"{name or 'upload'}: larger than {limit} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{name or 'upload'}: not UTF-8 text") from None


def choose_judge(settings: Settings, chat_model: ChatModel | None) -> ChatModel | None:
    """Who adds an LLM judgement beside the scores: the chat model when ``llm_judge`` is on.

    The one place this is decided; the API, the pages and the CLIs all ask here.
    """
    return chat_model if settings.llm_judge else None


def rubrics_with_custom(rubrics: RubricSet, custom: str | None, source: str) -> RubricSet:
    """The built-in set, with a trainer's rubric replacing the one for its skill.

    An invalid rubric raises InvalidInput naming ``source`` and the field
    ("custom.yaml: criteria.0.weight: Input should be greater than 0").
    """
    if custom is None or not custom.strip():
        return rubrics
    return rubrics.with_rubric(parse_rubric_yaml(custom, source))


def score_external(
    content: str | Sequence[Any],
    *,
    fmt: Format,
    learner: str,
    rubrics: RubricSet,
    custom_rubric: str | None,
    retriever: TechniqueSearch | None,
    judge: ChatModel | None,
    custom_source: str = "custom rubric",
) -> Scorecard:
    """Parse, validate the custom rubric, then score: all input errors come before any work."""
    turns = parse_transcript(content, fmt, learner)
    chosen = rubrics_with_custom(rubrics, custom_rubric, custom_source)
    return score_transcript(turns, rubrics=chosen, retriever=retriever, judge=judge)

"""Scoring API: score any transcript, and show the rubrics before anyone practises.

Scoring needs a logged-in user (it costs CPU and may call the LLM judge); the rubrics are public
so that anyone can see how they will be scored before practising. Routes are sync ``def``:
scoring embeds text and may call the judge, both blocking, so FastAPI runs them in its
threadpool. Domain errors (InvalidInput, NotFound, Unauthorized) are mapped to HTTP in
app/main.py.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from app.deps import Services, ServicesDep
from app.errors import NotFound
from app.llm.protocol import ChatModel
from app.scoring.parsers import MAX_TRANSCRIPT_CHARS
from app.scoring.rubric import Rubric
from app.scoring.scorecard import Scorecard
from app.scoring.service import read_upload, score_external
from app.users.auth import CurrentUser

router = APIRouter(prefix="/api/v1", tags=["scoring"])

FormatName = Literal["json", "text", "vtt", "auto"]
MAX_RUBRIC_BYTES = 100_000


class ScoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: FormatName = "auto"
    content: str | list[Any] = Field(
        description='The transcript: text ("Name: line" or WebVTT or JSON) or a list of '
        "{speaker, text} objects. A malformed item is reported by its index."
    )
    learner: str = Field(min_length=1, max_length=80, description="The speaker being scored.")
    rubric: str | None = Field(
        default=None,
        max_length=100_000,
        description="Optional custom rubric YAML replacing the built-in one for its skill.",
    )


def _judge(services: Services) -> ChatModel | None:
    return services.judge


@router.post("/score")
def score(body: ScoreRequest, user: CurrentUser, services: ServicesDep) -> Scorecard:
    """Score a transcript against the rubrics (or a custom one) and return the scorecard."""
    return score_external(
        body.content,
        fmt=body.format,
        learner=body.learner,
        rubrics=services.rubrics,
        custom_rubric=body.rubric,
        retriever=services.retriever,
        judge=_judge(services),
    )


@router.post("/score/upload")
def score_upload(
    user: CurrentUser,
    services: ServicesDep,
    file: Annotated[UploadFile, File(description="Transcript file: .txt, .vtt or .json")],
    learner: Annotated[str, Form(min_length=1, max_length=80)],
    format: Annotated[FormatName, Form()] = "auto",
    rubric: Annotated[UploadFile | None, File(description="Optional custom rubric YAML")] = None,
) -> Scorecard:
    """The same as POST /score, with the transcript (and rubric) as uploaded files."""
    content = read_upload(file.file, file.filename, MAX_TRANSCRIPT_CHARS * 4)
    custom = (
        read_upload(rubric.file, rubric.filename, MAX_RUBRIC_BYTES) if rubric is not None else None
    )
    return score_external(
        content,
        fmt=format,
        learner=learner,
        rubrics=services.rubrics,
        custom_rubric=custom,
        custom_source=(rubric.filename or "custom rubric") if rubric is not None else "",
        retriever=services.retriever,
        judge=_judge(services),
    )


@router.get("/rubrics")
def list_rubrics(services: ServicesDep) -> list[Rubric]:
    """Every built-in rubric, so a learner can see how they will be scored before practising."""
    return list(services.rubrics.rubrics)


@router.get("/rubrics/{skill}")
def get_rubric(skill: str, services: ServicesDep) -> Rubric:
    rubric = services.rubrics.get(skill)
    if rubric is None:
        known = ", ".join(r.skill for r in services.rubrics.rubrics)
        raise NotFound(f"no rubric for skill '{skill}'; rubrics exist for: {known}")
    return rubric

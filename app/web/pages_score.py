"""Score a transcript from outside Rehearse: paste it or upload a file, name the learner."""

from __future__ import annotations

from typing import Annotated, Literal, cast

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from app.deps import ServicesDep
from app.errors import InvalidInput, RehearseError
from app.scoring.parsers import MAX_TRANSCRIPT_CHARS
from app.scoring.service import read_upload, score_external
from app.users.models import User
from app.web.routing import PageRoute
from app.web.security import FormUser, PageUser
from app.web.templating import render
from app.web.views import scorecard_view

router = APIRouter(route_class=PageRoute, include_in_schema=False)

FORMATS = {"auto": "Detect it", "text": "Name: line text", "vtt": "WebVTT (.vtt)", "json": "JSON"}
EXTENSION_FORMATS = {".vtt": "vtt", ".json": "json", ".txt": "text"}
MAX_UPLOAD_BYTES = MAX_TRANSCRIPT_CHARS * 4
MAX_RUBRIC_CHARS = 100_000


@router.get("/score")
def score_form(request: Request, user: PageUser) -> HTMLResponse:
    return _render(request, user, content="", learner="", fmt="auto", rubric="")


@router.post("/score")
def score_submit(
    request: Request,
    user: FormUser,
    services: ServicesDep,
    content: Annotated[str, Form()] = "",
    learner: Annotated[str, Form()] = "",
    format: Annotated[str, Form()] = "auto",
    rubric: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    """An uploaded file wins over the text box; its extension picks the format if not chosen."""
    fmt = format if format in FORMATS else "auto"
    try:
        if file is not None and file.filename:
            content = read_upload(file.file, file.filename, MAX_UPLOAD_BYTES)
            if fmt == "auto":
                fmt = _format_from_name(file.filename)
        if not content.strip():
            raise InvalidInput("transcript: paste a transcript or choose a file")
        if not learner.strip():
            raise InvalidInput("learner: name the speaker to score, as written in the transcript")
        if len(rubric) > MAX_RUBRIC_CHARS:
            raise InvalidInput(f"rubric: longer than {MAX_RUBRIC_CHARS} characters")
        scorecard = score_external(
            content,
            fmt=cast(Literal["json", "text", "vtt", "auto"], fmt),
            learner=learner.strip(),
            rubrics=services.rubrics,
            custom_rubric=rubric or None,
            retriever=services.retriever,
            judge=services.judge,
        )
    except RehearseError as exc:
        return _render(
            request,
            user,
            content=content,
            learner=learner,
            fmt=fmt,
            rubric=rubric,
            error=exc.message,
            status_code=exc.status_code,
        )
    return _render(
        request,
        user,
        content=content,
        learner=learner,
        fmt=fmt,
        rubric=rubric,
        view=scorecard_view(scorecard, services.retriever),
    )


def _format_from_name(filename: str) -> str:
    lowered = filename.lower()
    return next((f for ext, f in EXTENSION_FORMATS.items() if lowered.endswith(ext)), "auto")


def _render(
    request: Request,
    user: User,
    *,
    content: str,
    learner: str,
    fmt: str,
    rubric: str,
    view: object | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "score.html",
        user=user,
        status_code=status_code,
        formats=FORMATS,
        content=content,
        learner=learner,
        fmt=fmt,
        rubric=rubric,
        view=view,
        error=error,
    )

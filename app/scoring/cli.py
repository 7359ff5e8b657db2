"""Scoring commands for the ``rehearse`` CLI (registered in app/cli.py).

Plain functions with typer-annotated parameters, so app/cli.py wires them in and tests can
call them directly. Each builds what it needs from the settings, lazily: importing this module
loads neither the retriever nor the embedding model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape

from app.config import get_settings
from app.errors import RehearseError

console = Console()
errors = Console(stderr=True)

FormatOption = Literal["auto", "json", "text", "vtt"]
_BY_SUFFIX: dict[str, FormatOption] = {".json": "json", ".vtt": "vtt", ".txt": "text"}


def transcript_format(file: Path, requested: FormatOption) -> FormatOption:
    """The format to parse: as asked, else from the file's suffix, else from its content.

    The suffix wins over content sniffing so that a broken .vtt file gets a WebVTT error
    ("line 1: must start with 'WEBVTT'") rather than a puzzling "Name: line" one.
    """
    if requested != "auto":
        return requested
    return _BY_SUFFIX.get(file.suffix.lower(), "auto")


def score(
    file: Annotated[
        Path,
        typer.Argument(
            help="Transcript: .txt (Name: line), .vtt or .json.",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    learner: Annotated[str, typer.Option("--learner", "-l", help="The speaker to score.")],
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the scorecard as JSON (docs/scorecard-json.md).")
    ] = False,
    rubric: Annotated[
        Path | None,
        typer.Option(help="A custom rubric YAML for one skill.", exists=True, dir_okay=False),
    ] = None,
    fmt: Annotated[
        FormatOption,
        typer.Option("--format", help="Transcript format; 'auto' uses the file suffix or content."),
    ] = "auto",
) -> None:
    """Score a transcript against the rubrics; see docs/scorecard-json.md for the JSON fields."""
    from app.llm.openai_client import make_chat_model
    from app.retrieval.service import get_retriever
    from app.scoring.render import print_scorecard
    from app.scoring.rubric import load_rubric_set
    from app.scoring.service import choose_judge, score_external

    settings = get_settings()
    try:
        scorecard = score_external(
            _read(file),
            fmt=transcript_format(file, fmt),
            learner=learner,
            rubrics=load_rubric_set(settings.rubrics_dir),
            custom_rubric=_read(rubric) if rubric else None,
            custom_source=rubric.name if rubric else "custom rubric",
            retriever=get_retriever(settings),
            judge=choose_judge(settings, make_chat_model(settings)),
        )
    except RehearseError as exc:
        errors.print(f"[red]error:[/red] {escape(exc.message)}", soft_wrap=True)
        raise typer.Exit(code=2) from None
    if json_output:
        typer.echo(json.dumps(scorecard.model_dump(mode="json"), indent=2, ensure_ascii=False))
    else:
        print_scorecard(scorecard, console)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise RehearseError(f"{path.name}: not UTF-8 text") from None

"""Scoring commands for the ``rehearse`` CLI (registered in app/cli.py).

Plain functions with typer-annotated parameters, so app/cli.py wires them in and tests can
call them directly. Each builds what it needs from the settings, lazily: importing this module
loads neither the retriever nor the embedding model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from app.config import get_settings
from app.errors import RehearseError

console = Console()


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
    json_output: Annotated[bool, typer.Option("--json", help="Print the scorecard as JSON.")] = (
        False
    ),
    rubric: Annotated[
        Path | None,
        typer.Option(help="A custom rubric YAML for one skill.", exists=True, dir_okay=False),
    ] = None,
) -> None:
    """Score a transcript against the rubrics; see docs/scorecard-json.md for the JSON fields."""
    from app.llm.openai_client import make_chat_model
    from app.retrieval.service import get_retriever
    from app.scoring.render import print_scorecard
    from app.scoring.rubric import load_rubric_set
    from app.scoring.service import score_external

    settings = get_settings()
    try:
        scorecard = score_external(
            file.read_text(encoding="utf-8-sig"),
            fmt="auto",
            learner=learner,
            rubrics=load_rubric_set(settings.rubrics_dir),
            custom_rubric=rubric.read_text(encoding="utf-8") if rubric else None,
            retriever=get_retriever(settings),
            judge=make_chat_model(settings) if settings.llm_judge else None,
        )
    except RehearseError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(code=2) from None
    if json_output:
        typer.echo(json.dumps(scorecard.model_dump(mode="json"), indent=2))
    else:
        print_scorecard(scorecard, console)


def eval_coder() -> None:
    """Coder precision, recall and F1 per label on the gold set and on AnnoMI dev."""
    from evals.coder_eval import print_reports, run

    print_reports(run())


def eval_scorer() -> None:
    """Does the scorer rank the better transcript of each gold pair above the worse one?"""
    from evals.scorer_eval import TARGET_WIN_RATE, print_results, run, win_rate

    results = run()
    print_results(results)
    if win_rate(results) < TARGET_WIN_RATE:
        raise typer.Exit(code=1)

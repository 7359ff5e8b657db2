"""`rehearse eval coder | scorer | feedback`: our own quality, measured on the source checkout.

These commands live beside the harnesses they run, not in the package: the wheel carries what
the service needs and nothing else, and `app` never imports `evals`. `app/cli.py` finds them by
name (``evals.cli:eval_coder``) and says so plainly when they are not there.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

errors = Console(stderr=True)


def eval_coder() -> None:
    """Coder precision, recall and F1 per label on the gold set and on AnnoMI dev."""
    from evals.coder_eval import print_results, run

    print_results(run())


def eval_scorer(
    annomi: Annotated[
        bool, typer.Option("--annomi", help="Also rank AnnoMI dev conversations by quality.")
    ] = False,
) -> None:
    """Does the scorer rank the better transcript of each gold pair above the worse one?"""
    from evals.scorer_eval import (
        ANNOMI_PATH,
        TARGET_WIN_RATE,
        annomi_quality_check,
        print_quality_check,
        print_results,
        run,
        win_rate,
    )

    results = run()
    print_results(results)
    if annomi and ANNOMI_PATH.exists():
        print_quality_check(annomi_quality_check())
    elif annomi:
        errors.print(f"AnnoMI dev not found at {ANNOMI_PATH}; skipped")
    if win_rate(results) < TARGET_WIN_RATE:
        raise typer.Exit(code=1)


def eval_feedback(
    show: Annotated[
        bool, typer.Option("--show", help="Also print every scorecard, to read as a trainer.")
    ] = False,
) -> None:
    """Do the scorecards read as feedback a trainer would sign? Levels, steps, rewrites, flags."""
    from evals.feedback.harness import TARGET, pass_rate, print_results, run

    results = run()
    print_results(results, show_cards=show)
    if pass_rate(results) < TARGET:
        raise typer.Exit(code=1)

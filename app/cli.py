"""The `rehearse` command: serve, practise in the terminal, manage the index, score and evaluate."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.config import get_settings

app = typer.Typer(help="Rehearse: practise hard workplace conversations with an AI peer.")
eval_app = typer.Typer(help="Measure Rehearse's own quality: retrieval, coder, scorer, persona.")
app.add_typer(eval_app, name="eval")
console = Console()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default from settings).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings).")] = None,
) -> None:
    """Run the web service (API at /api/v1, docs at /docs)."""
    import uvicorn

    from app.main import create_app

    settings = get_settings()
    bound_host, bound_port = host or settings.host, port or settings.port
    console.print(f"Rehearse on http://{bound_host}:{bound_port}  (API docs: /docs)")
    uvicorn.run(create_app(settings), host=bound_host, port=bound_port, log_level="info")


@app.command()
def config() -> None:
    """Print the effective settings, secrets masked."""
    console.print_json(json.dumps(get_settings().masked()))


@app.command()
def scenarios() -> None:
    """List the practice scenarios."""
    from app.scenarios.library import load_scenario_files

    table = Table("id", "title", "use", "difficulty", "skills")
    for scenario in load_scenario_files(get_settings().knowledge_dir / "scenarios"):
        table.add_row(
            scenario.id,
            scenario.title,
            scenario.use.value,
            scenario.difficulty.value,
            ", ".join(skill.value for skill in scenario.target_skills),
        )
    console.print(table)


def _register_domain_commands() -> None:
    """Domain packages own their commands; this is the one place they are wired in."""
    from app.persona.evaluation import eval_persona
    from app.practice.cli import practice
    from app.retrieval.cli import index
    from app.scoring.cli import eval_coder, eval_feedback, eval_scorer, score
    from app.users.cli import admin_app
    from evals.retrieval_eval import eval_retrieval

    app.command()(practice)
    app.command()(index)
    app.command()(score)
    app.add_typer(admin_app, name="admin")
    eval_app.command("retrieval")(eval_retrieval)
    eval_app.command("coder")(eval_coder)
    eval_app.command("scorer")(eval_scorer)
    eval_app.command("feedback")(eval_feedback)
    eval_app.command("persona")(eval_persona)


_register_domain_commands()

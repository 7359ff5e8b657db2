"""The `rehearse` command: serve, practise in the terminal, manage the index, score and evaluate.

Start-up time matters here: `rehearse --help` and `rehearse scenarios` should answer in well
under a second. So this module imports only typer at the top. Every heavy dependency (the
settings, sqlalchemy, chromadb, the scorer, the eval harnesses) is imported inside the command
that needs it, and the domain commands are registered lazily: the table below names each one
with its help line, and its module is imported only when that command runs.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar

import typer
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True)
class LazyCommand:
    """A command known by name and help line; ``target`` ("module:attribute") is imported on use.

    The attribute is either a function (registered as one typer command) or a ``typer.Typer``
    (a group of commands). ``help`` is shown by ``--help`` without importing the module; a test
    checks that it matches the first line of the real command's help.
    """

    target: str
    help: str

    def load(self, name: str) -> Any:
        module_name, _, attribute = self.target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.split(".")[0] == "evals":
                raise typer.BadParameter(
                    f"'{name}' needs the source checkout: the eval harnesses in evals/ are not "
                    "part of the installed package"
                ) from None
            raise
        found = getattr(module, attribute)
        if isinstance(found, typer.Typer):
            group = typer.main.get_group(found)
            group.name = name
            return group
        single = typer.Typer(add_completion=False)
        single.command(name=name)(found)
        command = typer.main.get_command(single)
        command.name = name
        return command


class LazyGroup(TyperGroup):
    """A typer group whose ``lazy`` commands are imported only when one of them is invoked.

    Help and shell completion list a lazy command through a placeholder that carries its name
    and help line; ``resolve_command`` (the step before invoking) swaps in the real command.
    """

    lazy: ClassVar[dict[str, LazyCommand]] = {}

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in self.lazy if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        loaded = super().get_command(ctx, cmd_name)
        if loaded is not None or cmd_name not in self.lazy:
            return loaded
        entry = self.lazy[cmd_name]
        return TyperCommand(name=cmd_name, help=entry.help, short_help=entry.help)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0] if args else None
        if name in self.lazy and name not in self.commands:
            self.commands[name] = self.lazy[name].load(name)
        return super().resolve_command(ctx, args)


class RootCommands(LazyGroup):
    lazy: ClassVar[dict[str, LazyCommand]] = {
        "practice": LazyCommand(
            "app.practice.cli:practice",
            "Practise a scenario in the terminal; type /end to finish and see your scorecard.",
        ),
        "index": LazyCommand(
            "app.retrieval.cli:index",
            "Embed new and edited technique cards and drop removed ones; unchanged cards are kept.",
        ),
        "score": LazyCommand(
            "app.scoring.cli:score",
            "Score a transcript against the rubrics; see docs/scorecard-json.md for the JSON "
            "fields.",
        ),
        "admin": LazyCommand("app.users.cli:admin_app", "Accounts and API tokens."),
    }


class EvalCommands(LazyGroup):
    lazy: ClassVar[dict[str, LazyCommand]] = {
        "retrieval": LazyCommand(
            "evals.retrieval_eval:eval_retrieval",
            "Recall@1, recall@3 and MRR for vector, BM25 and hybrid retrieval, plus per-query "
            "misses.",
        ),
        "coder": LazyCommand(
            "evals.cli:eval_coder",
            "Coder precision, recall and F1 per label on the gold set and on AnnoMI dev.",
        ),
        "scorer": LazyCommand(
            "evals.cli:eval_scorer",
            "Does the scorer rank the better transcript of each gold pair above the worse one?",
        ),
        "feedback": LazyCommand(
            "evals.cli:eval_feedback",
            "Do the scorecards read as feedback a trainer would sign? Levels, steps, rewrites, "
            "flags.",
        ),
        "persona": LazyCommand(
            "app.persona.evaluation:eval_persona",
            "Scripted learners against every scenario: trust, hidden concern, repeats, character.",
        ),
    }


app = typer.Typer(
    cls=RootCommands,
    help="Rehearse: practise hard workplace conversations with an AI peer.",
    # Plain help text: typer's rich help imports rich.markdown, pygments and more (~0.5 s).
    rich_markup_mode=None,
)
eval_app = typer.Typer(
    cls=EvalCommands,
    help="Measure our own quality: retrieval, coder, scorer, persona.",
    rich_markup_mode=None,
)
app.add_typer(eval_app, name="eval")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default from settings).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings).")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Worker processes (default from settings). Above 1, use PostgreSQL "
            "(REHEARSE_DATABASE_URL) and a chroma server (REHEARSE_CHROMA_URL)."
        ),
    ] = None,
) -> None:
    """Run the web service (API at /api/v1, docs at /docs)."""
    import uvicorn
    from rich.console import Console

    from app.config import get_settings
    from app.serving import WarmingApp, configure_logging, uvicorn_options

    console = Console()
    settings = get_settings()
    bound_host, bound_port = host or settings.host, port or settings.port
    count = workers or settings.workers
    console.print(
        f"Rehearse on http://{bound_host}:{bound_port}  (API docs: /docs, {count} worker(s)); "
        f"warming up: http://{bound_host}:{bound_port}/api/v1/health shows the step",
        soft_wrap=True,
    )
    if count > 1:
        if settings.chroma_url is None:
            console.print(
                "[yellow]Several workers share the embedded index folder; set "
                "REHEARSE_CHROMA_URL to a chroma server for anything but reads.[/yellow]"
            )
        # Each worker process builds its own app from the environment; nothing is shared in
        # memory (login limits and idempotency live in the database).
        uvicorn.run(
            "app.serving:warming_app",
            factory=True,
            host=bound_host,
            port=bound_port,
            workers=count,
            log_level="info",
            # The supervisor kills a worker that misses a 5 s ping. A worker importing and
            # warming up on a busy machine can miss it and be killed in a loop.
            timeout_worker_healthcheck=30,
            **uvicorn_options(settings),
        )
        return
    # Binds at once and answers "warming" while the app is imported and built (app.serving).
    configure_logging(settings)
    warming = WarmingApp(settings)
    uvicorn.run(
        warming,
        host=bound_host,
        port=bound_port,
        log_level="info",
        **uvicorn_options(settings),
    )
    if warming.failure:
        raise typer.Exit(1)


@app.command()
def config() -> None:
    """Print the effective settings, secrets masked."""
    from rich.console import Console

    from app.config import get_settings

    Console().print_json(json.dumps(get_settings().masked()))


@app.command()
def scenarios() -> None:
    """List the practice scenarios and the ids to practise them by."""
    from app.config import get_settings

    folder = get_settings().knowledge_dir / "scenarios"
    rows = scenario_rows(folder)
    if not rows:
        typer.echo(f"No scenario files in {folder}", err=True)
        raise typer.Exit(1)
    # Plain text, not a rich table (which also costs ~0.1 s to import): the id is what the user
    # types back, so it is printed whole on its own line start, never wrapped or cut.
    id_width = max(len("id"), *(len(row[0]) for row in rows))
    level_width = max(len("level"), *(len(row[3]) for row in rows))
    indent = " " * (id_width + level_width + 4)
    lines = [f"{'id':<{id_width}}  {'level':<{level_width}}  title / kind; skills"]
    for scenario_id, title, use, difficulty, skills in rows:
        lines.append(f"{scenario_id:<{id_width}}  {difficulty:<{level_width}}  {title}")
        lines.append(f"{indent}{use}; {skills}")
    typer.echo("\n".join(lines))


def scenario_rows(folder: Path) -> list[tuple[str, str, str, str, str]]:
    """(id, title, use, difficulty, skills) of each scenario file, read straight from the YAML,
    in words ("difficult conversation", "listening").

    Listing needs five fields, not the validated model: building that imports the language
    tools and takes about a second. The server, the editor and ``rehearse practice`` validate
    every file; a test checks this listing against the validated load.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    rows = []
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # a safe loader
        if not isinstance(data, dict):
            continue
        skills = data.get("target_skills") or []
        rows.append(
            (
                str(data.get("id", path.stem)),
                str(data.get("title", "")),
                str(data.get("use", "")).replace("_", " "),
                str(data.get("difficulty", "")),
                ", ".join(str(skill).removeprefix("active_") for skill in skills),
            )
        )
    return rows

"""`rehearse practice`: an interactive session in the terminal over the same service as the API."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.panel import Panel

from app.config import get_settings
from app.db import session_scope
from app.errors import RehearseError
from app.practice import service
from app.practice.schemas import MAX_MESSAGE_CHARS

console = Console()
END_WORDS = {"/end", "/quit", "/exit"}


def practice(
    scenario: Annotated[str, typer.Argument(help="Scenario id, e.g. missed-deadlines.")],
    hints: Annotated[bool, typer.Option(help="Show a live hint after each of your turns.")] = False,
) -> None:
    """Practise a scenario in the terminal; type /end to finish and see your scorecard."""
    from app.main import build_services
    from app.scoring.render import print_scorecard

    services = build_services(get_settings())
    with session_scope(services.session_factory) as db:
        try:
            session = service.start_session(
                db, scenario_slug=scenario, engine_name=services.peer_engine.name, hints=hints
            )
        except RehearseError as exc:
            console.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(1) from None
        content = session.scenario.content
        peer = content["persona"]["name"]
        console.print(Panel(content["learner_brief"], title=content["title"]))
        console.print("[dim]Type your lines. /end finishes and scores the conversation.[/dim]\n")
        console.print(f"[bold cyan]{peer}:[/bold cyan] {session.turns[0].text}")
        while session.status == "active":
            line = _read_line()
            if line is None or line.strip().lower() in END_WORDS:
                break
            text = line.strip()
            if not text:
                continue
            if len(text) > MAX_MESSAGE_CHARS:
                console.print(
                    f"[red]That is {len(text)} characters; the limit is {MAX_MESSAGE_CHARS}.[/red]"
                )
                continue
            try:
                learner_turn, peer_turn = service.exchange(
                    db,
                    session,
                    text=text,
                    idempotency_key=None,
                    engine=services.peer_engine,
                    retriever=services.retriever,
                )
            except RehearseError as exc:
                console.print(
                    f"[red]{exc.message}[/red] (your line is saved; send it again to retry)"
                )
                continue
            if learner_turn.hint:
                console.print(f"[yellow]hint:[/yellow] {learner_turn.hint['text']}")
            console.print(f"[bold cyan]{peer}:[/bold cyan] {peer_turn.text}")
            if session.persona_state.get("finished"):
                console.print("[dim]The conversation has come to a natural end.[/dim]")
                break
        scorecard = service.end_session(
            db,
            session,
            rubrics=services.rubrics,
            retriever=services.retriever,
            judge=services.chat_model if services.settings.llm_judge else None,
        )
        print_scorecard(scorecard, console)
        console.print(f"[dim]Session {session.id} saved.[/dim]")


def _read_line() -> str | None:
    try:
        console.print("[bold green]You:[/bold green] ", end="")
        line = sys.stdin.readline()
    except KeyboardInterrupt:
        return None
    return line if line else None

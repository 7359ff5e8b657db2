"""`rehearse practice`: an interactive session in the terminal over the same service as the API."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.panel import Panel
from sqlalchemy.orm import Session

from app.config import get_settings
from app.db import session_scope
from app.errors import InvalidInput, NotFound, RehearseError
from app.practice import branching, service
from app.practice.models import PracticeSession
from app.users.models import User

console = Console()
END_WORDS = {"/end", "/quit", "/exit"}


def practice(
    scenario: Annotated[
        str | None, typer.Argument(help="Scenario id, e.g. missed-deadlines.")
    ] = None,
    hints: Annotated[bool, typer.Option(help="Show a live hint after each of your turns.")] = False,
    from_turn: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="SESSION_ID:TURN",
            help="Practise a moment again: branch that session at that learner turn and go on.",
        ),
    ] = None,
    as_email: Annotated[
        str | None,
        typer.Option(
            "--as",
            metavar="EMAIL",
            envvar="REHEARSE_AS",
            help="Whose progress the session counts for (default: the first admin account, "
            "i.e. the local admin on a fresh install).",
        ),
    ] = None,
) -> None:
    """Practise a scenario in the terminal; type /end to finish and see your scorecard."""
    from app.scoring.render import print_scorecard
    from app.services import build_services

    if (scenario is None) == (from_turn is None):
        console.print("[red]Give a scenario id, or --from SESSION_ID:TURN (not both).[/red]")
        raise typer.Exit(2)
    services = build_services(get_settings())
    with session_scope(services.session_factory) as db:
        try:
            if from_turn is not None:
                session = _branch_from(db, from_turn, services.peer_engine.name, as_email)
            else:
                owner = practising_user(db, as_email)
                session = service.start_session(
                    db,
                    scenario_slug=scenario or "",
                    engine_name=services.peer_engine.name,
                    hints=hints,
                    user_id=owner.id,
                )
                console.print(f"[dim]Practising as {owner.email} (--as EMAIL to change).[/dim]")
        except RehearseError as exc:
            console.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(1) from None
        content = session.scenario.content
        peer = content["persona"]["name"]
        console.print(Panel(content["learner_brief"], title=content["title"]))
        console.print("[dim]Type your lines. /end finishes and scores the conversation.[/dim]\n")
        for turn in session.turns:
            speaker = (
                f"[bold cyan]{peer}:[/bold cyan]"
                if turn.speaker == "peer"
                else "[bold green]You:[/bold green]"
            )
            console.print(f"{speaker} {turn.text}")
        if session.parent_id is not None:
            console.print(
                f"[dim]Branch of {session.parent_id}: say turn {session.branch_turn} again.[/dim]"
            )
        while session.status == "active":
            line = _read_line()
            if line is None or line.strip().lower() in END_WORDS:
                break
            text = line.strip()
            if not text:
                continue
            limit = services.settings.max_message_chars
            if len(text) > limit:
                console.print(f"[red]That is {len(text)} characters; the limit is {limit}.[/red]")
                continue
            try:
                learner_turn, peer_turn = service.exchange(
                    db,
                    session,
                    text=text,
                    idempotency_key=None,
                    engine=services.peer_engine,
                    retriever=services.retriever,
                    max_chars=limit,
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
            judge=services.judge,
        )
        print_scorecard(scorecard, console)
        console.print(f"[dim]Session {session.id} saved.[/dim]")


def practising_user(db: Session, email: str | None) -> User:
    """The account a terminal session is saved under, so that it shows in that user's progress.

    ``--as EMAIL`` (or ``REHEARSE_AS``) names it; without it, the oldest admin account, which on
    a fresh install is the local admin the first start created.
    """
    from app.users import service as user_service

    if email:
        user = user_service.find_by_email(db, email)
        if user is None:
            raise NotFound(f"--as: no account with email '{email}'")
        return user
    admins = [user for user in user_service.list_users(db) if user.role == "admin"]
    if not admins:
        raise NotFound("no admin account yet: start `rehearse serve` once, or pass --as EMAIL")
    return admins[0]


def _branch_from(db: Session, spec: str, engine_name: str, as_email: str | None) -> PracticeSession:
    """``SESSION_ID:TURN`` → a new branch of that session at that learner turn.

    The branch belongs to the parent's learner, as in the API. With ``--as EMAIL`` the API's
    rule applies (only that learner may branch their session); without it the terminal works
    on the local database with its owner's rights, like every other ``rehearse`` command.
    """
    session_id, _, turn = spec.rpartition(":")
    if not session_id or not turn.lstrip("-").isdigit():
        raise InvalidInput(f"--from: expected SESSION_ID:TURN, got '{spec}'")
    if as_email:
        owner = practising_user(db, as_email)
        return branching.create_branch(
            db, session_id, owner, at_turn=int(turn), engine_name=engine_name
        )
    parent = service.get_session(db, session_id)
    return branching.branch_session(db, parent, at_turn=int(turn), engine_name=engine_name)


def _read_line() -> str | None:
    try:
        console.print("[bold green]You:[/bold green] ", end="")
        line = sys.stdin.readline()
    except KeyboardInterrupt:
        return None
    return line if line else None

"""`rehearse admin …`: bootstrap accounts and tokens from the shell."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from app.config import get_settings
from app.db import open_database, session_scope
from app.errors import RehearseError
from app.users import service
from app.users.security import MIN_PASSWORD_LENGTH
from app.users.service import Role

admin_app = typer.Typer(help="Accounts and API tokens.")
console = Console()


def _session_factory() -> sessionmaker[Session]:
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return open_database(settings.resolved_database_url)


@admin_app.command("create-user")
def create_user(
    email: Annotated[str, typer.Option(help="Login email.")],
    role: Annotated[Role, typer.Option(help="learner, trainer or admin.")] = Role.LEARNER,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    password: Annotated[
        str | None, typer.Option(help="Asked for (not echoed) when not given.")
    ] = None,
) -> None:
    """Create an account (the password is asked for, never echoed)."""
    if password is None:
        password = _ask_password()
    try:
        with session_scope(_session_factory()) as db:
            user = service.create_user(
                db, email=email, display_name=name, password=password, role=role
            )
            console.print(f"Created {user.role} {user.email} (id {user.id}).")
    except RehearseError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None


def _ask_password() -> str:
    """Ask twice, but check the length after the first answer: a too-short password is refused
    before the user types it again."""
    while True:
        password: str = typer.prompt("Password", hide_input=True)
        if len(password) < MIN_PASSWORD_LENGTH:
            console.print(f"[red]At least {MIN_PASSWORD_LENGTH} characters, please.[/red]")
            continue
        if typer.prompt("Repeat for confirmation", hide_input=True) == password:
            return password
        console.print("[red]The two entries do not match.[/red]")


@admin_app.command("create-token")
def create_token(
    email: Annotated[str, typer.Option(help="Whose token.")],
    name: Annotated[str, typer.Option(help="A label to recognise the token by.")] = "cli",
) -> None:
    """Create an API token; it is printed once and only its hash is stored."""
    with session_scope(_session_factory()) as db:
        user = service.find_by_email(db, email)
        if user is None:
            console.print(f"[red]no user with email '{email}'[/red]")
            raise typer.Exit(1)
        _, token = service.create_api_token(db, user=user, name=name)
    typer.echo(token)

"""Jinja2 set-up and the one ``render`` helper every page uses.

Autoescaping is on for every template: user text (transcripts, names, YAML) is escaped unless
a helper builds ``Markup`` on purpose (the charts and the evidence highlighting, which escape
their inputs themselves).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app import __version__
from app.skills import Skill
from app.users.models import User
from app.web.security import CSRF_FIELD, csrf_token_for

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

SKILL_TITLES: dict[str, str] = {
    Skill.ACTIVE_LISTENING: "Active listening",
    Skill.QUESTIONING: "Questioning",
    Skill.FEEDBACK: "Feedback",
}
STATUS_TITLES = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "done": "Done",
    "target_met": "Target met",
    "active": "In progress",
    "ended": "Scored",
}


def humanize(value: str) -> str:
    """'open_question' → 'open question': labels are identifiers in data, words on a page."""
    return value.replace("_", " ").replace("-", " ")


def skill_title(skill: str) -> str:
    return SKILL_TITLES.get(skill, humanize(skill).capitalize())


def status_title(status: str) -> str:
    return STATUS_TITLES.get(str(status), humanize(str(status)).capitalize())


def format_datetime(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def format_date(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d")


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,  # a typo in a template fails a test instead of rendering ''
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        humanize=humanize,
        skill_title=skill_title,
        status_title=status_title,
        datetime=format_datetime,
        date=format_date,
    )
    # Not "version": pages pass their own (a scenario's version), which would replace it.
    env.globals.update(app_version=__version__, csrf_field=CSRF_FIELD)
    return env


templates = Jinja2Templates(env=_environment())


def render(
    request: Request,
    template: str,
    *,
    user: User | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render a page with what the layout needs (user, CSRF token, current path)."""
    base = {
        "user": user,
        "csrf_token": csrf_token_for(request),
        "current_path": request.url.path,
        "is_trainer": user is not None and user.role in ("trainer", "admin"),
    }
    return templates.TemplateResponse(
        request, template, {**base, **context}, status_code=status_code
    )

"""Trainer pages: cohorts and their members, assignments, progress, and the scenario editor.

Every lookup goes through the cohort services' own access rules (a trainer's cohorts and
assignments only; other ids read as missing), exactly as the JSON API does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.cohorts import assignments as assignment_service
from app.cohorts import rubrics as rubric_service
from app.cohorts import service as cohort_service
from app.cohorts.access import can_view_learner
from app.cohorts.models import Assignment, Cohort, CustomRubric
from app.deps import DbSession
from app.errors import Conflict, Forbidden, InvalidInput, NotFound, RehearseError
from app.progress import service as progress
from app.scenarios import library
from app.scenarios.schemas import ScenarioSummary
from app.skills import SKILL_IDS
from app.users import service as user_service
from app.users.models import User
from app.web.routing import PageRoute
from app.web.security import FormTrainer, TrainerPageUser
from app.web.templating import render
from app.web.views import cohort_trend_charts, question_style_charts, skill_trend_charts

router = APIRouter(prefix="/trainer", route_class=PageRoute, include_in_schema=False)

NOTICES = {
    "cohort-created": "Cohort created.",
    "member-added": "Learner added to the cohort.",
    "member-invited": "Invitation sent: the learner joins once they accept it.",
    "member-removed": "Learner removed from the cohort.",
    "assignment-created": "Assignment created.",
    "scenario-saved": "Scenario saved as a new version.",
}
SKILL_FIELDS = SKILL_IDS
RUBRIC_API = "/api/v1/custom-rubrics"
NEW_SCENARIO_HINT = (
    "# Paste or write a scenario here, or start from a copy of an existing one.\n"
    "# Every field is checked; errors name the field that needs fixing.\n"
)


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


def field_errors(message: str, source: str) -> list[FieldError]:
    """Split a validation message ('src: a.b: problem; c: problem') into one error per field."""
    rest = message.removeprefix(f"{source}: ")
    if rest.startswith(("not valid YAML", "expected a mapping")):
        return [FieldError("YAML", rest)]
    errors = []
    for part in re.split(r"; (?=[\w.()\[\]-]+: )", rest):
        name, found, problem = part.partition(": ")
        if found and " " not in name:
            errors.append(FieldError(name, problem))
        else:
            errors.append(FieldError("(scenario)", part))
    return errors


def _notice(code: str | None) -> str | None:
    return NOTICES.get(code or "")


@router.get("")
def dashboard(
    request: Request, user: TrainerPageUser, db: DbSession, notice: str | None = None
) -> HTMLResponse:
    return _render_dashboard(request, db, user, notice=_notice(notice))


def _render_dashboard(
    request: Request,
    db: Session,
    user: User,
    *,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    cohorts = cohort_service.visible_cohorts(db, user)
    names = {c.id: c.name for c in cohorts}
    assignments = assignment_service.assignments_for_trainer(db, user)
    return render(
        request,
        "trainer/dashboard.html",
        user=user,
        status_code=status_code,
        cohorts=cohorts,
        assignments=assignments,
        scenario_titles={
            a.scenario_slug: _scenario_title(db, a.scenario_slug) for a in assignments
        },
        cohort_names=names,
        notice=notice,
        error=error,
    )


@router.post("/cohorts")
def create_cohort(
    request: Request, user: FormTrainer, db: DbSession, name: Annotated[str, Form()] = ""
) -> Response:
    try:
        cohort = cohort_service.create_cohort(db, trainer=user, name=name)
    except InvalidInput as exc:
        return _render_dashboard(request, db, user, error=exc.message, status_code=422)
    return RedirectResponse(f"/trainer/cohorts/{cohort.id}?notice=cohort-created", 303)


@router.get("/cohorts/{cohort_id}")
def cohort_page(
    request: Request,
    cohort_id: int,
    user: TrainerPageUser,
    db: DbSession,
    notice: str | None = None,
) -> HTMLResponse:
    cohort = cohort_service.cohort_for_trainer(db, cohort_id, user)
    return _render_cohort(request, db, user, cohort, notice=_notice(notice))


def _cohort_assignments(db: Session, user: User, cohort: Cohort) -> list[Assignment]:
    """Assignments to the whole cohort, and to any one of its members, by this trainer."""
    members = set(cohort_service.member_ids(cohort))
    return [
        a
        for a in assignment_service.assignments_for_trainer(db, user)
        if a.cohort_id == cohort.id or (a.learner_id is not None and a.learner_id in members)
    ]


def _render_cohort(
    request: Request,
    db: Session,
    user: User,
    cohort: Cohort,
    *,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    members = [user_service.get_user(db, uid) for uid in cohort_service.member_ids(cohort)]
    members.sort(key=lambda m: m.display_name.lower())
    invited = [
        user_service.get_user(db, invitation.user_id)
        for invitation in cohort_service.pending_invitations(db, cohort=cohort)
    ]
    assigned = [
        {
            "assignment": a,
            "title": _scenario_title(db, a.scenario_slug),
            "rows": progress.assignment_rows(db, a),
        }
        for a in _cohort_assignments(db, user, cohort)
    ]
    rows = progress.cohort_progress(db, cohort)
    rows.sort(key=lambda r: r.display_name.lower())
    return render(
        request,
        "trainer/cohort.html",
        user=user,
        status_code=status_code,
        cohort=cohort,
        members=members,
        invited=invited,
        assigned=assigned,
        progress_rows=rows,
        charts=cohort_trend_charts(rows, "/trainer/learners/{learner_id}"),
        scenarios=[ScenarioSummary.from_row(r) for r in library.list_current(db)],
        rubrics=_rubric_choices(db, user),
        skills=SKILL_FIELDS,
        notice=notice,
        error=error,
    )


def _rubric_choices(db: Session, user: User) -> list[CustomRubric]:
    """The newest version of each of the trainer's rubrics, by the rubric service's own rule."""
    return rubric_service.visible(db, user)


@router.post("/cohorts/{cohort_id}/members")
def add_member(
    request: Request,
    cohort_id: int,
    user: FormTrainer,
    db: DbSession,
    email: Annotated[str, Form()] = "",
) -> Response:
    cohort = cohort_service.cohort_for_trainer(db, cohort_id, user)
    try:
        learner = user_service.find_by_email(db, email)
        if learner is None:
            raise NotFound(f"No user with the email '{email.strip()}'.")
        invited = cohort_service.enrol(db, cohort, learner, by=user)
    except (NotFound, Conflict, Forbidden) as exc:
        cohort = cohort_service.cohort_for_trainer(db, cohort_id, user)
        return _render_cohort(
            request, db, user, cohort, error=exc.message, status_code=exc.status_code
        )
    notice = "member-invited" if invited else "member-added"
    return RedirectResponse(f"/trainer/cohorts/{cohort.id}?notice={notice}", 303)


@router.post("/cohorts/{cohort_id}/members/{member_id}/remove")
def remove_member(cohort_id: int, member_id: int, user: FormTrainer, db: DbSession) -> Response:
    cohort = cohort_service.cohort_for_trainer(db, cohort_id, user)
    cohort_service.remove_member(db, cohort, member_id)
    return RedirectResponse(f"/trainer/cohorts/{cohort.id}?notice=member-removed", 303)


def _due_at(value: str) -> datetime | None:
    """A date from the form means 'due by the end of that day' (UTC)."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("due date: use the form YYYY-MM-DD") from None
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def _target_levels(values: dict[str, str]) -> dict[str, int]:
    targets = {}
    for skill, value in values.items():
        if value:
            if not value.isdigit():
                raise InvalidInput(f"target_levels.{skill}: a level from 1 to 5")
            targets[skill] = int(value)
    return targets


@router.post("/cohorts/{cohort_id}/assignments")
def create_assignment(
    request: Request,
    cohort_id: int,
    user: FormTrainer,
    db: DbSession,
    scenario_id: Annotated[str, Form()] = "",
    assignee: Annotated[str, Form()] = "cohort",
    due_date: Annotated[str, Form()] = "",
    target_active_listening: Annotated[str, Form()] = "",
    target_questioning: Annotated[str, Form()] = "",
    target_feedback: Annotated[str, Form()] = "",
    rubric_id: Annotated[str, Form()] = "",
) -> Response:
    """Assign a scenario to the whole cohort or to one of its members."""
    cohort = cohort_service.cohort_for_trainer(db, cohort_id, user)
    try:
        library.current_version(db, scenario_id)
        learner = None
        if assignee != "cohort":
            if not assignee.isdigit() or int(assignee) not in cohort_service.member_ids(cohort):
                raise InvalidInput("assignee: choose the cohort or one of its members")
            learner = user_service.get_user(db, int(assignee))
        assignment_service.create_assignment(
            db,
            trainer=user,
            scenario_slug=scenario_id,
            cohort=None if learner else cohort,
            learner=learner,
            due_at=_due_at(due_date),
            target_levels=_target_levels(
                {
                    "active_listening": target_active_listening,
                    "questioning": target_questioning,
                    "feedback": target_feedback,
                }
            ),
            rubric_id=_rubric_id(db, user, rubric_id),
        )
    except (InvalidInput, NotFound) as exc:
        return _render_cohort(
            request, db, user, cohort, error=exc.message, status_code=exc.status_code
        )
    return RedirectResponse(f"/trainer/cohorts/{cohort.id}?notice=assignment-created", 303)


def _rubric_id(db: Session, user: User, value: str) -> int | None:
    """A custom rubric the trainer may use (the rubric service's rule: their own)."""
    if not value:
        return None
    if not value.isdigit():
        raise InvalidInput("rubric: choose one of your custom rubrics")
    return rubric_service.for_viewer(db, int(value), user).id


@router.get("/assignments/{assignment_id}")
def assignment_page(
    request: Request, assignment_id: int, user: TrainerPageUser, db: DbSession
) -> HTMLResponse:
    assignment = assignment_service.assignment_for_trainer(db, assignment_id, user)
    cohort = db.get(Cohort, assignment.cohort_id) if assignment.cohort_id else None
    return render(
        request,
        "trainer/assignment.html",
        user=user,
        assignment=assignment,
        cohort=cohort,
        title=_scenario_title(db, assignment.scenario_slug),
        rows=progress.assignment_rows(db, assignment),
    )


def _scenario_title(db: Session, slug: str) -> str:
    try:
        return str(library.current_version(db, slug).content["title"])
    except NotFound:
        return slug


@router.get("/learners/{learner_id}")
def learner_page(
    request: Request, learner_id: int, user: TrainerPageUser, db: DbSession
) -> HTMLResponse:
    """A learner's progress, for a trainer of one of their cohorts; sessions link to reviews."""
    if not can_view_learner(db, user, learner_id):
        raise NotFound(f"no learner {learner_id}")
    learner = user_service.get_user(db, learner_id)
    found = progress.learner_progress(db, learner, viewer=user)
    style = progress.question_style(db, learner.id, viewer=user)
    return render(
        request,
        "trainer/learner.html",
        user=user,
        learner=learner,
        progress=found,
        style=style,
        trend_charts=skill_trend_charts(found, "/sessions/{session_id}"),
        style_charts=question_style_charts(style, "/sessions/{session_id}"),
    )


@router.get("/scenarios")
def scenario_list(
    request: Request, user: TrainerPageUser, db: DbSession, notice: str | None = None
) -> HTMLResponse:
    rows = [ScenarioSummary.from_row(row) for row in library.list_current(db)]
    return render(
        request, "trainer/scenarios.html", user=user, scenarios=rows, notice=_notice(notice)
    )


@router.get("/scenarios/new")
def new_scenario(
    request: Request, user: TrainerPageUser, db: DbSession, copy: str | None = None
) -> HTMLResponse:
    source = NEW_SCENARIO_HINT
    if copy:
        source += library.to_yaml(library.current_version(db, copy))
    return _render_editor(request, user, db, slug=None, source=source)


@router.post("/scenarios/new")
def create_scenario(
    request: Request, user: FormTrainer, db: DbSession, yaml_text: Annotated[str, Form()] = ""
) -> Response:
    try:
        scenario = library.validate_authored(yaml_text)
        if library.exists(db, scenario.id):
            raise InvalidInput(
                f"scenario: id: '{scenario.id}' already exists; choose another id, "
                "or edit that scenario instead"
            )
    except RehearseError as exc:
        return _render_editor(request, user, db, slug=None, source=yaml_text, message=exc.message)
    library.save_version(db, scenario, source="custom", author_id=user.id)
    return RedirectResponse(f"/trainer/scenarios/{scenario.id}/edit?notice=scenario-saved", 303)


@router.get("/scenarios/{slug}/edit")
def edit_scenario(
    request: Request, slug: str, user: TrainerPageUser, db: DbSession, notice: str | None = None
) -> HTMLResponse:
    row = library.current_version(db, slug)
    return _render_editor(
        request, user, db, slug=slug, source=library.to_yaml(row), notice=_notice(notice)
    )


@router.post("/scenarios/{slug}/edit")
def update_scenario(
    request: Request,
    slug: str,
    user: FormTrainer,
    db: DbSession,
    yaml_text: Annotated[str, Form()] = "",
) -> Response:
    """Save a new version; sessions already practised keep the version they used."""
    library.current_version(db, slug)
    try:
        scenario = library.validate_authored(yaml_text)
        if scenario.id != slug:
            raise InvalidInput(f"scenario: id: must stay '{slug}' (got '{scenario.id}')")
    except RehearseError as exc:
        return _render_editor(request, user, db, slug=slug, source=yaml_text, message=exc.message)
    library.save_version(db, scenario, source="custom", author_id=user.id)
    return RedirectResponse(f"/trainer/scenarios/{slug}/edit?notice=scenario-saved", 303)


def _render_editor(
    request: Request,
    user: User,
    db: Session,
    *,
    slug: str | None,
    source: str,
    message: str | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    row = library.current_version(db, slug) if slug else None
    return render(
        request,
        "trainer/scenario_edit.html",
        user=user,
        status_code=422 if message else 200,
        slug=slug,
        version=row.version if row else None,
        source=source,
        errors=field_errors(message, "scenario") if message else [],
        notice=notice,
        copies=[ScenarioSummary.from_row(r) for r in library.list_current(db)],
    )


@router.get("/rubrics")
def rubric_editor(request: Request, user: TrainerPageUser) -> HTMLResponse:
    """A script-driven page against the custom-rubric JSON API, when the server has it."""
    # Included routers are nested in recent FastAPI; the (cached) OpenAPI paths list them all.
    available = RUBRIC_API in request.app.openapi().get("paths", {})
    return render(request, "trainer/rubrics.html", user=user, available=available, api=RUBRIC_API)

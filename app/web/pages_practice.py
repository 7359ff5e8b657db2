"""The learner's side: home, scenario library, and the practice conversation itself."""

from __future__ import annotations

import logging
import uuid
from enum import StrEnum
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from app.cohorts import assignments as assignment_service
from app.cohorts import service as cohort_service
from app.cohorts.models import Cohort
from app.conversation import LEARNER
from app.deps import DbSession, ServicesDep, run_on_llm_slot
from app.errors import InvalidInput, LLMUnavailable, NotFound, RehearseError
from app.practice import service as practice_service
from app.practice.models import PracticeSession
from app.practice.schemas import LearnerMessage
from app.progress import service as progress
from app.retrieval.protocol import TechniqueSearch
from app.scenarios import library
from app.scenarios.models import ScenarioVersion
from app.scenarios.schema import Difficulty, Skill
from app.scenarios.schemas import ScenarioSummary
from app.users import service as user_service
from app.users.models import User
from app.web import pages_branch
from app.web.routing import PageRoute
from app.web.security import FormUser, PageUser
from app.web.templating import render
from app.web.views import card_view

log = logging.getLogger(__name__)
router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/home")
def home(request: Request, user: PageUser, db: DbSession) -> HTMLResponse:
    assigned = [
        {
            "assignment": a,
            "title": _scenario_title(db, a.scenario_slug),
            "status": progress.learner_status(db, a, user.id).value,
        }
        for a in assignment_service.assignments_for_learner(db, user)
    ]
    sessions = practice_service.list_sessions(db, user_id=user.id, limit=15)
    invitations = [
        {
            "id": invitation.id,
            "cohort": cohort.name,
            "trainer": user_service.get_user(db, invitation.invited_by).display_name,
        }
        for invitation in cohort_service.pending_invitations(db, user=user)
        if (cohort := db.get(Cohort, invitation.cohort_id)) is not None
    ]
    return render(
        request,
        "home.html",
        user=user,
        assigned=assigned,
        sessions=sessions,
        invitations=invitations,
    )


@router.post("/invitations/{invitation_id}/accept")
def accept_invitation(invitation_id: int, user: FormUser, db: DbSession) -> Response:
    """Joining shows the trainer the learner's practice from now on: only the learner decides."""
    cohort_service.accept_invitation(db, invitation_id, user)
    return RedirectResponse("/home#invitations-heading", status_code=303)


@router.post("/invitations/{invitation_id}/decline")
def decline_invitation(invitation_id: int, user: FormUser, db: DbSession) -> Response:
    cohort_service.decline_invitation(db, invitation_id, user)
    return RedirectResponse("/home", status_code=303)


def _scenario_title(db: DbSession, slug: str) -> str:
    try:
        return str(library.current_version(db, slug).content["title"])
    except NotFound:
        return slug


def _choice(kind: type[StrEnum], value: str | None, field: str) -> str | None:
    """An optional filter from a query string; '' (the form's "any") means no filter."""
    if not value:
        return None
    try:
        return kind(value).value
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise InvalidInput(f"{field}: must be one of {allowed}") from None


@router.get("/scenarios")
def scenario_library(
    request: Request,
    user: PageUser,
    db: DbSession,
    skill: str | None = None,
    difficulty: str | None = None,
) -> HTMLResponse:
    chosen_skill = _choice(Skill, skill, "skill")
    chosen_difficulty = _choice(Difficulty, difficulty, "difficulty")
    rows: list[ScenarioVersion] = library.list_current(
        db, skill=chosen_skill, difficulty=chosen_difficulty
    )
    return render(
        request,
        "scenarios.html",
        user=user,
        scenarios=[ScenarioSummary.from_row(row) for row in rows],
        skills=list(Skill),
        difficulties=list(Difficulty),
        skill=chosen_skill or "",
        difficulty=chosen_difficulty or "",
    )


@router.post("/practice")
def start_practice(
    user: FormUser,
    db: DbSession,
    services: ServicesDep,
    scenario_id: Annotated[str, Form()] = "",
    hints: Annotated[bool, Form()] = False,
    private: Annotated[bool, Form()] = False,
    assignment_id: Annotated[int | None, Form()] = None,
) -> Response:
    """Start a session (for an assignment when one is given) and open its practice page."""
    if assignment_id is not None:
        assignment = assignment_service.assignment_for_learner(db, assignment_id, user)
        scenario_id = scenario_id or assignment.scenario_slug
        if assignment.scenario_slug != scenario_id:
            raise InvalidInput("scenario_id: does not match the assignment's scenario")
    session = practice_service.start_session(
        db,
        scenario_slug=scenario_id,
        engine_name=services.peer_engine.name,
        hints=hints,
        private=private,
        user_id=user.id,
        assignment_id=assignment_id,
    )
    return RedirectResponse(f"/practice/{session.id}", status_code=303)


@router.get("/practice/{session_id}")
def practice_page(
    request: Request,
    session_id: str,
    user: PageUser,
    db: DbSession,
    services: ServicesDep,
    step: str | None = None,
) -> Response:
    """The conversation; ``step`` (a branch opened from a scorecard's next step, by id)
    pre-fills that step's rewrite in the reply box, editable."""
    session = practice_service.own_session(db, session_id, user)
    if session.status != "active":
        return RedirectResponse(f"/sessions/{session.id}", status_code=303)
    return _render_practice(
        request,
        session,
        user=user,
        retriever=services.retriever,
        draft=pages_branch.retry_draft(db, session, user, step),
        branch=pages_branch.branch_note(db, session),
    )


def _render_practice(
    request: Request,
    session: PracticeSession,
    *,
    user: User,
    retriever: TechniqueSearch,
    error: str | None = None,
    draft: str = "",
    status_code: int = 200,
    branch: dict[str, Any] | None = None,
) -> HTMLResponse:
    scenario = library.as_scenario(session.scenario)
    learner_turns = [t for t in session.turns if t.speaker == LEARNER]
    state = session.persona_state or {}
    hint = learner_turns[-1].hint if learner_turns else None
    card_id = (hint or {}).get("card_id")
    return render(
        request,
        "practice.html",
        user=user,
        status_code=status_code,
        session=session,
        scenario=scenario,
        turns=session.turns,
        hint=hint,
        hint_card=card_view(retriever, card_id) if card_id else None,
        # A fresh key per page: resubmitting the same no-JavaScript form never duplicates a turn.
        idempotency_key=str(uuid.uuid4()),
        trust=float(state.get("trust", 0.0)),
        peer_finished=bool(state.get("finished")),
        learner_turn_count=len(learner_turns),
        error=error,
        draft=draft,
        branch=branch,
    )


@router.post("/practice/{session_id}/say")
async def say(
    request: Request,
    session_id: str,
    user: FormUser,
    db: DbSession,
    services: ServicesDep,
    text: Annotated[str, Form()] = "",
    idempotency_key: Annotated[str | None, Form(max_length=128)] = None,
) -> Response:
    """The no-JavaScript path: the same exchange as the API, then back to the page.

    Like the API turn, the exchange runs on an LLM slot (deps.run_on_llm_slot): a hanging
    model never takes the threads that serve other pages.
    """
    try:
        message = LearnerMessage(text=text, idempotency_key=idempotency_key or None)
        practice_service.check_message_length(message.text, services.settings.max_message_chars)
    except (ValidationError, InvalidInput) as exc:
        problem = (
            exc.message
            if isinstance(exc, InvalidInput)
            else exc.errors()[0]["msg"].removeprefix("Value error, ")
        )

        def rejected() -> Response:
            return _render_practice(
                request,
                practice_service.own_session(db, session_id, user),
                user=user,
                retriever=services.retriever,
                error=problem,
                draft=text,
                status_code=422,
            )

        return await anyio.to_thread.run_sync(rejected)

    def exchange() -> tuple[str, int]:
        session = practice_service.own_session(db, session_id, user)
        try:
            _, peer_turn = practice_service.exchange(
                db,
                session,
                text=message.text,
                idempotency_key=message.idempotency_key,
                engine=services.peer_engine,
                retriever=services.retriever,
                max_chars=services.settings.max_message_chars,
            )
        except RehearseError:
            raise
        except Exception as exc:  # a reply the engine could not use: the 503 page, not a 500
            log.warning("peer engine failed: %s", type(exc).__name__)
            raise LLMUnavailable("the peer's reply could not be used; try again") from None
        return session.id, peer_turn.index

    session_key, index = await run_on_llm_slot(services, exchange)
    return RedirectResponse(f"/practice/{session_key}#turn-{index}", status_code=303)


@router.post("/practice/{session_id}/hints")
def turn_hints_on(session_id: str, user: FormUser, db: DbSession) -> Response:
    """Hints are decided per session at start; a learner may still ask for them midway."""
    session = practice_service.update_options(db, session_id, user, hints=True)
    return RedirectResponse(f"/practice/{session.id}#hint-panel", status_code=303)


@router.post("/practice/{session_id}/end")
async def end_practice(
    session_id: str, user: FormUser, db: DbSession, services: ServicesDep
) -> Response:
    """Score the session; with the LLM judge on, on an LLM slot (as the API's end does)."""
    judge = services.judge

    def end() -> str:
        session = practice_service.own_session(db, session_id, user)
        practice_service.end_session(
            db, session, rubrics=services.rubrics, retriever=services.retriever, judge=judge
        )
        return session.id

    if judge is None:
        ended = await anyio.to_thread.run_sync(end)
    else:
        ended = await run_on_llm_slot(services, end)
    return RedirectResponse(f"/sessions/{ended}", status_code=303)

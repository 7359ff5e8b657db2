"""Practise a moment again from the web pages: open a branch and carry a rewrite into it.

The rewrite travels by id, never as text in the URL: the form names the next step
(``skill:position`` in the parent's stored scorecard), and the practice page of the branch
looks it up again. Learners' words stay out of URLs, and so out of access logs.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.deps import DbSession, ServicesDep
from app.errors import InvalidInput
from app.practice import branching
from app.practice import service as practice_service
from app.practice.models import PracticeSession
from app.practice.schemas import BranchComparison
from app.scoring.scorecard import NextStep
from app.users.models import User
from app.web.routing import PageRoute
from app.web.security import FormUser

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.post("/sessions/{session_id}/retry")
def retry_moment(
    session_id: str,
    user: FormUser,
    db: DbSession,
    services: ServicesDep,
    at_turn: Annotated[int, Form()],
    step: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    """Open a branch at ``at_turn``; with ``step``, its practice page pre-fills that rewrite."""
    if step:
        next_step(db, session_id, step, at_turn)  # refuse a step that is not this moment's
    branch = branching.create_branch(
        db, session_id, user, at_turn=at_turn, engine_name=services.peer_engine.name
    )
    target = f"/practice/{branch.id}"
    return RedirectResponse(f"{target}?step={step}" if step else target, status_code=303)


def next_step(db: Session, session_id: str, step: str, at_turn: int | None = None) -> NextStep:
    """The next step ``skill:position`` on a session's scorecard (and, if given, at ``at_turn``)."""
    skill, _, position = step.partition(":")
    scorecard = practice_service.stored_scorecard(db, practice_service.get_session(db, session_id))
    steps = {s.skill: s.next_steps for s in scorecard.skills}
    if not position.isdigit() or int(position) >= len(steps.get(skill, [])):
        raise InvalidInput(f"step: no next step '{step}' on this scorecard")
    found = steps[skill][int(position)]
    if at_turn is not None and found.turn != at_turn:
        raise InvalidInput(f"step: next step '{step}' is about turn {found.turn}, not {at_turn}")
    return found


def retry_draft(db: Session, branch: PracticeSession, user: User, step: str | None) -> str:
    """The rewrite to pre-fill in a branch's reply box; '' when there is none to offer.

    Only on the branch point, before anything was said there, and only for its learner.
    """
    if not step or branch.parent_id is None or branch.user_id != user.id:
        return ""
    if any(turn.index >= (branch.branch_turn or 0) for turn in branch.turns):
        return ""
    try:
        return next_step(db, branch.parent_id, step, branch.branch_turn).rewrite
    except InvalidInput:
        return ""


def branch_note(db: Session, branch: PracticeSession) -> dict[str, Any] | None:
    """What the practice page says about a branch: which turn, and what was said there."""
    if branch.parent_id is None or branch.branch_turn is None:
        return None
    parent = practice_service.get_session(db, branch.parent_id)
    said = next((t.text for t in parent.turns if t.index == branch.branch_turn), "")
    return {"parent_id": parent.id, "turn": branch.branch_turn, "said": said}


def branch_comparison(
    db: Session, session: PracticeSession, viewer: User
) -> BranchComparison | None:
    """A branch's comparison with its parent for the review page; None for an original."""
    if session.parent_id is None:
        return None
    return branching.compare(db, session, viewer)

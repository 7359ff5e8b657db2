"""Looking back: a session's scorecard and transcript, technique cards, and my progress."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.deps import DbSession, ServicesDep
from app.errors import NotFound
from app.practice import service as practice_service
from app.progress import service as progress
from app.retrieval.cards import TechniqueCard
from app.scoring.scorecard import redact_transcript_text
from app.web.pages_branch import branch_comparison
from app.web.routing import PageRoute
from app.web.security import FormUser, PageUser
from app.web.templating import render, templates
from app.web.views import (
    card_view,
    openness_chart,
    question_style_charts,
    scorecard_view,
    skill_trend_charts,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

SESSION_HREF = "/sessions/{session_id}"


@router.get("/sessions/{session_id}")
def session_review(
    request: Request, session_id: str, user: PageUser, db: DbSession, services: ServicesDep
) -> Response:
    """The scorecard and transcript of an ended session, as far as the viewer may see them.

    Visibility is the practice service's rule (404 for other people's sessions); a session its
    learner marked private shows a trainer the scores but never the words.
    """
    session = practice_service.visible_session(db, session_id, user)
    is_owner = session.user_id == user.id
    if session.status == "active" and is_owner:
        return RedirectResponse(f"/practice/{session.id}", status_code=303)
    hide_words = session.private and not is_owner
    view = None
    if session.status == "ended":
        scorecard = practice_service.stored_scorecard(db, session)
        if hide_words:
            scorecard = redact_transcript_text(scorecard)
        view = scorecard_view(scorecard, services.retriever)
    return render(
        request,
        "review.html",
        user=user,
        session=session,
        view=view,
        is_owner=is_owner,
        hide_words=hide_words,
        # Branches (app/web/pages_branch.py): retry buttons for the learner, and a branch's
        # comparison with its parent for anyone who may see the branch.
        retry_session_id=session.id if is_owner and session.status == "ended" else None,
        comparison=branch_comparison(db, session, user),
        live_turns=[] if hide_words else session.turns,
        openness=openness_chart(session.turns),
        speaker_names={
            "peer": session.scenario.content["persona"]["name"],
            "learner": "You" if is_owner else "Learner",
        },
    )


@router.post("/sessions/{session_id}/privacy")
def set_privacy(
    session_id: str,
    user: FormUser,
    db: DbSession,
    private: Annotated[bool, Form()] = False,
) -> Response:
    """Only the learner decides whether trainers may read the transcript, at any time."""
    session = practice_service.update_options(db, session_id, user, private=private)
    return RedirectResponse(f"/sessions/{session.id}#privacy", status_code=303)


@router.get("/techniques")
def technique_list(request: Request, user: PageUser, services: ServicesDep) -> HTMLResponse:
    by_skill: dict[str, list[TechniqueCard]] = defaultdict(list)
    for card in services.retriever.all_cards():
        by_skill[card.skill.value].append(card)
    return render(request, "techniques.html", user=user, by_skill=dict(sorted(by_skill.items())))


@router.get("/techniques/{card_id}")
def technique_page(
    request: Request, card_id: str, user: PageUser, services: ServicesDep
) -> HTMLResponse:
    card = card_view(services.retriever, card_id)
    if card is None:
        raise NotFound(f"no technique card '{card_id}'")
    return render(request, "technique.html", user=user, card=card)


@router.get("/techniques/{card_id}/fragment")
def technique_fragment(
    request: Request, card_id: str, _user: PageUser, services: ServicesDep
) -> HTMLResponse:
    """Just the card's HTML, for the practice page to show a hint's card in place."""
    card = card_view(services.retriever, card_id)
    if card is None:
        raise NotFound(f"no technique card '{card_id}'")
    return templates.TemplateResponse(request, "_card.html", {"card": card, "heading": "h3"})


@router.get("/progress")
def my_progress(request: Request, user: PageUser, db: DbSession) -> HTMLResponse:
    mine = progress.learner_progress(db, user)
    style = progress.question_style(db, user.id)
    return render(
        request,
        "progress.html",
        user=user,
        progress=mine,
        style=style,
        trend_charts=skill_trend_charts(mine, SESSION_HREF),
        style_charts=question_style_charts(style, SESSION_HREF),
    )

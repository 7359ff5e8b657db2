"""Practice session endpoints: start, talk (JSON or SSE), transcript, end, scorecard."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, BackgroundTasks, Header, Query, status
from fastapi.responses import StreamingResponse

from app.cohorts import assignments
from app.deps import DbSession, Services, ServicesDep, run_on_llm_slot
from app.errors import InvalidInput, LLMBusy, LLMUnavailable, RehearseError
from app.practice import branching, service
from app.practice.models import Turn
from app.practice.schemas import (
    BranchComparison,
    BranchCreate,
    Exchange,
    LearnerMessage,
    SessionCreate,
    SessionOut,
    SessionStarted,
    SessionUpdate,
    Transcript,
    TurnOut,
)
from app.scenarios import library
from app.scoring.scorecard import Scorecard, redact_transcript_text
from app.users.auth import CurrentUser

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/sessions", tags=["practice"])

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)]


@router.post("", status_code=status.HTTP_201_CREATED)
def start_session(
    body: SessionCreate, user: CurrentUser, db: DbSession, services: ServicesDep
) -> SessionStarted:
    assignment_id = None
    if body.assignment_id is not None:
        assignment = assignments.assignment_for_learner(db, body.assignment_id, user)
        if assignment.scenario_slug != body.scenario_id:
            raise InvalidInput("scenario_id: does not match the assignment's scenario")
        assignment_id = assignment.id
    session = service.start_session(
        db,
        scenario_slug=body.scenario_id,
        engine_name=services.peer_engine.name,
        hints=body.hints,
        private=body.private,
        user_id=user.id,
        assignment_id=assignment_id,
    )
    scenario = library.as_scenario(session.scenario)
    return SessionStarted(
        session=SessionOut.from_row(session),
        learner_brief=scenario.learner_brief,
        opening=TurnOut.from_row(session.turns[0]),
    )


@router.get("")
def list_my_sessions(user: CurrentUser, db: DbSession) -> list[SessionOut]:
    return [SessionOut.from_row(s) for s in service.list_sessions(db, user_id=user.id)]


@router.get("/{session_id}")
def get_session(session_id: str, user: CurrentUser, db: DbSession) -> SessionOut:
    """The session with its place in the branch tree: parent, branch point and branches."""
    session = service.visible_session(db, session_id, user)
    out = SessionOut.from_row(session)
    out.tree = branching.session_tree(db, session)
    return out


@router.delete("/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_session(session_id: str, user: CurrentUser, db: DbSession) -> None:
    """The learner deletes a session, its turns and scorecard, **and all its branches**.

    Branches go with their parent, at every depth: each holds a copy of the parent's words up
    to its branch point, and a deleted conversation must not live on inside them. To keep a
    branch, keep its parent. Deleting a branch leaves its parent (and siblings) untouched.
    """
    branching.delete_session(db, session_id, user)


@router.post("/{session_id}/branches", status_code=status.HTTP_201_CREATED)
def create_branch(
    session_id: str, body: BranchCreate, user: CurrentUser, db: DbSession, services: ServicesDep
) -> SessionStarted:
    """Practise a moment again: a new session holding this one's turns before ``at_turn``.

    The peer's state (trust, disclosed layers, fired triggers, lines used) and each copied
    turn's idempotency key are restored as they were after turn ``at_turn - 1``; the next
    message sent to the branch becomes turn ``at_turn``. The branch runs on the server's
    current peer engine, keeps the parent's owner, privacy and assignment, and may be branched
    again. ``at_turn`` must be one of the learner's turns (422). Only the learner who
    practised may branch (403 for a trainer who can see the session, 404 for anyone else).
    Deleting the parent deletes its branches (see DELETE /sessions/{id}).
    """
    branch = branching.create_branch(
        db, session_id, user, at_turn=body.at_turn, engine_name=services.peer_engine.name
    )
    scenario = library.as_scenario(branch.scenario)
    out = SessionOut.from_row(branch)
    out.tree = branching.session_tree(db, branch)
    return SessionStarted(
        session=out, learner_brief=scenario.learner_brief, opening=TurnOut.from_row(branch.turns[0])
    )


@router.get("/{session_id}/comparison")
def get_comparison(session_id: str, user: CurrentUser, db: DbSession) -> BranchComparison:
    """A branch beside its parent from the branch point on: the peer's reaction to each line
    (trust, disclosure, reply), the labels of each line, and both sessions' skill levels.
    404 for a session that is not a branch. Words of a private session are empty for trainers."""
    branch = service.visible_session(db, session_id, user)
    return branching.compare(db, branch, user)


@router.patch("/{session_id}")
def update_session(
    session_id: str, body: SessionUpdate, user: CurrentUser, db: DbSession
) -> SessionOut:
    """The learner marks a session private (or not) at any time, even after it ended."""
    session = service.update_options(db, session_id, user, private=body.private)
    return SessionOut.from_row(session)


@router.get("/{session_id}/transcript")
def get_transcript(session_id: str, user: CurrentUser, db: DbSession) -> Transcript:
    session = service.visible_session(db, session_id, user, transcript=True)
    return Transcript(
        session=SessionOut.from_row(session),
        turns=[TurnOut.from_row(turn) for turn in session.turns],
    )


@router.post("/{session_id}/turns", response_model=Exchange)
async def post_turn(
    session_id: str,
    body: LearnerMessage,
    user: CurrentUser,
    db: DbSession,
    services: ServicesDep,
    idempotency_key: IdempotencyKey = None,
    stream: Annotated[bool, Query(description="Stream the reply as server-sent events.")] = False,
) -> Exchange | StreamingResponse:
    """The learner's line and the peer's reply.

    Everything that may wait on the LLM runs on an LLM slot (deps.run_on_llm_slot), never on
    the threads that serve other requests; with every slot busy the answer is 503 with
    Retry-After, or an ``error`` event on a stream.
    """
    key = idempotency_key or body.idempotency_key

    def accept() -> service.PendingReply:
        session = service.own_session(db, session_id, user)
        return service.accept_learner_turn(
            db,
            session,
            text=body.text,
            idempotency_key=key,
            retriever=services.retriever,
            max_chars=services.settings.max_message_chars,
        )

    if stream:
        pending = await anyio.to_thread.run_sync(accept)
        return StreamingResponse(
            _reply_events(pending, services),
            media_type="text/event-stream",
            # nginx and similar proxies buffer responses unless told not to; the heartbeat
            # below keeps idle-timeout proxies from closing a stream while the model thinks.
            headers={"X-Accel-Buffering": "no", "Cache-Control": "no-cache"},
        )

    def exchange() -> Exchange:
        pending = accept()
        if pending.answered is not None:
            return _exchange(pending.learner_turn, pending.answered)
        try:
            reply = "".join(service.stream_peer_reply(pending, services.peer_engine))
        except RehearseError:
            service.mark_failed(db, pending)
            raise
        except Exception as exc:  # a reply the engine could not use: 503, never a bare 500
            service.mark_failed(db, pending)
            log.warning("peer engine failed: %s", type(exc).__name__)
            raise LLMUnavailable("the peer's reply could not be used; try again") from None
        return _exchange(pending.learner_turn, service.save_peer_reply(db, pending, reply))

    return await run_on_llm_slot(services, exchange)


_END = object()


async def _reply_events(pending: service.PendingReply, services: Services) -> AsyncIterator[str]:
    """learner → delta* → done, or an error event; the learner's turn is already saved.

    The reply is pulled chunk by chunk on an LLM slot's thread; while none arrives, an SSE
    comment goes out every ``sse_heartbeat_s`` seconds.
    """
    yield _sse("learner", TurnOut.from_row(pending.learner_turn).model_dump(mode="json"))
    gate, slot_threads = services.llm_slots
    threads: anyio.CapacityLimiter | None = slot_threads
    if services.chat_model is None:  # the built-in peer cannot hang: no slot (deps)
        gate, threads = anyio.CapacityLimiter(1), None
    acquired = False
    with anyio.move_on_after(services.settings.llm_slot_wait_s):
        await gate.acquire()
        acquired = True
    if not acquired:
        busy = LLMBusy("every conversation slot is busy; send the line again in a moment")
        yield _sse("error", {"code": busy.code, "message": busy.message})
        return
    try:
        events = _reply_event_lines(pending, services)
        while True:
            step = asyncio.ensure_future(
                anyio.to_thread.run_sync(next, events, _END, limiter=threads)
            )
            while not step.done():
                await asyncio.wait({step}, timeout=services.settings.sse_heartbeat_s)
                if not step.done():
                    yield ": heartbeat\n\n"
            line = step.result()
            if not isinstance(line, str):  # _END: the reply is complete
                return
            yield line
    finally:
        gate.release()


def _reply_event_lines(pending: service.PendingReply, services: Services) -> Iterator[str]:
    """The body streams after the request's database session has closed, so the reply is
    saved through a session of its own. Any failure ends the stream with an ``error`` event."""
    try:
        if pending.answered is not None:
            peer_turn = pending.answered
            yield _sse("delta", {"text": peer_turn.text})
        else:
            chunks = []
            for chunk in service.stream_peer_reply(pending, services.peer_engine):
                chunks.append(chunk)
                yield _sse("delta", {"text": chunk})
            with services.session_factory() as db:
                peer_turn = service.save_peer_reply(db, pending, "".join(chunks))
    except RehearseError as exc:
        _mark_failed(pending, services)
        yield _sse("error", {"code": exc.code, "message": exc.message})
        return
    except Exception as exc:
        _mark_failed(pending, services)
        log.warning("peer reply stream failed: %s", type(exc).__name__)
        yield _sse("error", {"code": "llm_unavailable", "message": "the reply failed; try again"})
        return
    done = _exchange(pending.learner_turn, peer_turn)
    yield _sse("done", done.model_dump(mode="json"))


def _mark_failed(pending: service.PendingReply, services: Services) -> None:
    with services.session_factory() as db:
        service.mark_failed(db, pending)


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


def _exchange(learner_turn: Turn, peer_turn: Turn) -> Exchange:
    return Exchange(
        learner=TurnOut.from_row(learner_turn),
        peer=TurnOut.from_row(peer_turn),
        peer_finished=bool((peer_turn.persona_state or {}).get("finished")),
    )


@router.post("/{session_id}/end")
async def end_session(
    session_id: str,
    user: CurrentUser,
    db: DbSession,
    services: ServicesDep,
    background: BackgroundTasks,
) -> Scorecard:
    """Score the session and return the scorecard at once. The optional LLM judge runs after
    the response, within ``llm_judge_timeout_s``; GET .../scorecard shows it once it is in."""

    def end() -> Scorecard:
        session = service.own_session(db, session_id, user)
        return service.end_session(
            db, session, rubrics=services.rubrics, retriever=services.retriever, judge=None
        )

    scorecard = await anyio.to_thread.run_sync(end)
    if services.judge is not None and not scorecard.judge:
        background.add_task(_judge_later, session_id, services)
    return scorecard


def _judge_later(session_id: str, services: Services) -> None:
    """Runs after the scorecard went out (a sync background task: in a worker thread)."""
    judge = services.judge
    if judge is None:
        return
    try:
        with services.session_factory() as db:
            service.add_judgement(
                db,
                session_id,
                rubrics=services.rubrics,
                judge=judge,
                budget_s=services.settings.llm_judge_timeout_s,
            )
    except Exception:  # the judge is optional: log it, the scorecard is already stored
        log.warning("LLM judge after the scorecard failed", exc_info=True)


@router.get("/{session_id}/scorecard")
def get_scorecard(session_id: str, user: CurrentUser, db: DbSession) -> Scorecard:
    session = service.visible_session(db, session_id, user)
    scorecard = service.stored_scorecard(db, session)
    if session.private and session.user_id != user.id:
        return redact_transcript_text(scorecard)
    return scorecard

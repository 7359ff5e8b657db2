"""The practice loop as keyword-only service functions; the API and the CLI both call these.

Order matters for "nothing saved is lost": the learner's turn is committed before the peer
engine is asked for a reply, so a failing or slow LLM never loses what the learner said, and a
retry with the same idempotency key answers that saved turn instead of adding a second one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.cohorts.rubrics import rubrics_for_assignment
from app.conversation import LEARNER, PEER, TranscriptTurn
from app.db import utcnow
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.llm.protocol import ChatModel
from app.persona.engine import PeerEngine
from app.persona.hints import make_hint
from app.persona.state import PersonaState, advance, initial_state
from app.practice.access import can_view_session
from app.practice.models import PracticeSession, StoredScorecard, Turn
from app.retrieval.protocol import TechniqueSearch
from app.scenarios import library
from app.scenarios.schema import Scenario
from app.scoring.coder import code_utterance
from app.scoring.injection import screen_transcript
from app.scoring.judge import JudgeResult, run_judge
from app.scoring.rubric import RubricSet
from app.scoring.scorecard import Scorecard, score_transcript
from app.users.models import User

OK = "ok"
FAILED = "failed"  # a learner turn the peer could not answer: not scored, not history


def start_session(
    db: Session,
    *,
    scenario_slug: str,
    engine_name: str,
    hints: bool = False,
    private: bool = False,
    user_id: int | None = None,
    assignment_id: int | None = None,
) -> PracticeSession:
    row = library.current_version(db, scenario_slug)
    scenario = library.as_scenario(row)
    state = initial_state(scenario)
    session = PracticeSession(
        id=str(uuid.uuid4()),
        scenario_id=row.id,
        user_id=user_id,
        assignment_id=assignment_id,
        engine=engine_name,
        hints_enabled=hints,
        private=private,
        persona_state=state.model_dump(mode="json"),
    )
    session.turns.append(
        Turn(
            index=0,
            speaker=PEER,
            text=scenario.persona.opening_line,
            moves=[],
            persona_state=session.persona_state,
        )
    )
    db.add(session)
    db.commit()
    return session


def get_session(db: Session, session_id: str) -> PracticeSession:
    session = db.get(PracticeSession, session_id)
    if session is None:
        raise NotFound(f"no practice session '{session_id}'")
    return session


def visible_session(
    db: Session, session_id: str, viewer: User, *, transcript: bool = False
) -> PracticeSession:
    """The session if ``viewer`` may see it; 404 otherwise, so other people's ids leak nothing.

    A trainer asking for the transcript of a session its learner marked private gets 403:
    the trainer already sees that the session exists, from its scores.
    """
    session = get_session(db, session_id)
    if not can_view_session(db, viewer, session):
        raise NotFound(f"no practice session '{session_id}'")
    if transcript and session.private and session.user_id != viewer.id:
        raise Forbidden("the learner marked this session private: scores only, no transcript")
    return session


def own_session(db: Session, session_id: str, owner: User) -> PracticeSession:
    """Only the learner who practises may add turns or end the session."""
    session = get_session(db, session_id)
    if session.user_id != owner.id:
        raise NotFound(f"no practice session '{session_id}'")
    return session


def update_options(
    db: Session,
    session_id: str,
    owner: User,
    *,
    private: bool | None = None,
    hints: bool | None = None,
) -> PracticeSession:
    """The learner's own switches, at any time (even after the end): privacy and live hints.

    Only the learner decides whether trainers may read the transcript; hints are chosen at the
    start but may be asked for midway.
    """
    session = own_session(db, session_id, owner)
    if private is not None:
        session.private = private
    if hints is not None:
        session.hints_enabled = hints
    return session


def list_sessions(db: Session, *, user_id: int, limit: int = 50) -> list[PracticeSession]:
    return list(
        db.scalars(
            select(PracticeSession)
            .where(PracticeSession.user_id == user_id)
            .order_by(PracticeSession.created_at.desc())
            .limit(limit)
        )
    )


def export_sessions(db: Session, *, user_id: int) -> list[dict[str, Any]]:
    """Every session of one user with turns and scorecard, for the data export."""
    exported = []
    for session in list_sessions(db, user_id=user_id, limit=100_000):
        scorecard = db.scalar(
            select(StoredScorecard).where(StoredScorecard.session_id == session.id)
        )
        exported.append(
            {
                "id": session.id,
                "scenario": session.scenario.slug,
                "scenario_version": session.scenario.version,
                "status": session.status,
                "private": session.private,
                "created_at": session.created_at.isoformat(),
                "ended_at": session.ended_at.isoformat() if session.ended_at else None,
                "parent_id": session.parent_id,  # a branch: practised again from branch_turn
                "branch_turn": session.branch_turn,
                "turns": [
                    {"index": t.index, "speaker": t.speaker, "text": t.text, "moves": t.moves}
                    for t in session.turns
                ],
                "scorecard": scorecard.payload if scorecard else None,
            }
        )
    return exported


def delete_sessions(db: Session, *, user_id: int) -> int:
    """Delete a user's sessions with their turns and scorecards, as rows (not soft-deleted)."""
    ids = list(db.scalars(select(PracticeSession.id).where(PracticeSession.user_id == user_id)))
    if ids:
        db.execute(delete(StoredScorecard).where(StoredScorecard.session_id.in_(ids)))
        db.execute(delete(Turn).where(Turn.session_id.in_(ids)))
        db.execute(delete(PracticeSession).where(PracticeSession.id.in_(ids)))
    return len(ids)


@dataclass
class PendingReply:
    """A saved learner turn waiting for its peer reply."""

    session: PracticeSession
    learner_turn: Turn
    scenario: Scenario
    state: PersonaState
    history: list[TranscriptTurn]
    answered: Turn | None = None  # set when an idempotent retry finds the reply already saved


def check_message_length(text: str, limit: int) -> None:
    """InvalidInput when a learner's message is longer than ``limit`` (max_message_chars)."""
    if len(text) > limit:
        raise InvalidInput(f"message is {len(text)} characters; the limit is {limit}")


def accept_learner_turn(
    db: Session,
    session: PracticeSession,
    *,
    text: str,
    idempotency_key: str | None,
    retriever: TechniqueSearch | None,
    max_chars: int,
) -> PendingReply:
    """Code and commit the learner's turn, then advance the persona (not yet saved)."""
    check_message_length(text, max_chars)
    if session.status != "active":
        raise Conflict(f"practice session '{session.id}' has ended; start a new one to continue")
    learner_turn = _find_retry(session, idempotency_key, text)
    failed = _failed_last_turn(session)
    if learner_turn is None and failed is not None:
        # The peer could not answer the last message: this one takes its place (same row,
        # same index), so the transcript never holds a turn nobody answered.
        learner_turn = failed
        learner_turn.text = text
        learner_turn.idempotency_key = idempotency_key
        learner_turn.hint = None
    if learner_turn is not None and learner_turn.status == FAILED:
        learner_turn.status = OK
        learner_turn.moves = [
            m.value
            for m in code_utterance(
                learner_turn.text, _peer_line_before(session, learner_turn)
            ).moves
        ]
        db.commit()
    if learner_turn is None:
        coded = code_utterance(text, _last_peer_line(session))
        learner_turn = Turn(
            index=len(session.turns),
            speaker=LEARNER,
            text=text,
            moves=[move.value for move in coded.moves],
            idempotency_key=idempotency_key,
        )
        session.turns.append(learner_turn)
        try:
            db.commit()
        except IntegrityError:
            db.rollback()
            raise Conflict("another message for this session arrived at the same time") from None
    else:
        coded = code_utterance(learner_turn.text, _peer_line_before(session, learner_turn))
    scenario = library.as_scenario(session.scenario)
    answered = _reply_to(session, learner_turn)
    state = PersonaState.model_validate(session.persona_state)
    new_state = advance(state, coded, learner_turn.text, scenario)
    if session.hints_enabled and learner_turn.hint is None and answered is None:
        hint = make_hint(coded, new_state, retriever)
        learner_turn.hint = hint.model_dump(mode="json") if hint else None
        db.commit()
    history = [
        _as_transcript_turn(turn)
        for turn in session.turns
        if turn.index < learner_turn.index and turn.status != FAILED
    ]
    return PendingReply(session, learner_turn, scenario, new_state, history, answered)


def stream_peer_reply(pending: PendingReply, engine: PeerEngine) -> Iterator[str]:
    """Chunks of the peer's reply; raises LLMUnavailable if the engine gives up."""
    return engine.stream_reply(
        pending.scenario, pending.state, pending.history, pending.learner_turn.text
    )


def mark_failed(db: Session, pending: PendingReply) -> None:
    """The engine gave up on this turn: keep the learner's words, but out of the score and the
    model's history until a retry (or the next message) replaces it."""
    turn = db.get(Turn, pending.learner_turn.id)
    if turn is not None and pending.answered is None:
        turn.status = FAILED
        db.commit()


def save_peer_reply(db: Session, pending: PendingReply, text: str) -> Turn:
    if pending.answered is not None:
        return pending.answered
    # By id, not pending.session: a streamed reply is saved from its own database session,
    # after the request's session has closed.
    session = db.get_one(PracticeSession, pending.session.id)
    state = pending.state.model_dump(mode="json")
    peer_turn = Turn(
        index=len(session.turns),
        speaker=PEER,
        text=text.strip(),
        moves=[],
        persona_state=state,
    )
    session.turns.append(peer_turn)
    session.persona_state = state
    db.commit()
    return peer_turn


def exchange(
    db: Session,
    session: PracticeSession,
    *,
    text: str,
    idempotency_key: str | None,
    engine: PeerEngine,
    retriever: TechniqueSearch | None,
    max_chars: int,
) -> tuple[Turn, Turn]:
    pending = accept_learner_turn(
        db,
        session,
        text=text,
        idempotency_key=idempotency_key,
        retriever=retriever,
        max_chars=max_chars,
    )
    if pending.answered is not None:
        return pending.learner_turn, pending.answered
    try:
        reply = "".join(stream_peer_reply(pending, engine))
    except Exception:
        mark_failed(db, pending)
        raise
    return pending.learner_turn, save_peer_reply(db, pending, reply)


def end_session(
    db: Session,
    session: PracticeSession,
    *,
    rubrics: RubricSet,
    retriever: TechniqueSearch | None,
    judge: ChatModel | None,
) -> Scorecard:
    """Score and close the session with ``rubrics`` (the built-in set).

    A session practised for an assignment that carries a custom rubric is scored with that
    rubric in place of the built-in one for its skill; the API, the web pages and the CLI all
    end sessions here, so none of them can forget it. Ending twice returns the scorecard of
    the first ending: scores never change on re-asking.
    """
    if session.status == "ended":
        return stored_scorecard(db, session)
    rubrics = rubrics_for_assignment(db, session.assignment_id, rubrics)
    scorecard = score_transcript(
        [_as_transcript_turn(turn) for turn in session.turns if turn.status != FAILED],
        rubrics=rubrics,
        retriever=retriever,
        judge=judge,
        scenario=library.as_scenario(session.scenario),
    )
    session.status = "ended"
    session.ended_at = utcnow()
    db.add(
        StoredScorecard(
            session_id=session.id,
            rubric_set=rubrics.name,
            levels=scorecard.levels(),
            payload=scorecard.model_dump(mode="json"),
        )
    )
    db.commit()
    return scorecard


def stored_scorecard(db: Session, session: PracticeSession) -> Scorecard:
    row = db.scalar(select(StoredScorecard).where(StoredScorecard.session_id == session.id))
    if row is None:
        raise Conflict(f"practice session '{session.id}' is still active: end it to be scored")
    return Scorecard.model_validate(row.payload)


def add_judgement(
    db: Session,
    session_id: str,
    *,
    rubrics: RubricSet,
    judge: ChatModel,
    budget_s: float,
) -> JudgeResult | None:
    """The LLM judge's opinion, added to a stored scorecard after it was returned, within the
    judge's own time budget: a slow CPU model never delays the levels. Failed turns and text
    aimed at the scorer are left out, as for the levels; a judge that fails is stored as
    unscored with its reason. None when there is no scorecard or it already has a judgement."""
    session = get_session(db, session_id)
    row = db.scalar(select(StoredScorecard).where(StoredScorecard.session_id == session.id))
    if row is None or row.payload.get("judge") is not None:
        return None
    turns = [_as_transcript_turn(turn) for turn in session.turns if turn.status != FAILED]
    result = run_judge(
        screen_transcript(turns).turns,
        rubrics=rubrics_for_assignment(db, session.assignment_id, rubrics),
        model=judge,
        budget_s=budget_s,
    )
    row.payload = {**row.payload, "judge": result.model_dump(mode="json")}
    db.commit()
    return result


def _find_retry(session: PracticeSession, idempotency_key: str | None, text: str) -> Turn | None:
    """The already-saved turn this request repeats, if any.

    With a key, the key decides. Without one, an unanswered last learner turn with the same
    text is a retry after a failed reply (a double click, a dropped connection).
    """
    if idempotency_key is not None:
        for turn in session.turns:
            if turn.idempotency_key == idempotency_key:
                return turn
        return None
    last = session.turns[-1]
    if last.speaker == LEARNER and last.text == text:
        return last
    return None


def _failed_last_turn(session: PracticeSession) -> Turn | None:
    last = session.turns[-1]
    return last if last.speaker == LEARNER and last.status == FAILED else None


def _reply_to(session: PracticeSession, learner_turn: Turn) -> Turn | None:
    following = [t for t in session.turns if t.index == learner_turn.index + 1]
    return following[0] if following and following[0].speaker == PEER else None


def _last_peer_line(session: PracticeSession) -> str | None:
    peer_turns = [turn for turn in session.turns if turn.speaker == PEER]
    return peer_turns[-1].text if peer_turns else None


def _peer_line_before(session: PracticeSession, learner_turn: Turn) -> str | None:
    earlier = [t for t in session.turns if t.speaker == PEER and t.index < learner_turn.index]
    return earlier[-1].text if earlier else None


def _as_transcript_turn(turn: Turn) -> TranscriptTurn:
    return TranscriptTurn(
        index=turn.index,
        speaker=turn.speaker,
        text=turn.text,
        is_learner=turn.speaker == LEARNER,
    )

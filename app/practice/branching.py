"""Practise a moment again: branch a session at one of its learner turns, and compare.

A branch is a practice session of its own, linked to its parent. It starts with a copy of the
parent's turns before the branch point, each with the persona state, moves, hint, status and
idempotency key saved with it, and the peer's state is the one saved after the turn before
the branch point. Because ``advance`` is a pure step over saved state, the branch continues
exactly where the parent stood: same trust, same disclosed layers, same triggers already
fired, same lines already used.

Rules a branch inherits from its parent, unchanged: the owner, the privacy switch (as it is
at the moment of branching), the assignment, and ``created_at`` (the time the conversation
began), so every visibility rule keyed on those shows a trainer the branch exactly when it
shows the parent. Only the learner who practised may branch a session.

Deleting a session deletes its whole subtree of branches, in one transaction: a branch holds
a copy of the parent's words, and a learner who deletes a conversation must not find parts
of it kept elsewhere.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Forbidden, InvalidInput, NotFound
from app.practice.access import can_view_session, visible_sessions_clause
from app.practice.models import PracticeSession, StoredScorecard, Turn
from app.practice.schemas import BranchComparison, BranchRef, MomentReaction, SessionTree
from app.users.models import User

LEARNER = "learner"
PEER = "peer"
# Openness is a float in [0, 1]; a rise smaller than this is noise, not a better reaction.
OPENNESS_STEP = 0.01


def create_branch(
    db: Session, parent_id: str, owner: User, *, at_turn: int, engine_name: str
) -> PracticeSession:
    """A new session holding the parent's turns before ``at_turn``, ready for a new line there.

    ``at_turn`` must be the index of one of the parent's learner turns (422 otherwise). A
    session the caller cannot see is 404; one they can see but did not practise (a trainer's
    view of a learner's session) is 403.
    """
    parent = db.get(PracticeSession, parent_id)
    if parent is None or not can_view_session(db, owner, parent):
        raise NotFound(f"no practice session '{parent_id}'")
    if parent.user_id != owner.id:
        raise Forbidden("only the learner who practised this session may branch it")
    return branch_session(db, parent, at_turn=at_turn, engine_name=engine_name)


def branch_session(
    db: Session, parent: PracticeSession, *, at_turn: int, engine_name: str
) -> PracticeSession:
    """The branch itself, with no access check: for callers that decided access already
    (``create_branch``), or that hold the database (the CLI)."""
    learner_turns = {t.index for t in parent.turns if t.speaker == LEARNER}
    if at_turn not in learner_turns:
        choices = ", ".join(str(i) for i in sorted(learner_turns)) or "none yet"
        raise InvalidInput(
            f"at_turn: {at_turn} is not one of this session's learner turns ({choices})"
        )
    kept = [t for t in parent.turns if t.index < at_turn]
    before = [t for t in kept if t.speaker == PEER and t.persona_state is not None]
    # The opening peer turn always carries the initial state, so ``before`` is never empty.
    state = copy.deepcopy(before[-1].persona_state)
    branch = PracticeSession(
        id=str(uuid.uuid4()),
        scenario_id=parent.scenario_id,
        user_id=parent.user_id,
        assignment_id=parent.assignment_id,
        engine=engine_name,
        hints_enabled=parent.hints_enabled,
        private=parent.private,
        persona_state=state,
        created_at=parent.created_at,
        parent_id=parent.id,
        branch_turn=at_turn,
        branched_at=utcnow(),
    )
    for turn in kept:
        branch.turns.append(_copy_turn(turn))
    db.add(branch)
    db.commit()
    return branch


def _copy_turn(turn: Turn) -> Turn:
    return Turn(
        index=turn.index,
        speaker=turn.speaker,
        text=turn.text,
        moves=list(turn.moves),
        persona_state=copy.deepcopy(turn.persona_state),
        hint=copy.deepcopy(turn.hint),
        idempotency_key=turn.idempotency_key,
        status=turn.status,
        created_at=turn.created_at,
    )


def session_tree(db: Session, session: PracticeSession) -> SessionTree:
    """Where a session sits in its tree: its parent and branch point, and its own branches."""
    children = db.scalars(
        select(PracticeSession)
        .where(PracticeSession.parent_id == session.id)
        .order_by(PracticeSession.branched_at, PracticeSession.id)
    )
    return SessionTree(
        parent_id=session.parent_id,
        branch_turn=session.branch_turn,
        branched_at=session.branched_at,
        children=[
            BranchRef(
                id=child.id,
                branch_turn=child.branch_turn or 0,
                status=child.status,
                branched_at=child.branched_at or child.created_at,
            )
            for child in children
        ],
    )


def subtree_ids(db: Session, session_id: str) -> list[str]:
    """The session and every branch below it, parents before children."""
    found = [session_id]
    frontier = [session_id]
    while frontier:
        frontier = list(
            db.scalars(select(PracticeSession.id).where(PracticeSession.parent_id.in_(frontier)))
        )
        found.extend(frontier)
    return found


def delete_session(db: Session, session_id: str, owner: User) -> int:
    """Delete one of the owner's sessions and all its branches; returns how many sessions went.

    Rows are deleted explicitly (children first) as well as by ON DELETE CASCADE, so the
    result does not depend on a database enforcing foreign keys.
    """
    session = db.get(PracticeSession, session_id)
    if session is None or session.user_id != owner.id:
        raise NotFound(f"no practice session '{session_id}'")
    ids = subtree_ids(db, session_id)
    db.execute(delete(StoredScorecard).where(StoredScorecard.session_id.in_(ids)))
    db.execute(delete(Turn).where(Turn.session_id.in_(ids)))
    for session_id_ in reversed(ids):
        db.execute(delete(PracticeSession).where(PracticeSession.id == session_id_))
    db.commit()
    db.expunge_all()
    return len(ids)


def _reaction(session: PracticeSession, at_turn: int, *, hide_words: bool) -> MomentReaction:
    """What the learner said at ``at_turn`` and how the peer took it (None fields: not yet)."""
    by_index = {t.index: t for t in session.turns}
    line = by_index.get(at_turn)
    reply = by_index.get(at_turn + 1)
    if line is not None and line.speaker != LEARNER:
        line = None
    if reply is not None and (reply.speaker != PEER or line is None):
        reply = None
    state = (reply.persona_state if reply is not None else None) or {}
    last = state.get("last") or {}
    return MomentReaction(
        session_id=session.id,
        line="" if hide_words or line is None else line.text,
        labels=list(line.moves) if line is not None else [],
        reply="" if hide_words or reply is None else reply.text,
        answered=reply is not None,
        trust=_number(state.get("trust")),
        defensiveness=_number(state.get("defensiveness")),
        openness=_number(state.get("openness")),
        disclosed_layers=len(state["disclosed_layers"]) if "disclosed_layers" in state else None,
        triggers=list(last.get("triggers") or []),
        reaction=last.get("reaction"),
        turns_after=sum(1 for t in session.turns if t.index >= at_turn),
    )


def _number(value: object) -> float | None:
    return round(float(value), 3) if isinstance(value, int | float) else None


def _before(session: PracticeSession, at_turn: int) -> dict[str, Any]:
    peer_states = [
        t.persona_state
        for t in session.turns
        if t.index < at_turn and t.speaker == PEER and t.persona_state is not None
    ]
    return peer_states[-1] if peer_states else {}


def improved(original: MomentReaction, retry: MomentReaction) -> bool:
    """The retry opened more layers, or as many with the peer more open by a real step."""
    if not (original.answered and retry.answered):
        return False
    layers_then, layers_now = original.disclosed_layers or 0, retry.disclosed_layers or 0
    if layers_now != layers_then:
        return layers_now > layers_then
    if original.openness is None or retry.openness is None:
        return False
    return retry.openness - original.openness >= OPENNESS_STEP


def changed(original: MomentReaction, retry: MomentReaction) -> bool:
    """Whether the peer's reaction differs at all: its state, its reaction rule, or its words."""
    if not (original.answered and retry.answered):
        return False
    keys = ("trust", "defensiveness", "disclosed_layers", "reaction", "triggers", "reply")
    return any(getattr(original, key) != getattr(retry, key) for key in keys)


def compare(db: Session, branch: PracticeSession, viewer: User) -> BranchComparison:
    """The branch beside its parent from the branch point on, as ``viewer`` may see them.

    The caller has already checked that ``viewer`` sees the branch; the parent has the same
    owner and start time, so it is visible too. Words of a session marked private are left
    out for anyone but its learner (the scores stay), as on the scorecard.
    """
    if branch.parent_id is None or branch.branch_turn is None:
        raise NotFound(f"practice session '{branch.id}' is not a branch: nothing to compare")
    parent = db.get_one(PracticeSession, branch.parent_id)
    at = branch.branch_turn
    is_owner = viewer.id == branch.user_id
    original = _reaction(parent, at, hide_words=parent.private and not is_owner)
    retry = _reaction(branch, at, hide_words=branch.private and not is_owner)
    before = _before(branch, at)
    levels = {sid: _levels(db, sid) for sid in (parent.id, branch.id)}
    return BranchComparison(
        branch_id=branch.id,
        parent_id=parent.id,
        at_turn=at,
        trust_before=_number(before.get("trust")),
        openness_before=_number(before.get("openness")),
        disclosed_layers_before=len(before.get("disclosed_layers") or []),
        original=original,
        retry=retry,
        changed=changed(original, retry),
        improved=improved(original, retry),
        parent_levels=levels[parent.id],
        branch_levels=levels[branch.id],
    )


def _levels(db: Session, session_id: str) -> dict[str, int | None] | None:
    row = db.scalar(select(StoredScorecard.levels).where(StoredScorecard.session_id == session_id))
    return dict(row) if row is not None else None


@dataclass(frozen=True)
class RetriedMoment:
    branch_id: str
    parent_id: str
    scenario: str
    at_turn: int
    improved: bool


def retried_moments(
    db: Session, learner_id: int, *, viewer: User | None = None
) -> list[RetriedMoment]:
    """Every moment the learner practised again (a branch whose new line got a reply).

    Visibility is the same WHERE clause as the rest of progress; a branch and its parent share
    it, so a trainer counts exactly the retries of sessions they may see.
    """
    branches = db.scalars(
        select(PracticeSession)
        .where(
            visible_sessions_clause(db, viewer, learner_id), PracticeSession.parent_id.is_not(None)
        )
        .order_by(PracticeSession.branched_at)
    )
    moments = []
    for branch in branches:
        at = branch.branch_turn
        parent = db.get(PracticeSession, branch.parent_id) if branch.parent_id else None
        if at is None or parent is None:
            continue
        retry = _reaction(branch, at, hide_words=True)
        if not retry.answered:
            continue
        original = _reaction(parent, at, hide_words=True)
        moments.append(
            RetriedMoment(
                branch_id=branch.id,
                parent_id=parent.id,
                scenario=branch.scenario.slug,
                at_turn=at,
                improved=improved(original, retry),
            )
        )
    return moments

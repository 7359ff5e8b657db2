"""Progress: each learner's assignment status, per-skill levels from stored scorecards, and
the question-style profile.

Both are computed from what is stored (scorecard levels, coded moves per turn), so a progress
view never re-scores anything and always matches the scorecards the learner saw.

Branches (a moment practised again, app/practice/branching.py) stay out of both series: each
repeats its parent's turns up to the branch point, and counting them would count those lines
twice. They are counted on their own instead: moments retried, and how many improved.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.cohorts.assignments import AssignmentStatus, assignees, assignments_for_learner
from app.cohorts.models import Assignment, Cohort
from app.cohorts.service import member_ids
from app.db import as_utc, utcnow
from app.practice.access import visible_sessions_clause
from app.practice.branching import retried_moments
from app.practice.models import PracticeSession, StoredScorecard
from app.skills import SKILL_IDS
from app.users.models import User

SKILLS = SKILL_IDS


class SessionPoint(BaseModel):
    session_id: str
    scenario: str
    ended_at: datetime
    levels: dict[str, int | None]
    private: bool


class QuestionStylePoint(BaseModel):
    """One session's question style; the session id links the point to its transcript."""

    session_id: str
    scenario: str
    ended_at: datetime
    questions: int
    open_question_pct: float | None
    why_questions: int
    leading_questions: int
    stacked_turns: int
    reflections: int
    reflection_to_question: float | None


class RetryPoint(BaseModel):
    """A moment practised again: the branch, its parent, and whether the peer took it better."""

    branch_id: str
    parent_id: str
    scenario: str
    at_turn: int
    improved: bool


class LearnerProgress(BaseModel):
    learner_id: int
    display_name: str
    email: str
    sessions: list[SessionPoint]
    retried_moments: int = 0
    improved_moments: int = 0
    retries: list[RetryPoint] = []
    latest_levels: dict[str, int | None]
    trend: dict[str, int | None]  # latest level minus first level, per skill
    assignments: dict[int, AssignmentStatus]
    behind: bool


def session_points(
    db: Session, learner_id: int, *, viewer: User | None = None
) -> list[SessionPoint]:
    rows = db.execute(
        select(PracticeSession, StoredScorecard)
        .join(StoredScorecard, StoredScorecard.session_id == PracticeSession.id)
        .where(visible_sessions_clause(db, viewer, learner_id), PracticeSession.parent_id.is_(None))
        .order_by(PracticeSession.ended_at)
    ).all()
    return [
        SessionPoint(
            session_id=session.id,
            scenario=session.scenario.slug,
            ended_at=session.ended_at or session.created_at,
            levels={skill: card.levels.get(skill) for skill in SKILLS},
            private=session.private,
        )
        for session, card in rows
    ]


def question_style(
    db: Session, learner_id: int, *, viewer: User | None = None
) -> list[QuestionStylePoint]:
    sessions = db.scalars(
        select(PracticeSession)
        .where(
            visible_sessions_clause(db, viewer, learner_id),
            PracticeSession.status == "ended",
            PracticeSession.parent_id.is_(None),
        )
        .order_by(PracticeSession.ended_at)
    )
    return [_question_style_point(session) for session in sessions]


def _question_style_point(session: PracticeSession) -> QuestionStylePoint:
    counts: Counter[str] = Counter()
    for turn in session.turns:
        if turn.speaker == "learner":
            counts.update(turn.moves)
    open_q, closed_q = counts["open_question"], counts["closed_question"]
    questions = open_q + closed_q
    reflections = counts["simple_reflection"] + counts["complex_reflection"]
    return QuestionStylePoint(
        session_id=session.id,
        scenario=session.scenario.slug,
        ended_at=session.ended_at or session.created_at,
        questions=questions,
        open_question_pct=round(100 * open_q / questions, 1) if questions else None,
        why_questions=counts["why_question"],
        leading_questions=counts["leading_question"],
        stacked_turns=counts["stacked_questions"],
        reflections=reflections,
        reflection_to_question=round(reflections / questions, 2) if questions else None,
    )


def learner_progress(
    db: Session,
    learner: User,
    *,
    assignments: list[Assignment] | None = None,
    viewer: User | None = None,
) -> LearnerProgress:
    """The learner's progress as ``viewer`` may see it (None: the learner's own view)."""
    points = session_points(db, learner.id, viewer=viewer)
    assigned = assignments if assignments is not None else assignments_for_learner(db, learner)
    statuses = {a.id: learner_status(db, a, learner.id) for a in assigned}
    now = utcnow()
    behind = any(
        statuses[a.id] in (AssignmentStatus.NOT_STARTED, AssignmentStatus.IN_PROGRESS)
        and a.due_at is not None
        and as_utc(a.due_at) < now
        for a in assigned
    )
    first, latest = (points[0].levels, points[-1].levels) if points else ({}, {})
    retries = [
        RetryPoint(**vars(moment)) for moment in retried_moments(db, learner.id, viewer=viewer)
    ]
    return LearnerProgress(
        learner_id=learner.id,
        display_name=learner.display_name,
        email=learner.email,
        sessions=points,
        retried_moments=len(retries),
        improved_moments=sum(r.improved for r in retries),
        retries=retries,
        latest_levels={skill: latest.get(skill) for skill in SKILLS},
        trend={skill: _change(first.get(skill), latest.get(skill)) for skill in SKILLS},
        assignments=statuses,
        behind=behind,
    )


def _change(first: int | None, latest: int | None) -> int | None:
    """Latest minus first level; unknown unless the skill was scored both times."""
    return None if first is None or latest is None else latest - first


def cohort_progress(
    db: Session, cohort: Cohort, *, viewer: User | None = None
) -> list[LearnerProgress]:
    """Each member's progress as ``viewer`` sees it; by default as the cohort's trainer."""
    viewer = viewer or db.get(User, cohort.trainer_id)
    assignments = list(db.scalars(select(Assignment).where(Assignment.cohort_id == cohort.id)))
    # Ordered here: without ORDER BY, PostgreSQL may return rows in any order (SQLite happened
    # to use insertion order), and the progress table and CSV should not reshuffle.
    learners = db.scalars(
        select(User).where(User.id.in_(member_ids(cohort))).order_by(User.display_name, User.id)
    )
    return [
        learner_progress(
            db,
            learner,
            assignments=assignments
            + list(db.scalars(select(Assignment).where(Assignment.learner_id == learner.id))),
            viewer=viewer,
        )
        for learner in learners
    ]


def assignment_rows(db: Session, assignment: Assignment) -> list[tuple[User, AssignmentStatus]]:
    return [(user, learner_status(db, assignment, user.id)) for user in assignees(db, assignment)]


def progress_csv(progress: list[LearnerProgress]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "learner",
            "email",
            "sessions_scored",
            *(f"latest_{skill}" for skill in SKILLS),
            *(f"trend_{skill}" for skill in SKILLS),
            "assignments_not_started",
            "assignments_in_progress",
            "assignments_done",
            "assignments_target_met",
            "behind",
        ]
    )
    for row in progress:
        statuses = Counter(row.assignments.values())
        writer.writerow(
            [
                row.display_name,
                row.email,
                len(row.sessions),
                *(_blank(row.latest_levels[skill]) for skill in SKILLS),
                *(_blank(row.trend[skill]) for skill in SKILLS),
                *(statuses[status] for status in AssignmentStatus),
                "yes" if row.behind else "no",
            ]
        )
    return buffer.getvalue()


def _blank(value: int | None) -> str:
    return "" if value is None else str(value)


def learner_status(db: Session, assignment: Assignment, learner_id: int) -> AssignmentStatus:
    sessions = list(
        db.scalars(
            select(PracticeSession).where(
                PracticeSession.user_id == learner_id,
                or_(
                    PracticeSession.assignment_id == assignment.id,
                    PracticeSession.created_at >= assignment.created_at,
                ),
            )
        )
    )
    sessions = [
        s
        for s in sessions
        if s.assignment_id == assignment.id or s.scenario.slug == assignment.scenario_slug
    ]
    if not sessions:
        return AssignmentStatus.NOT_STARTED
    ended = [s.id for s in sessions if s.status == "ended"]
    if not ended:
        return AssignmentStatus.IN_PROGRESS
    scorecards = db.scalars(select(StoredScorecard).where(StoredScorecard.session_id.in_(ended)))
    if any(meets_targets(card.levels, assignment.target_levels) for card in scorecards):
        return AssignmentStatus.TARGET_MET
    return AssignmentStatus.DONE


def meets_targets(levels: dict[str, int | None], targets: dict[str, int]) -> bool:
    return all((levels.get(skill) or 0) >= target for skill, target in targets.items())

"""Progress endpoints: a cohort's and a learner's progress (and CSV), assignment status per
learner, and the learner's own progress and question style."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from app.cohorts import access, service
from app.cohorts import assignments as assignment_service
from app.cohorts.schemas import AssignmentDetail, AssignmentOut, LearnerStatus, MyAssignment
from app.deps import DbSession
from app.progress import service as progress
from app.users.auth import CurrentUser, TrainerUser
from app.users.schemas import UserPublic

router = APIRouter(prefix="/api/v1", tags=["cohorts"])


@router.get("/cohorts/{cohort_id}/progress")
def cohort_progress(
    cohort_id: int, trainer: TrainerUser, db: DbSession
) -> list[progress.LearnerProgress]:
    cohort = service.cohort_for_trainer(db, cohort_id, trainer)
    return progress.cohort_progress(db, cohort, viewer=trainer)


@router.get(
    "/cohorts/{cohort_id}/progress.csv",
    response_class=PlainTextResponse,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "One row per learner: latest levels, trends, assignment counts.",
        }
    },
)
def cohort_progress_csv(cohort_id: int, trainer: TrainerUser, db: DbSession) -> PlainTextResponse:
    cohort = service.cohort_for_trainer(db, cohort_id, trainer)
    body = progress.progress_csv(progress.cohort_progress(db, cohort, viewer=trainer))
    filename = f"rehearse-cohort-{cohort.id}-progress.csv"
    return PlainTextResponse(
        body,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/learners/{learner_id}/progress")
def learner_progress(
    learner_id: int, trainer: TrainerUser, db: DbSession
) -> progress.LearnerProgress:
    learner = access.learner_visible_to(db, trainer, learner_id)
    return progress.learner_progress(db, learner, viewer=trainer)


@router.get("/assignments/{assignment_id}")
def get_assignment(assignment_id: int, trainer: TrainerUser, db: DbSession) -> AssignmentDetail:
    assignment = assignment_service.assignment_for_trainer(db, assignment_id, trainer)
    return AssignmentDetail(
        **AssignmentOut.from_row(assignment).model_dump(),
        statuses=[
            LearnerStatus(learner=UserPublic.from_row(user), status=state)
            for user, state in progress.assignment_rows(db, assignment)
        ],
    )


@router.get("/me/assignments")
def my_assignments(user: CurrentUser, db: DbSession) -> list[MyAssignment]:
    return [
        MyAssignment(
            **AssignmentOut.from_row(a).model_dump(),
            status=progress.learner_status(db, a, user.id),
        )
        for a in assignment_service.assignments_for_learner(db, user)
    ]


@router.get("/me/progress")
def my_progress(user: CurrentUser, db: DbSession) -> progress.LearnerProgress:
    return progress.learner_progress(db, user)


@router.get("/me/question-style")
def my_question_style(user: CurrentUser, db: DbSession) -> list[progress.QuestionStylePoint]:
    return progress.question_style(db, user.id)

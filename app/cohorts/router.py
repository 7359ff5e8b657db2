"""Trainer endpoints (cohorts, assignments, custom rubrics, progress, CSV) and the learner's own
progress."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from fastapi.responses import PlainTextResponse
from sqlalchemy.orm import Session

from app.cohorts import assignments as assignment_service
from app.cohorts import progress, rubrics, service
from app.cohorts.models import CustomRubric
from app.cohorts.schemas import (
    AssignmentCreate,
    AssignmentDetail,
    AssignmentOut,
    CohortCreate,
    CohortDetail,
    CohortOut,
    Enrolment,
    InvitationOut,
    LearnerStatus,
    MemberAdd,
    MyAssignment,
    RubricCreate,
    RubricDetail,
    RubricOut,
    RubricUpdate,
    RubricVersion,
)
from app.deps import DbSession, ServicesDep
from app.errors import InvalidInput, NotFound
from app.scenarios import library
from app.users import service as user_service
from app.users.auth import CurrentUser, TrainerUser
from app.users.models import User
from app.users.schemas import UserPublic

router = APIRouter(prefix="/api/v1", tags=["cohorts"])


@router.get("/cohorts")
def list_cohorts(trainer: TrainerUser, db: DbSession) -> list[CohortOut]:
    return [CohortOut.from_row(c) for c in service.visible_cohorts(db, trainer)]


@router.post("/cohorts", status_code=status.HTTP_201_CREATED)
def create_cohort(body: CohortCreate, trainer: TrainerUser, db: DbSession) -> CohortOut:
    return CohortOut.from_row(service.create_cohort(db, trainer=trainer, name=body.name))


@router.get("/cohorts/{cohort_id}")
def get_cohort(cohort_id: int, trainer: TrainerUser, db: DbSession) -> CohortDetail:
    cohort = service.cohort_for_trainer(db, cohort_id, trainer)
    members = [user_service.get_user(db, uid) for uid in service.member_ids(cohort)]
    invited = [
        user_service.get_user(db, inv.user_id)
        for inv in service.pending_invitations(db, cohort=cohort)
    ]
    return CohortDetail(
        **CohortOut.from_row(cohort).model_dump(),
        members=[UserPublic.from_row(m) for m in members],
        invited=[UserPublic.from_row(u) for u in invited],
    )


@router.post(
    "/cohorts/{cohort_id}/members",
    status_code=status.HTTP_201_CREATED,
    responses={202: {"model": Enrolment, "description": "Invited; joins on accepting"}},
)
def add_member(
    cohort_id: int, body: MemberAdd, trainer: TrainerUser, db: DbSession, response: Response
) -> Enrolment:
    """An admin adds anyone at once (201); a trainer invites a learner, who must accept (202)."""
    cohort = service.cohort_for_trainer(db, cohort_id, trainer)
    person = user_service.find_by_email(db, body.email)
    if person is None:
        raise NotFound(f"no user with email '{body.email}'")
    invitation = service.enrol(db, cohort, person, by=trainer)
    if invitation is not None:
        response.status_code = status.HTTP_202_ACCEPTED
    return Enrolment(
        status="invited" if invitation else "member",
        invitation_id=invitation.id if invitation else None,
        cohort=CohortOut.from_row(cohort),
    )


@router.get("/me/invitations")
def my_invitations(user: CurrentUser, db: DbSession) -> list[InvitationOut]:
    """Cohorts you are invited to; accept to let their trainer see your practice from now on."""
    return [InvitationOut.from_row(inv, db) for inv in service.pending_invitations(db, user=user)]


@router.post("/me/invitations/{invitation_id}/accept")
def accept_invitation(invitation_id: int, user: CurrentUser, db: DbSession) -> CohortOut:
    return CohortOut.from_row(service.accept_invitation(db, invitation_id, user))


@router.post("/me/invitations/{invitation_id}/decline", status_code=status.HTTP_204_NO_CONTENT)
def decline_invitation(invitation_id: int, user: CurrentUser, db: DbSession) -> None:
    service.decline_invitation(db, invitation_id, user)


@router.delete("/me/cohorts/{cohort_id}", status_code=status.HTTP_204_NO_CONTENT)
def leave_cohort(cohort_id: int, user: CurrentUser, db: DbSession) -> None:
    service.leave_cohort(db, cohort_id, user)


@router.delete("/cohorts/{cohort_id}/members/{user_id}")
def remove_member(cohort_id: int, user_id: int, trainer: TrainerUser, db: DbSession) -> CohortOut:
    cohort = service.cohort_for_trainer(db, cohort_id, trainer)
    service.remove_member(db, cohort, user_id)
    return CohortOut.from_row(cohort)


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
    learner = _learner_visible_to(db, trainer, learner_id)
    return progress.learner_progress(db, learner, viewer=trainer)


@router.get("/assignments")
def list_assignments(trainer: TrainerUser, db: DbSession) -> list[AssignmentOut]:
    rows = assignment_service.assignments_for_trainer(db, trainer)
    return [AssignmentOut.from_row(a) for a in rows]


@router.post("/assignments", status_code=status.HTTP_201_CREATED)
def create_assignment(body: AssignmentCreate, trainer: TrainerUser, db: DbSession) -> AssignmentOut:
    library.current_version(db, body.scenario_id)  # 404 for an unknown scenario
    cohort = service.cohort_for_trainer(db, body.cohort_id, trainer) if body.cohort_id else None
    learner = _learner_visible_to(db, trainer, body.learner_id) if body.learner_id else None
    if body.rubric_id is not None:
        rubrics.for_viewer(db, body.rubric_id, trainer)  # 404 for someone else's rubric
    assignment = assignment_service.create_assignment(
        db,
        trainer=trainer,
        scenario_slug=body.scenario_id,
        cohort=cohort,
        learner=learner,
        due_at=body.due_at,
        target_levels=body.target_levels,
        rubric_id=body.rubric_id,
    )
    return AssignmentOut.from_row(assignment)


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


@router.get("/custom-rubrics")
def list_custom_rubrics(trainer: TrainerUser, db: DbSession) -> list[RubricOut]:
    """The newest version of each of your rubrics (everyone's, for an admin)."""
    return [RubricOut.model_validate(row) for row in rubrics.visible(db, trainer)]


@router.post("/custom-rubrics", status_code=status.HTTP_201_CREATED)
def create_custom_rubric(
    body: RubricCreate, trainer: TrainerUser, db: DbSession, services: ServicesDep
) -> RubricDetail:
    """Add a rubric, validated like the built-in files; a bad field is a 422 naming it."""
    row = rubrics.create(db, owner=trainer, name=body.name, text=body.yaml, base=services.rubrics)
    return _rubric_detail(db, row)


@router.get("/custom-rubrics/{rubric_id}")
def get_custom_rubric(rubric_id: int, trainer: TrainerUser, db: DbSession) -> RubricDetail:
    return _rubric_detail(db, rubrics.for_viewer(db, rubric_id, trainer))


@router.put("/custom-rubrics/{rubric_id}")
def update_custom_rubric(
    rubric_id: int,
    body: RubricUpdate,
    trainer: TrainerUser,
    db: DbSession,
    services: ServicesDep,
) -> RubricDetail:
    """Save a new version; assignments made earlier keep the version they were given."""
    row = rubrics.for_viewer(db, rubric_id, trainer)
    return _rubric_detail(db, rubrics.add_version(db, row, text=body.yaml, base=services.rubrics))


@router.get("/me/assignments")
def my_assignments(user: CurrentUser, db: DbSession) -> list[MyAssignment]:
    return [
        MyAssignment(
            **AssignmentOut.from_row(a).model_dump(),
            status=assignment_service.learner_status(db, a, user.id),
        )
        for a in assignment_service.assignments_for_learner(db, user)
    ]


@router.get("/me/progress")
def my_progress(user: CurrentUser, db: DbSession) -> progress.LearnerProgress:
    return progress.learner_progress(db, user)


@router.get("/me/question-style")
def my_question_style(user: CurrentUser, db: DbSession) -> list[progress.QuestionStylePoint]:
    return progress.question_style(db, user.id)


def _learner_visible_to(db: DbSession, trainer: User, learner_id: int) -> User:
    from app.cohorts.access import can_view_learner

    if not can_view_learner(db, trainer, learner_id):
        raise NotFound(f"no learner {learner_id}")
    learner = user_service.get_user(db, learner_id)
    if learner.role == "admin" and trainer.role != "admin":
        raise InvalidInput("learner_id: not a learner")
    return learner


def _rubric_detail(db: Session, row: CustomRubric) -> RubricDetail:
    try:
        parsed, problem = rubrics.parsed(row), None
    except InvalidInput as exc:
        parsed, problem = None, exc.message
    return RubricDetail(
        **RubricOut.model_validate(row).model_dump(),
        yaml=row.source_yaml,
        rubric=parsed,
        problem=problem,
        versions=[RubricVersion.model_validate(v) for v in rubrics.versions(db, row)],
    )

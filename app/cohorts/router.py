"""Trainer endpoints: cohorts, invitations, assignments, custom rubrics (progress: app.progress)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from sqlalchemy.orm import Session

from app.cohorts import access, rubrics, service
from app.cohorts import assignments as assignment_service
from app.cohorts.models import CustomRubric
from app.cohorts.schemas import (
    AssignmentCreate,
    AssignmentOut,
    CohortCreate,
    CohortDetail,
    CohortOut,
    Enrolment,
    InvitationOut,
    MemberAdd,
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


@router.get("/assignments")
def list_assignments(trainer: TrainerUser, db: DbSession) -> list[AssignmentOut]:
    rows = assignment_service.assignments_for_trainer(db, trainer)
    return [AssignmentOut.from_row(a) for a in rows]


@router.post("/assignments", status_code=status.HTTP_201_CREATED)
def create_assignment(body: AssignmentCreate, trainer: TrainerUser, db: DbSession) -> AssignmentOut:
    library.current_version(db, body.scenario_id)  # 404 for an unknown scenario
    cohort = service.cohort_for_trainer(db, body.cohort_id, trainer) if body.cohort_id else None
    learner = access.learner_visible_to(db, trainer, body.learner_id) if body.learner_id else None
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

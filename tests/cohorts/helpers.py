"""Cohort test helpers: a trainer invites, the learner accepts (the only way a trainer adds one)."""

from __future__ import annotations

import httpx


def join_cohort(trainer: httpx.Client, learner: httpx.Client, cohort_id: int, email: str) -> None:
    invited = trainer.post(f"/api/v1/cohorts/{cohort_id}/members", json={"email": email})
    assert invited.status_code == 202, invited.text
    invitation = invited.json()["invitation_id"]
    accepted = learner.post(f"/api/v1/me/invitations/{invitation}/accept")
    assert accepted.status_code == 200, accepted.text

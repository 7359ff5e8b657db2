"""The three skills Rehearse scores: one enum, used wherever a skill is named."""

from __future__ import annotations

from enum import StrEnum


class Skill(StrEnum):
    """The three skills Rehearse scores, in the order scorecards and progress show them."""

    ACTIVE_LISTENING = "active_listening"
    QUESTIONING = "questioning"
    FEEDBACK = "feedback"


SKILL_IDS: tuple[str, ...] = tuple(skill.value for skill in Skill)

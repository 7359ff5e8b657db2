"""API shapes for scenarios. The learner sees the brief, not the persona's hidden layers."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.scenarios.models import ScenarioVersion


class ScenarioSummary(BaseModel):
    id: str
    version: int
    title: str
    summary: str
    use: str
    difficulty: str
    target_skills: list[str]
    source: str

    @classmethod
    def from_row(cls, row: ScenarioVersion) -> ScenarioSummary:
        c = row.content
        return cls(
            id=row.slug,
            version=row.version,
            title=c["title"],
            summary=c["summary"],
            use=c["use"],
            difficulty=c["difficulty"],
            target_skills=c["target_skills"],
            source=row.source,
        )


class PeerProfile(BaseModel):
    """What a learner may know about the peer before the conversation."""

    name: str
    role: str


class ScenarioDetail(ScenarioSummary):
    learner_brief: str
    peer: PeerProfile
    success_criteria: list[str]
    suggested_techniques: list[str]

    @classmethod
    def from_row(cls, row: ScenarioVersion) -> ScenarioDetail:
        c = row.content
        return cls(
            **ScenarioSummary.from_row(row).model_dump(),
            learner_brief=c["learner_brief"],
            peer=PeerProfile(name=c["persona"]["name"], role=c["persona"]["role"]),
            success_criteria=c["success_criteria"],
            suggested_techniques=c["suggested_techniques"],
        )


class ScenarioAuthoring(BaseModel):
    yaml: str = Field(min_length=1, max_length=200_000, description="The scenario as YAML.")

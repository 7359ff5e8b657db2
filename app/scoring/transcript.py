"""A transcript as the scorer sees it: ordered turns, each marked learner or not."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class TranscriptTurn(BaseModel):
    model_config = ConfigDict(frozen=True)

    index: int
    speaker: str
    text: str
    is_learner: bool

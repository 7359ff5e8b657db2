"""The conversation types every domain shares: a turn as scorers and peers see it, and who spoke.

Practice stores turns, the peer engines answer them, the scorers and the judge read them, and
imported transcripts are parsed into them: one definition, below every domain.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

LEARNER = "learner"  # the speaker id of the person practising
PEER = "peer"  # the speaker id of the AI colleague they talk to


class TranscriptTurn(BaseModel):
    """One turn: its position, who spoke (a speaker id or a name), what was said."""

    model_config = ConfigDict(frozen=True)

    index: int
    speaker: str
    text: str
    is_learner: bool

"""The contract every peer engine (built-in or LLM) fulfils."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from app.conversation import TranscriptTurn
from app.persona.state import PersonaState
from app.scenarios.schema import Scenario


class PeerEngine(Protocol):
    name: str

    def stream_reply(
        self,
        scenario: Scenario,
        state: PersonaState,
        history: list[TranscriptTurn],
        learner_text: str,
    ) -> Iterator[str]:
        """Yield the peer's reply in chunks. ``state`` is already updated for this learner turn."""
        ...

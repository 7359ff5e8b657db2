"""The built-in peer: says the authored lines that ``advance`` chose for this turn.

No model and no network, so it is the default and what the eval and tests run on. Choosing
happens in ``advance`` (it needs the used lines, which live in the state); this engine only
voices the choice, one line per chunk so the web client streams it like an LLM reply.
"""

from __future__ import annotations

from collections.abc import Iterator

from app.conversation import TranscriptTurn
from app.persona.state import PersonaState
from app.scenarios.schema import Scenario


class BuiltinPeerEngine:
    name = "built-in"

    def stream_reply(
        self,
        scenario: Scenario,
        state: PersonaState,
        history: list[TranscriptTurn],
        learner_text: str,
    ) -> Iterator[str]:
        for i, line in enumerate(state.last.reply):
            yield line if i == 0 else " " + line

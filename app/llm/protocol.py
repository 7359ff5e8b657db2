"""What the rest of the app needs from a chat model, and nothing more."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, Protocol

from pydantic import BaseModel


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str


class ChatModel(Protocol):
    """Implementations raise app.errors.LLMUnavailable once their retries are spent."""

    model_name: str

    def complete(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int,
        temperature: float = 0.7,
        json_output: bool = False,
    ) -> str: ...

    def stream(
        self, messages: list[ChatMessage], *, max_tokens: int, temperature: float = 0.7
    ) -> Iterator[str]: ...

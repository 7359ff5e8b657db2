"""What the rest of the app needs from a chat model, and nothing more."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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
        stop: Sequence[str] = (),
        budget_s: float | None = None,
    ) -> str: ...

    def stream(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int,
        temperature: float = 0.7,
        stop: Sequence[str] = (),
        budget_s: float | None = None,
    ) -> Iterator[str]: ...


OPENING_CUE = "(You are approached by a colleague who wants to talk.)"


def alternating(messages: Sequence[ChatMessage]) -> list[ChatMessage]:
    """The messages in the order strict chat templates accept: at most one system message,
    first; then user and assistant turns alternating, starting with user and ending with user.

    Gemma, Mistral and most vLLM templates reject anything else with HTTP 400. Consecutive
    messages of one role are joined (a failed turn must not leave user, user), a conversation
    that starts with the peer's own opening line gets a short user cue before it, and system
    text after the first message is folded into the next user message.
    """
    system = [m.content for m in messages if m.role == "system"][:1]
    out: list[ChatMessage] = []
    pending_note: list[str] = []
    for message in messages:
        if message.role == "system":
            if out or system[0] != message.content:
                pending_note.append(message.content)
            continue
        content = message.content
        if message.role == "user" and pending_note:
            content = "\n\n".join([*pending_note, content])
            pending_note = []
        if not out and message.role == "assistant":
            out.append(ChatMessage(role="user", content=OPENING_CUE))
        if out and out[-1].role == message.role:
            out[-1] = ChatMessage(role=message.role, content=f"{out[-1].content}\n\n{content}")
        else:
            out.append(ChatMessage(role=message.role, content=content))
    if pending_note:
        note = "\n\n".join(pending_note)
        if out and out[-1].role == "user":
            out[-1] = ChatMessage(role="user", content=f"{out[-1].content}\n\n{note}")
        else:
            out.append(ChatMessage(role="user", content=note))
    if not out or out[-1].role != "user":
        out.append(ChatMessage(role="user", content=OPENING_CUE))
    head = [ChatMessage(role="system", content=system[0])] if system else []
    return head + out

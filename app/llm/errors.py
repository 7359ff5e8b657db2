"""Errors at the LLM boundary, beyond the generic LLMUnavailable."""

from __future__ import annotations

from app.errors import LLMUnavailable


class LLMBusy(LLMUnavailable):
    """Every allowed LLM call is in flight: the caller should answer 503 with Retry-After.

    A subclass of LLMUnavailable, so any handler of that still answers 503; a handler that
    knows this one can add Retry-After (``retry_after_s``).
    """

    code = "llm_busy"

    def __init__(self, message: str, *, retry_after_s: int = 5) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

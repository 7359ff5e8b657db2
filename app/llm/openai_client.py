"""The only module that imports ``openai``: a ChatModel for any OpenAI-compatible endpoint.

Faults are handled in two layers, both inside one time budget per call (``budget_s``, all
attempts and waits together), so a CPU model never keeps a learner waiting 90 seconds for an
error. The openai client retries what it can see before a reply starts (connection refused,
timeouts, 429, 5xx) with its own backoff, honouring Retry-After, each attempt given only what is
left of the budget. This module retries, with exponential backoff, what the client counts as
success: an empty reply, a JSON reply cut off or unparseable, and a stream that breaks or ends
without a finish reason before any text came out. A stream that breaks after text has already
been handed on cannot be retried without saying things twice, so it fails at once. Every
failure leaves as LLMUnavailable, with the server's own reason for a 4xx/5xx.

At most ``max_concurrency`` calls run at once per process; one more is refused at once with
LLMBusy (the HTTP layer answers 503 with Retry-After) instead of queueing behind a slow model.
Messages are sent in strict alternation (``alternating``), which strict chat templates require.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import cast

import openai
from openai.types.chat import ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONObject

from app.config import Settings
from app.errors import LLMBusy, LLMUnavailable
from app.llm.protocol import ChatMessage, ChatModel, alternating

log = logging.getLogger(__name__)

_MAX_BACKOFF_S = 8.0
_MAX_ERROR_TEXT = 300


class OpenAIChatModel:
    """Chat completions over HTTP with the official client; streaming and JSON mode."""

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout_s: float = 30.0,
        max_retries: int = 2,
        backoff_s: float = 0.5,
        max_concurrency: int = 4,
    ) -> None:
        self.model_name = model
        self._base_url = base_url
        self._attempts = max_retries + 1
        self._backoff_s = backoff_s
        self._timeout_s = timeout_s
        self._slots = threading.BoundedSemaphore(max_concurrency)
        # Local servers ignore the key, but the client refuses to start without one.
        self._client = openai.OpenAI(
            base_url=base_url,
            api_key=api_key or "not-needed",
            timeout=timeout_s,
            max_retries=max_retries,
        )

    def complete(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int,
        temperature: float = 0.7,
        json_output: bool = False,
        stop: Sequence[str] = (),
        budget_s: float | None = None,
    ) -> str:
        response_format: ResponseFormatJSONObject | openai.Omit = (
            {"type": "json_object"} if json_output else openai.omit
        )
        deadline = time.monotonic() + (budget_s or self._timeout_s * self._attempts)
        problem = "no reply"
        with self._slot():
            for attempt in range(self._attempts):
                self._wait_before(attempt, problem, deadline)
                try:
                    response = self._client.chat.completions.create(
                        model=self.model_name,
                        messages=_wire(messages),
                        max_tokens=max_tokens,
                        temperature=temperature,
                        response_format=response_format,
                        stop=list(stop) or openai.omit,
                        timeout=self._remaining(deadline),
                    )
                except openai.APIError as exc:
                    raise LLMUnavailable(self._describe(exc)) from exc
                choice = response.choices[0] if response.choices else None
                text = (choice.message.content or "") if choice else ""
                finish = choice.finish_reason if choice else None
                problem = _reply_problem(text, finish, json_output) or ""
                if not problem:
                    return text
        raise LLMUnavailable(f"the language model gave {problem} {self._attempts} time(s)")

    def stream(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int,
        temperature: float = 0.7,
        stop: Sequence[str] = (),
        budget_s: float | None = None,
    ) -> Iterator[str]:
        deadline = time.monotonic() + (budget_s or self._timeout_s * self._attempts)
        with self._slot():  # held until the stream is read or closed
            yield from self._stream(messages, max_tokens, temperature, stop, deadline)

    def _stream(
        self,
        messages: list[ChatMessage],
        max_tokens: int,
        temperature: float,
        stop: Sequence[str],
        deadline: float,
    ) -> Iterator[str]:
        problem = "no reply"
        for attempt in range(self._attempts):
            self._wait_before(attempt, problem, deadline)
            try:
                chunks = self._client.chat.completions.create(
                    model=self.model_name,
                    messages=_wire(messages),
                    max_tokens=max_tokens,
                    temperature=temperature,
                    stop=list(stop) or openai.omit,
                    stream=True,
                    timeout=self._remaining(deadline),
                )
            except openai.APIError as exc:
                raise LLMUnavailable(self._describe(exc)) from exc
            yielded = False
            finished = False
            try:
                with chunks:
                    for chunk in chunks:
                        choice = chunk.choices[0] if chunk.choices else None
                        if choice is None:
                            continue
                        if choice.delta.content:
                            yielded = True
                            yield choice.delta.content
                        finished = finished or choice.finish_reason is not None
            except openai.APIError as exc:
                # Raised while reading an accepted stream, which the client never retries.
                if yielded:
                    raise LLMUnavailable(self._describe(exc, mid_reply=True)) from exc
                problem = "a broken stream"
                continue
            if yielded and finished:
                return
            if yielded:
                raise LLMUnavailable("the language model's reply was cut off mid-way")
            problem = "an empty reply"
        raise LLMUnavailable(f"the language model gave {problem} {self._attempts} time(s)")

    @contextmanager
    def _slot(self) -> Iterator[None]:
        if not self._slots.acquire(blocking=False):
            raise LLMBusy("every language model slot is busy; try again in a few seconds")
        try:
            yield
        finally:
            self._slots.release()

    def _remaining(self, deadline: float) -> float:
        left = deadline - time.monotonic()
        if left <= 0.05:
            raise LLMUnavailable(
                f"the language model at {self._base_url} did not answer within the time budget"
            )
        # The openai client may retry inside one call: share what is left between its tries.
        return min(left / (self._client.max_retries + 1), self._timeout_s)

    def _wait_before(self, attempt: int, problem: str, deadline: float) -> None:
        if attempt == 0:
            return
        delay = min(self._backoff_s * 2 ** (attempt - 1), _MAX_BACKOFF_S)
        if time.monotonic() + delay >= deadline:
            raise LLMUnavailable(
                f"the language model gave {problem}, and no time is left to try again"
            )
        log.warning("LLM gave %s; retry %d in %.2fs", problem, attempt, delay)
        time.sleep(delay)

    def _describe(self, exc: openai.APIError, *, mid_reply: bool = False) -> str:
        """A message a learner can act on; never the key, and the endpoint only by address."""
        where = f"the language model at {self._base_url}"
        if mid_reply:
            return f"{where} stopped mid-reply ({type(exc).__name__})"
        if isinstance(exc, openai.APITimeoutError):
            return f"{where} did not answer in time"
        if isinstance(exc, openai.APIConnectionError):
            return f"cannot reach {where}"
        if isinstance(exc, openai.RateLimitError):
            return f"{where} is rate limiting requests (HTTP 429); try again shortly"
        if isinstance(exc, openai.APIStatusError):
            return f"{where} answered HTTP {exc.status_code}: {_server_reason(exc)}"
        return f"{where} failed: {exc.message}"


def _server_reason(exc: openai.APIStatusError) -> str:
    """The server's own words for a refusal (a chat template's complaint, a context overflow),
    shortened; without them a 400 cannot be acted on."""
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
        text = str(message or body)
    else:
        text = str(body or exc.message)
    text = " ".join(text.split())
    return text[:_MAX_ERROR_TEXT] + ("…" if len(text) > _MAX_ERROR_TEXT else "")


def _wire(messages: list[ChatMessage]) -> list[ChatCompletionMessageParam]:
    return [
        cast(ChatCompletionMessageParam, message.model_dump()) for message in alternating(messages)
    ]


def _reply_problem(text: str, finish_reason: str | None, json_output: bool) -> str | None:
    """Why a finished reply is unusable, or None. Plain text cut at max_tokens is fine: the
    caller bounded it and trims to whole sentences; cut-off JSON is not."""
    if not text.strip():
        return "an empty reply"
    if not json_output:
        return None
    if finish_reason == "length":
        return "a cut-off JSON reply"
    try:
        json.loads(text)
    except ValueError:
        return "a reply that is not JSON"
    return None


def make_chat_model(settings: Settings) -> ChatModel | None:
    """The configured model, or None when no endpoint is set (the built-in peer is used)."""
    if not settings.llm_base_url:
        return None
    return OpenAIChatModel(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key.get_secret_value() if settings.llm_api_key else None,
        timeout_s=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        max_concurrency=settings.llm_max_concurrency,
    )

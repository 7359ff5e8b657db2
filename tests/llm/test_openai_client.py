"""The openai client over real HTTP against the fake server: replies, faults, what was sent."""

from __future__ import annotations

import json
import socket
import time

import pytest
from pydantic import SecretStr

from app.config import Settings
from app.errors import LLMUnavailable
from app.llm.openai_client import OpenAIChatModel, make_chat_model
from app.llm.protocol import ChatMessage
from tests.llm_server import FakeLLMServer, Fault, Reply

MESSAGES = [
    ChatMessage(role="system", content="You are Sam."),
    ChatMessage(role="user", content="How are you?"),
]


def model_for(server: FakeLLMServer, **overrides: object) -> OpenAIChatModel:
    values: dict[str, object] = {
        "base_url": server.url,
        "model": "test-model",
        "api_key": "sk-test-secret",
        "timeout_s": 2.0,
        "max_retries": 2,
        "backoff_s": 0.01,
    }
    values.update(overrides)
    return OpenAIChatModel(**values)  # type: ignore[arg-type]


def test_complete_returns_the_reply_and_sends_model_messages_and_key(
    llm_server: FakeLLMServer,
) -> None:
    llm_server.script(Reply("Fine, thanks."))
    assert (
        model_for(llm_server).complete(MESSAGES, max_tokens=50, temperature=0.2) == "Fine, thanks."
    )
    sent = llm_server.requests[-1]
    assert sent.path == "/v1/chat/completions"
    assert sent.body["model"] == "test-model"
    assert sent.body["max_tokens"] == 50 and sent.body["temperature"] == 0.2
    assert sent.messages == [m.model_dump() for m in MESSAGES]
    assert sent.headers["authorization"] == "Bearer sk-test-secret"
    assert "response_format" not in sent.body


def test_complete_json_mode_asks_for_json_and_retries_unparseable_replies(
    llm_server: FakeLLMServer,
) -> None:
    llm_server.script(Fault("bad-json"), Reply('{"level": 3}'))
    reply = model_for(llm_server).complete(MESSAGES, max_tokens=50, json_output=True)
    assert json.loads(reply) == {"level": 3}
    assert len(llm_server.requests) == 2
    assert llm_server.requests[0].body["response_format"] == {"type": "json_object"}


def test_complete_json_cut_off_at_max_tokens_is_retried_then_unavailable(
    llm_server: FakeLLMServer,
) -> None:
    llm_server.default = Reply('{"level": 3, "reason": "the learner', finish_reason="length")
    with pytest.raises(LLMUnavailable, match="cut-off JSON"):
        model_for(llm_server, max_retries=1).complete(MESSAGES, max_tokens=5, json_output=True)
    assert len(llm_server.requests) == 2


def test_complete_text_cut_at_max_tokens_is_returned_for_the_caller_to_trim(
    llm_server: FakeLLMServer,
) -> None:
    llm_server.script(Reply("It has been a long", finish_reason="length"))
    assert model_for(llm_server).complete(MESSAGES, max_tokens=5) == "It has been a long"


def test_stream_yields_deltas_that_join_to_the_reply(llm_server: FakeLLMServer) -> None:
    llm_server.script(Reply("It has been a long week, honestly.", chunk_words=1))
    chunks = list(model_for(llm_server).stream(MESSAGES, max_tokens=50))
    assert len(chunks) > 3
    assert "".join(chunks) == "It has been a long week, honestly."
    assert llm_server.requests[-1].body["stream"] is True


@pytest.mark.parametrize("kind", ["429", "500"])
def test_transient_status_is_retried_then_succeeds(llm_server: FakeLLMServer, kind: str) -> None:
    llm_server.script(Fault(kind), Reply("Okay."))  # type: ignore[arg-type]
    model = model_for(llm_server)
    assert "".join(model.stream(MESSAGES, max_tokens=20)) == "Okay."
    assert len(llm_server.requests) == 2


@pytest.mark.parametrize(("kind", "message"), [("429", "rate limiting"), ("500", "HTTP 500")])
def test_persistent_status_becomes_llm_unavailable_after_bounded_retries(
    llm_server: FakeLLMServer, kind: str, message: str
) -> None:
    llm_server.default = Fault(kind)  # type: ignore[arg-type]
    with pytest.raises(LLMUnavailable, match=message) as caught:
        list(model_for(llm_server, max_retries=2).stream(MESSAGES, max_tokens=20))
    assert len(llm_server.requests) == 3, "the client's own retries, not ours on top"
    assert "sk-test-secret" not in caught.value.message


def test_slow_server_times_out_into_llm_unavailable(llm_server: FakeLLMServer) -> None:
    llm_server.default = Fault("slow", delay_s=3.0)
    started = time.monotonic()
    with pytest.raises(LLMUnavailable, match="did not answer in time"):
        model_for(llm_server, timeout_s=0.3, max_retries=1).complete(MESSAGES, max_tokens=20)
    assert time.monotonic() - started < 2.5, "bounded: two attempts of 0.3 s plus backoff"
    assert len(llm_server.requests) == 2


def test_connection_refused_becomes_llm_unavailable() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens here now
    model = OpenAIChatModel(
        base_url=f"http://127.0.0.1:{port}/v1", model="m", max_retries=1, timeout_s=1.0
    )
    with pytest.raises(LLMUnavailable, match="cannot reach"):
        model.complete(MESSAGES, max_tokens=20)


def test_stream_broken_before_any_text_is_retried(llm_server: FakeLLMServer) -> None:
    llm_server.script(Fault("broken", after_words=0), Reply("Second time lucky."))
    assert "".join(model_for(llm_server).stream(MESSAGES, max_tokens=20)) == "Second time lucky."
    assert len(llm_server.requests) == 2


def test_stream_broken_mid_reply_fails_at_once(llm_server: FakeLLMServer) -> None:
    """Text already handed on cannot be taken back, so a retry would say it twice."""
    llm_server.script(Fault("broken", after_words=3))
    received = []
    with pytest.raises(LLMUnavailable, match="mid-reply"):
        for chunk in model_for(llm_server).stream(MESSAGES, max_tokens=20):
            received.append(chunk)
    assert "".join(received) == "One two three "
    assert len(llm_server.requests) == 1


def test_empty_reply_is_retried_then_unavailable(llm_server: FakeLLMServer) -> None:
    llm_server.default = Fault("empty")
    with pytest.raises(LLMUnavailable, match="empty reply 3 time"):
        list(model_for(llm_server, max_retries=2).stream(MESSAGES, max_tokens=20))
    with pytest.raises(LLMUnavailable, match="empty reply"):
        model_for(llm_server, max_retries=0).complete(MESSAGES, max_tokens=20)
    assert len(llm_server.requests) == 4


def test_empty_reply_then_a_real_one_succeeds(llm_server: FakeLLMServer) -> None:
    llm_server.script(Fault("empty"), Reply("There you are."))
    assert model_for(llm_server).complete(MESSAGES, max_tokens=20) == "There you are."


def test_make_chat_model_is_none_without_a_base_url() -> None:
    assert make_chat_model(Settings(llm_base_url=None)) is None


def test_make_chat_model_uses_the_settings(llm_server: FakeLLMServer) -> None:
    settings = Settings(
        llm_base_url=llm_server.url,
        llm_api_key=SecretStr("sk-from-settings"),
        llm_model="local-model",
        llm_timeout_s=3,
        llm_max_retries=0,
    )
    model = make_chat_model(settings)
    assert model is not None and model.model_name == "local-model"
    llm_server.script(Fault("500"))
    with pytest.raises(LLMUnavailable):
        model.complete(MESSAGES, max_tokens=10)
    assert len(llm_server.requests) == 1, "llm_max_retries=0 means one attempt"
    assert llm_server.requests[0].headers["authorization"] == "Bearer sk-from-settings"


def test_messages_out_of_turn_are_sent_in_strict_alternation(
    llm_server: FakeLLMServer,
) -> None:
    """system, assistant (the opening line), user, user (after a failed turn): a strict
    template refuses that; the client joins and cues so the server accepts it."""
    llm_server.script(Reply("Fine."))
    messages = [
        ChatMessage(role="system", content="You are Sam."),
        ChatMessage(role="assistant", content="Hi. Is this about the report?"),
        ChatMessage(role="user", content="First try."),
        ChatMessage(role="user", content="Second try."),
        ChatMessage(role="system", content="Note: answer briefly."),
    ]
    assert model_for(llm_server).complete(messages, max_tokens=20) == "Fine."
    roles = [m["role"] for m in llm_server.requests[-1].messages]
    assert roles == ["system", "user", "assistant", "user"]
    last = llm_server.requests[-1].messages[-1]["content"]
    assert "First try." in last and "Second try." in last and "answer briefly" in last


def test_server_refusal_reason_is_passed_on(llm_server: FakeLLMServer) -> None:
    """A 400 says why (a template's complaint, a context overflow); the error keeps it."""
    llm_server.script(Fault("400"))
    with pytest.raises(LLMUnavailable, match=r"HTTP 400: .*exceeds the context size"):
        list(model_for(llm_server).stream(MESSAGES, max_tokens=20))


def test_stop_sequences_are_sent(llm_server: FakeLLMServer) -> None:
    llm_server.script(Reply("Fine."))
    list(model_for(llm_server).stream(MESSAGES, max_tokens=20, stop=["<colleague>", "\nYou:"]))
    assert llm_server.requests[-1].body["stop"] == ["<colleague>", "\nYou:"]


def test_one_time_budget_covers_every_retry(llm_server: FakeLLMServer) -> None:
    llm_server.script(Fault("slow", delay_s=3), Fault("slow", delay_s=3), Fault("slow", delay_s=3))
    model = model_for(llm_server, timeout_s=5.0, max_retries=2)
    started = time.monotonic()
    with pytest.raises(LLMUnavailable):
        model.complete(MESSAGES, max_tokens=20, budget_s=1.5)
    assert time.monotonic() - started < 4.0, "three 5 s timeouts would be 15 s"


def test_calls_beyond_the_concurrency_cap_are_refused_as_busy(
    llm_server: FakeLLMServer,
) -> None:
    from app.errors import LLMBusy

    llm_server.script(Reply("one two three four"))
    model = model_for(llm_server, max_concurrency=1)
    first = model.stream(MESSAGES, max_tokens=20)
    assert next(first)  # holds the only slot while the reply is being read
    with pytest.raises(LLMBusy):
        model.complete(MESSAGES, max_tokens=20)
    first.close()
    llm_server.script(Reply("free again"))
    assert model.complete(MESSAGES, max_tokens=20) == "free again"

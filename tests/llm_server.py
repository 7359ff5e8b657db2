"""A fake OpenAI-compatible chat server on 127.0.0.1:0, in a thread, for every test that needs
a language model.

Tests drive the real ``openai`` client over real HTTP (respx cannot see openai 3.x's httpx2),
so streaming, timeouts and broken connections are exercised over a socket. The server answers
``POST …/chat/completions`` (streamed or not) from a queue of scripted steps, then from
``default`` (a step, or a function of the request), and records every request so a test can
assert on what was sent.

    server.script(Fault("429"), Reply("Fine, I suppose."))
    ...
    assert "secret" not in server.requests[-1].system_prompt
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

FaultKind = Literal["slow", "400", "429", "500", "broken", "empty", "bad-json"]


@dataclass(frozen=True)
class Reply:
    """A successful reply, streamed in ``chunk_words``-word deltas when the request streams."""

    text: str
    finish_reason: str = "stop"
    chunk_words: int = 2


@dataclass(frozen=True)
class Fault:
    """slow: wait ``delay_s`` before answering (longer than the client's timeout).
    429 / 500: an error status with a short Retry-After so the client's retries stay fast.
    broken: stream ``after_words`` words, then drop the connection mid-body.
    empty: a well-formed reply with no text. bad-json: text that is not JSON."""

    kind: FaultKind
    delay_s: float = 5.0
    after_words: int = 0


Step = Reply | Fault


def _alternation_problem(messages: list[dict[str, Any]]) -> str | None:
    """A strict template's rule: one optional system message first, then user/assistant
    alternating from user, ending with user."""
    roles = [m.get("role") for m in messages]
    if roles and roles[0] == "system":
        roles = roles[1:]
    if "system" in roles:
        return "System role supported only at the start of the conversation"
    for i, role in enumerate(roles):
        if role != ("user" if i % 2 == 0 else "assistant"):
            return "Conversation roles must alternate user/assistant/user/assistant/..."
    if not roles or roles[-1] != "user":
        return "The last message must come from the user"
    return None


_BROKEN_WORDS = ["One", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


@dataclass
class RecordedRequest:
    """One request as received; header names are lower case."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, str]]:
        return list(self.body.get("messages", []))

    @property
    def system_prompt(self) -> str:
        return "\n\n".join(m["content"] for m in self.messages if m["role"] == "system")

    @property
    def last_user_message(self) -> str:
        return next(m["content"] for m in reversed(self.messages) if m["role"] == "user")


@dataclass
class FakeLLMServer:
    default: Step | Callable[[RecordedRequest], Step] = field(
        default_factory=lambda: Reply("Mm. I'm not sure what to say to that.")
    )
    requests: list[RecordedRequest] = field(default_factory=list)
    # Like Gemma, Mistral and most vLLM chat templates: 400 unless roles alternate strictly.
    strict_alternation: bool = True

    def __post_init__(self) -> None:
        self._steps: deque[Step] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        """The base URL to configure, as ``REHEARSE_LLM_BASE_URL`` would be."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def start(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def script(self, *steps: Step) -> None:
        """Queue steps answered in order, one per request; the default answers after them."""
        with self._lock:
            self._steps.extend(steps)

    def _next_step(self, request: RecordedRequest) -> Step:
        with self._lock:
            self.requests.append(request)
            if self._steps:
                return self._steps.popleft()
        return self.default(request) if callable(self.default) else self.default

    def _pause(self, seconds: float) -> None:
        self._stopping.wait(seconds)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-stream (a reply long enough, a timeout) is expected."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler_for(server: FakeLLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # chunked streams, so a dropped one is a real error

        def log_message(self, format: str, *args: Any) -> None:
            """Silent: pytest shows requests through ``server.requests`` instead."""

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            headers = {name.lower(): value for name, value in self.headers.items()}
            request = RecordedRequest(self.path, headers, body)
            if not self.path.endswith("/chat/completions"):
                self._send_json(404, {"error": {"message": f"no route {self.path}"}})
                return
            step = server._next_step(request)
            problem = _alternation_problem(body.get("messages", []))
            if server.strict_alternation and problem:
                # What a strict chat template (Gemma, Mistral, vLLM) answers.
                self._send_json(400, {"error": {"message": problem, "type": "invalid_request"}})
                return
            if isinstance(step, Fault):
                self._fault(step, streaming=bool(body.get("stream")))
            elif body.get("stream"):
                self._stream(step, body)
            else:
                self._send_json(200, _completion(step.text, step.finish_reason, body))

        def _fault(self, fault: Fault, *, streaming: bool) -> None:
            if fault.kind == "slow":
                server._pause(fault.delay_s)
                self.close_connection = True
                return
            if fault.kind == "400":
                error = {"error": {"message": "request (5000 tokens) exceeds the context size"}}
                self._send_json(400, error)
                return
            if fault.kind in ("429", "500"):
                error = {"error": {"message": f"scripted {fault.kind}", "type": "scripted"}}
                self._send_json(int(fault.kind), error, {"retry-after-ms": "10"})
                return
            if fault.kind == "broken":
                self._start_stream()
                for word in _BROKEN_WORDS[: fault.after_words]:
                    self._chunk(_delta(word + " ", None))
                self.wfile.flush()
                self.close_connection = True  # no terminating chunk: the body is cut
                return
            text = "" if fault.kind == "empty" else "this is not json {"
            if streaming:
                self._stream(Reply(text), {})
            else:
                self._send_json(200, _completion(text, "stop", {}))

        def _stream(self, reply: Reply, body: dict[str, Any]) -> None:
            self._start_stream()
            self._chunk(_delta("", None, role="assistant"))
            words = reply.text.split(" ") if reply.text else []
            for i in range(0, len(words), reply.chunk_words):
                piece = " ".join(words[i : i + reply.chunk_words])
                self._chunk(_delta(piece + (" " if i + reply.chunk_words < len(words) else "")))
            self._chunk(_delta("", reply.finish_reason))
            self._write_chunk(b"data: [DONE]\n\n")
            self._write_chunk(b"")

        def _start_stream(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()

        def _chunk(self, payload: dict[str, Any]) -> None:
            self._write_chunk(f"data: {json.dumps(payload)}\n\n".encode())

        def _write_chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def _send_json(
            self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _completion(text: str, finish_reason: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _delta(content: str, finish_reason: str | None = None, role: str | None = None) -> dict:
    delta: dict[str, str] = {"content": content}
    if role:
        delta["role"] = role
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "fake",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }

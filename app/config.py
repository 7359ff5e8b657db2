"""All settings in one place, read from the environment (prefix ``REHEARSE_``) or a ``.env`` file.

Settings are built by :func:`get_settings` (cached) and passed explicitly to the app factory, so
tests build their own ``Settings`` instead of patching globals.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Product content ships inside the package (the wheel carries it): knowledge/, prompts/, rubrics/.
PACKAGE_DIR = Path(__file__).resolve().parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REHEARSE_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path("data"), description="Where the SQLite file and index live."
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; unset = SQLite file in data_dir."
    )
    chroma_path: Path | None = Field(default=None, description="Unset = <data_dir>/chroma.")
    knowledge_dir: Path = PACKAGE_DIR / "knowledge"
    prompts_dir: Path = PACKAGE_DIR / "prompts"
    rubrics_dir: Path = PACKAGE_DIR / "rubrics"

    llm_base_url: str | None = Field(
        default=None, description="OpenAI-compatible endpoint; unset = the built-in peer engine."
    )
    llm_api_key: SecretStr | None = None
    llm_model: str = "gpt-4o-mini"
    llm_timeout_s: float = Field(default=30.0, gt=0)
    llm_max_retries: int = Field(default=2, ge=0, le=10)
    llm_max_concurrency: int = Field(
        default=4, ge=1, le=256, description="LLM calls at once per process; more get 503."
    )
    llm_turn_budget_s: float = Field(
        default=45.0, gt=0, description="All attempts at one peer reply, together."
    )
    llm_judge_timeout_s: float = Field(
        default=60.0, gt=0, description="The judge's own limit; it runs after the scorecard."
    )
    llm_judge: bool = Field(default=True, description="Add an LLM judgement beside the scores.")

    session_ttl_hours: int = Field(default=12, ge=1, le=24 * 30)
    cookie_secure: bool = Field(
        default=False, description="Mark the login cookie Secure (set true behind HTTPS)."
    )
    max_message_chars: int = 4000
    # argon2id cost for new password hashes (argon2-cffi's defaults). Tests lower them: a
    # login then costs milliseconds instead of ~0.1 s of both cores.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=64)

    # Capacity and hardening (issue 14): every limit below answers 4xx/503, never a hang.
    workers: int = Field(default=1, ge=1, le=64, description="Processes for `rehearse serve`.")
    malloc_arenas: int = Field(
        default=2,
        ge=0,
        le=64,
        description="glibc malloc arenas per worker (MALLOC_ARENA_MAX); fewer keep RSS down "
        "under many concurrent requests. 0: glibc's default (8 per core).",
    )
    worker_threads: int = Field(
        default=64, ge=4, le=1000, description="Threads per worker for ordinary requests."
    )
    db_pool_size: int = Field(
        default=0,
        ge=0,
        le=1000,
        description="Database connections per worker; 0 = enough for every thread at once.",
    )
    db_pool_timeout_s: float = Field(
        default=5.0, gt=0, description="Wait for a free connection before answering 503."
    )
    llm_turn_slots: int = Field(
        default=16,
        ge=1,
        le=1000,
        description="Requests per worker that may wait on the LLM at once (own threads).",
    )
    llm_slot_wait_s: float = Field(
        default=10.0, ge=0, description="Wait for a free LLM slot before answering 503."
    )
    max_body_bytes: int = Field(
        default=2_000_000, ge=10_000, description="Largest request body accepted (413 above)."
    )
    sse_heartbeat_s: float = Field(
        default=15.0, gt=0, description="Comment line sent on a quiet event stream (proxies)."
    )
    login_max_failures: int = Field(default=5, ge=1)
    login_window_s: float = Field(default=300.0, gt=0)
    trust_forwarded_for: bool = Field(
        default=False,
        description="Take the client address from X-Forwarded-For (only behind your own "
        "reverse proxy, listed in forwarded_allow_ips).",
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1", description="Proxies trusted when trust_forwarded_for is set."
    )
    chroma_url: str | None = Field(
        default=None,
        description="A `chroma run` server (http://host:8001); unset = the embedded index.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    host: str = "127.0.0.1"
    port: int = 8000

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'rehearse.db').resolve()}"

    @property
    def resolved_chroma_path(self) -> Path:
        return self.chroma_path or self.data_dir / "chroma"

    @property
    def resolved_db_pool_size(self) -> int:
        # One per thread, plus the LLM slots and streamed replies saving their turn.
        return self.db_pool_size or self.worker_threads + self.llm_turn_slots + 4

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url)

    def masked(self) -> dict[str, Any]:
        """Effective settings for display; secrets and passwords inside URLs are masked."""
        shown = self.model_dump(mode="json")
        shown["database_url"] = _mask_url_password(self.resolved_database_url)
        shown["chroma_path"] = str(self.resolved_chroma_path)
        shown["llm_api_key"] = "****" if self.llm_api_key else None
        shown["peer_engine"] = "llm" if self.llm_enabled else "built-in"
        return shown


def _mask_url_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@lru_cache
def get_settings() -> Settings:
    return Settings()

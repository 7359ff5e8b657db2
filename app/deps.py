"""What routes depend on: the long-lived services built once in the app's lifespan."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import session_scope
from app.errors import LLMBusy
from app.llm.protocol import ChatModel
from app.persona.engine import PeerEngine
from app.retrieval.protocol import TechniqueSearch
from app.scoring.rubric import RubricSet
from app.scoring.service import choose_judge
from app.users.ratelimit import LoginLimiter


@dataclass
class Services:
    settings: Settings
    session_factory: sessionmaker[Session]
    retriever: TechniqueSearch
    peer_engine: PeerEngine
    chat_model: ChatModel | None
    rubrics: RubricSet
    login_limiter: LoginLimiter = field(init=False)
    # Work that may wait on the LLM (turns, scoring with the judge) runs on threads of its
    # own, so a hanging model can hold at most these, never the threads that serve /health,
    # /me or /scenarios. Created lazily: a CapacityLimiter belongs to the running event loop.
    _llm_slots: tuple[anyio.CapacityLimiter, anyio.CapacityLimiter] | None = field(
        default=None, init=False, repr=False
    )

    def __post_init__(self) -> None:
        self.login_limiter = LoginLimiter(
            self.session_factory,
            max_failures=self.settings.login_max_failures,
            window_s=self.settings.login_window_s,
        )

    @property
    def llm_slots(self) -> tuple[anyio.CapacityLimiter, anyio.CapacityLimiter]:
        """(gate, threads): both sized llm_turn_slots; holding the gate means a thread is free."""
        if self._llm_slots is None:
            size = self.settings.llm_turn_slots
            self._llm_slots = (anyio.CapacityLimiter(size), anyio.CapacityLimiter(size))
        return self._llm_slots

    @property
    def judge(self) -> ChatModel | None:
        """The model that judges beside the scores, or None (see scoring.service.choose_judge)."""
        return choose_judge(self.settings, self.chat_model)


T = TypeVar("T")


async def run_on_llm_slot(services: Services, work: Callable[[], T]) -> T:
    """Run blocking ``work`` on an LLM slot's thread; 503 LLMBusy if none frees up in time.

    Waiting for a slot costs no thread. The wait is bounded so a crowd behind a hanging model
    hears "busy, retry in a moment" instead of queueing for minutes.
    """
    if services.chat_model is None:
        # The built-in peer: no model to hang on, so no slot to wait for. Its CPU work queues
        # on the ordinary threads like any other request instead of being refused.
        return await anyio.to_thread.run_sync(work)
    gate, threads = services.llm_slots
    acquired = False
    with anyio.move_on_after(services.settings.llm_slot_wait_s):
        await gate.acquire()
        acquired = True
    if not acquired:
        raise LLMBusy(
            "every conversation slot is busy; try again in a few seconds", retry_after_s=5
        )
    try:
        return await anyio.to_thread.run_sync(work, limiter=threads)
    finally:
        gate.release()


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_db(services: ServicesDep) -> Iterator[Session]:
    """One transaction per request, committed before the response goes out.

    ``scope="function"`` below matters: with the default request scope FastAPI runs this exit
    code after the response is sent, so a client could act on a reply whose rows were not
    committed yet (or were rolled back).
    """
    with session_scope(services.session_factory) as session:
        yield session


DbSession = Annotated[Session, Depends(get_db, scope="function")]

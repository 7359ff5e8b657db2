"""What routes depend on: the long-lived services built once in the app's lifespan."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import session_scope
from app.llm.protocol import ChatModel
from app.persona.engine import PeerEngine
from app.retrieval.protocol import TechniqueSearch
from app.scoring.rubric import RubricSet
from app.users.ratelimit import LoginLimiter


@dataclass
class Services:
    settings: Settings
    session_factory: sessionmaker[Session]
    retriever: TechniqueSearch
    peer_engine: PeerEngine
    chat_model: ChatModel | None
    rubrics: RubricSet
    login_limiter: LoginLimiter = field(default_factory=LoginLimiter)


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

"""Which peer engine a process uses: the LLM one when a chat model is configured, else built-in."""

from __future__ import annotations

from app.config import Settings
from app.llm.protocol import ChatModel
from app.persona.builtin import BuiltinPeerEngine
from app.persona.engine import PeerEngine
from app.persona.llm_engine import LLMPeerEngine


def make_peer_engine(settings: Settings, chat_model: ChatModel | None) -> PeerEngine:
    if chat_model is None:
        return BuiltinPeerEngine()
    return LLMPeerEngine(chat_model, settings.prompts_dir, turn_budget_s=settings.llm_turn_budget_s)

"""The one boundary to language models: a small protocol and the OpenAI-compatible client."""

from app.llm.protocol import ChatMessage, ChatModel

__all__ = ["ChatMessage", "ChatModel"]

"""The persistent chroma index of technique cards, through langchain-chroma, kept in sync by hash.

Each card is stored as a few chunks (see :func:`card_chunks`). A chunk's id names its card, the
card's hash, and the chunk's kind; its metadata holds what filters need (card id, skill, tags).
Syncing compares the hashes in the ids with the cards on disk, so only new or edited cards are
embedded and removed cards are deleted.

Writes go through langchain-chroma, which embeds with our model. Reads ask chroma for ids and
distances only: skipping the stored documents and metadata makes a search's chroma query ~2 ms
instead of ~18 ms, and the freshness check at startup ~2 ms instead of ~20-60 ms.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings
from rich.progress import Progress

from app.embeddings import DIMENSIONS, MODEL_ID, get_embedder
from app.retrieval.cards import TechniqueCard
from app.retrieval.prebuilt import load_prebuilt, vector_key

log = logging.getLogger(__name__)

COLLECTION = "technique-cards"
# Part of every stored hash: changing the model or the chunk recipe re-embeds every card.
RECIPE = f"{MODEL_ID}/views-v2"
_SECTION = re.compile(r"^## ", flags=re.MULTILINE)
_CLAUSE = re.compile(r"[,;]\s*")
# Cards embedded per write: batches big enough to sort by length, small enough for a lively bar.
_CARDS_PER_WRITE = 8


class MiniLMEmbeddings(Embeddings):
    """langchain's view of app.embeddings: the packaged model, so nothing is ever downloaded.

    The model is fetched on first use, not at construction: opening a fresh index at startup
    does not have to pay for loading it. ``known`` holds vectors computed ahead
    (:mod:`app.retrieval.prebuilt`): a text found there is not embedded again.
    """

    def __init__(self, known: dict[str, np.ndarray] | None = None) -> None:
        self._known = load_prebuilt() if known is None else known

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embedded shortest first: batches pad to their longest text, so sorting by length
        keeps a 20-token situation from being padded to a 256-token section (cold build of
        all cards: 11.6 s unsorted, 5.4 s sorted)."""
        restored = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        missing: list[int] = []
        for n, text in enumerate(texts):
            found = self._known.get(vector_key(RECIPE, text))
            if found is None:
                missing.append(n)
            else:
                restored[n] = found
        if missing:
            order = sorted(missing, key=lambda n: len(texts[n]))
            restored[order] = get_embedder().embed([texts[n] for n in order])
        return restored.tolist()

    def embed_query(self, text: str) -> list[float]:
        vector: list[float] = get_embedder().embed_one(text).tolist()
        return vector


@dataclass(frozen=True)
class TechniqueIndex:
    """One chroma collection seen two ways: langchain's store for writes, chroma's for reads."""

    store: Chroma
    collection: chromadb.Collection
    embeddings: MiniLMEmbeddings


def open_client(path: Path, url: str | None = None) -> Any:
    """The embedded on-disk client, or, with ``url``, a `chroma run` server's HTTP client.

    The embedded client is not safe for several processes writing one folder; several workers
    (or machines) share one chroma server instead (REHEARSE_CHROMA_URL).
    """
    settings = ChromaSettings(anonymized_telemetry=False)
    if url:
        parts = urlsplit(url)
        return chromadb.HttpClient(
            host=parts.hostname or "localhost",
            port=parts.port or (443 if parts.scheme == "https" else 8000),
            ssl=parts.scheme == "https",
            settings=settings,
        )
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)


def open_index(path: Path, url: str | None = None) -> TechniqueIndex:
    """A persistent collection with cosine distance and our embeddings, telemetry off.

    The client is built here rather than by langchain so that its settings are ours: no
    telemetry, and no chroma embedding function anywhere (``embedding_function=None``), so
    chroma never instantiates its default one, which downloads a model; vectors always come
    from ``MiniLMEmbeddings``.
    """
    client = open_client(path, url)
    embeddings = MiniLMEmbeddings()
    store = Chroma(
        collection_name=COLLECTION,
        embedding_function=embeddings,
        client=client,
        collection_metadata={"hnsw:space": "cosine"},
    )
    collection = client.get_collection(COLLECTION, embedding_function=None)
    return TechniqueIndex(store=store, collection=collection, embeddings=embeddings)


@dataclass(frozen=True)
class Chunk:
    kind: str  # "summary", "section" or "situation"
    text: str


# Each view ranks cards by their best chunk among these kinds; the service fuses the views.
# The model reads at most 256 tokens and every card is longer, so no single vector sees a
# whole card. "sections" lets a query meet a card's "Done poorly" or "Pitfalls" wording;
# "situations" gives each situation listed in when_to_use its own vector, so a query that
# describes one of them is not diluted by the others (numbers in evals/retrieval_eval.py).
VIEWS: dict[str, frozenset[str]] = {
    "sections": frozenset({"summary", "section"}),
    "situations": frozenset({"summary", "situation"}),
}


def situations(when_to_use: str) -> list[str]:
    """when_to_use split at commas and semicolons; pieces under 3 words rejoin the one before.

    when_to_use lists situations ("when they ask X, or when you notice Y"); the merge keeps
    lists like "effort, a strength or a good intention" from becoming one-word vectors.
    """
    pieces: list[str] = []
    for piece in (p.strip() for p in _CLAUSE.split(when_to_use)):
        if pieces and len(piece.split()) < 3:
            pieces[-1] = f"{pieces[-1]}, {piece}"
        elif piece:
            pieces.append(piece)
    return pieces


def card_chunks(card: TechniqueCard) -> list[Chunk]:
    """The summary (title, when_to_use, tags), each body section and each situation.

    The title prefixes every chunk so that each stays anchored to its technique.
    """
    tags = ", ".join(tag.replace("-", " ") for tag in card.tags)
    sections = [part.strip() for part in _SECTION.split(card.body) if part.strip()]
    return [
        Chunk("summary", f"{card.title}. {card.when_to_use} Tags: {tags}."),
        *(Chunk("section", f"{card.title}. {section}") for section in sections),
        *(Chunk("situation", f"{card.title}: {s}") for s in situations(card.when_to_use)),
    ]


def stored_hash(card: TechniqueCard) -> str:
    return hashlib.sha256(f"{card.content_hash}:{RECIPE}".encode()).hexdigest()[:16]


def chunk_id(card: TechniqueCard, kind: str, n: int) -> str:
    """``<card id>#<stored hash>#<kind>#<n>``: card ids are slugs, so '#' cannot occur in them."""
    return f"{card.id}#{stored_hash(card)}#{kind}#{n}"


@dataclass(frozen=True)
class ChunkId:
    card_id: str
    hash: str
    kind: str

    @classmethod
    def parse(cls, chunk_id: str) -> ChunkId:
        """An id in an older layout gets an empty hash, so sync rewrites its card."""
        card_id, *rest = chunk_id.split("#")
        hash_, kind = rest[:2] if len(rest) == 3 else ("", "")
        return cls(card_id=card_id, hash=hash_, kind=kind)


def tag_key(tag: str) -> str:
    return f"tag_{tag}"


def chunk_metadata(card: TechniqueCard, chunk: Chunk) -> dict[str, Any]:
    """What the skill/tag filters and the deletes of stale cards match on.

    Tags become one boolean key each: list values and ``$contains`` on them only arrived in
    chromadb 1.5.0; both filter equally fast here (~1.4 ms on 50 rows) and booleans work on
    every chromadb the project allows (>=1.0).
    """
    return {
        "card_id": card.id,
        "skill": card.skill.value,
        "kind": chunk.kind,
        **{tag_key(tag): True for tag in card.tags},
    }


def where_filter(*, skill: str | None, tag: str | None) -> dict[str, Any] | None:
    """The chroma ``where`` clause for the optional skill and tag filters."""
    clauses: list[dict[str, Any]] = []
    if skill is not None:
        clauses.append({"skill": str(skill)})
    if tag is not None:
        clauses.append({tag_key(tag): True})
    if len(clauses) > 1:
        return {"$and": clauses}
    return clauses[0] if clauses else None


@dataclass(frozen=True)
class IndexReport:
    """What a sync changed, by card id."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed "
            f"in {self.seconds:.2f} s"
        )


def plan_sync(indexed: dict[str, set[str]], cards: Sequence[TechniqueCard]) -> IndexReport:
    """Compare stored hashes (card id -> hashes of its chunks) with the cards on disk.

    A card whose chunks disagree (an interrupted write) counts as updated and is rewritten.
    """
    on_disk = {card.id: stored_hash(card) for card in cards}
    return IndexReport(
        added=sorted(set(on_disk) - set(indexed)),
        updated=sorted(i for i in on_disk if i in indexed and indexed[i] != {on_disk[i]}),
        unchanged=sorted(i for i in on_disk if indexed.get(i) == {on_disk[i]}),
        removed=sorted(set(indexed) - set(on_disk)),
    )


def indexed_hashes(store: Chroma) -> dict[str, set[str]]:
    """Card id -> the hashes its stored chunks carry, read from the ids alone."""
    found: dict[str, set[str]] = {}
    for chunk in map(ChunkId.parse, store.get(include=[])["ids"]):
        found.setdefault(chunk.card_id, set()).add(chunk.hash)
    return found


def sync_store(store: Chroma, cards: Sequence[TechniqueCard], *, progress: bool) -> IndexReport:
    """Bring the index in line with ``cards``, embedding only new and edited ones."""
    started = time.perf_counter()
    plan = plan_sync(indexed_hashes(store), cards)
    stale = plan.updated + plan.removed
    if stale:
        store.delete(where={"card_id": {"$in": stale}})
    by_id = {card.id: card for card in cards}
    to_embed = [by_id[card_id] for card_id in plan.added + plan.updated]
    if to_embed:
        log.info("Indexing %d technique cards", len(to_embed))
    with Progress(disable=not progress or not to_embed) as bar:
        task = bar.add_task("Embedding technique cards", total=len(to_embed))
        for start in range(0, len(to_embed), _CARDS_PER_WRITE):
            group = to_embed[start : start + _CARDS_PER_WRITE]
            store.add_texts(**_chunk_rows(group))
            bar.advance(task, len(group))
    return IndexReport(
        added=plan.added,
        updated=plan.updated,
        unchanged=plan.unchanged,
        removed=plan.removed,
        seconds=time.perf_counter() - started,
    )


def _chunk_rows(cards: Sequence[TechniqueCard]) -> dict[str, list[Any]]:
    """``add_texts`` arguments for every chunk of ``cards``."""
    rows: dict[str, list[Any]] = {"texts": [], "metadatas": [], "ids": []}
    for card in cards:
        for n, chunk in enumerate(card_chunks(card)):
            rows["texts"].append(chunk.text)
            rows["metadatas"].append(chunk_metadata(card, chunk))
            rows["ids"].append(chunk_id(card, chunk.kind, n))
    return rows

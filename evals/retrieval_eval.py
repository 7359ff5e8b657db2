"""Retrieval eval: recall@1, recall@3 and MRR of the vector, BM25 and hybrid rankers.

Run with ``rehearse eval retrieval`` (or ``python evals/retrieval_eval.py``); ``--variants``
adds the comparison of indexing recipes. Queries come from evals/retrieval/queries.yaml: each
has ``expected`` card ids, the first being the best.

Two definitions of a hit, both printed:

* strict: the first (best) expected id is in the top k; MRR uses its rank.
* any: any expected id is in the top k; MRR uses the rank of the first expected id found.

How production was chosen, honestly: the fusion is RRF with the textbook k=60 (nothing tuned).
The indexing recipe, the BM25 tokeniser and the split of when_to_use into situations were
picked on the "tune" half (queries at even positions in the file) and are reported on the
"held-out" half (odd positions) too. With the 100 queries and 52 cards of this writing,
recall@3, any-hit (strict in brackets):

==============================  =============  =============  =============
ranker                          all            tune           held-out
==============================  =============  =============  =============
vector (two views, RRF)         0.81 (0.78)    0.84 (0.80)    0.78 (0.76)
BM25 (stemmed)                  0.78 (0.77)    0.84 (0.82)    0.72 (0.72)
hybrid, production              0.90 (0.89)    0.92 (0.90)    0.88 (0.88)
hybrid, whole card vector       0.84 (0.83)    0.86 (0.84)    0.82 (0.82)
hybrid, summary-only vector     0.85 (0.84)    0.88 (0.86)    0.82 (0.82)
==============================  =============  =============  =============

MRR (any): vector 0.70, BM25 0.69, hybrid 0.81; recall@1 (any): 0.57, 0.57, 0.71. Hybrid
wins on every split, so it is what ``TechniqueRetriever.search`` returns. Each query is 0.02
of a half: differences of 0.02-0.04 between recipes are one or two queries, not a finding.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import typer
import yaml
from pydantic import BaseModel, ConfigDict, Field
from rich.console import Console
from rich.table import Table

from app.config import PROJECT_ROOT, Settings, get_settings
from app.embeddings import get_embedder
from app.retrieval.cards import TechniqueCard
from app.retrieval.ranking import Ranking, rrf_fuse

if TYPE_CHECKING:
    from app.retrieval.service import TechniqueRetriever

QUERIES = PROJECT_ROOT / "evals" / "retrieval" / "queries.yaml"
console = Console()


class LabelledQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1)
    expected: list[str] = Field(min_length=1)


Ranker = Callable[[str], list[str]]
"""A query in, card ids out, best first."""


@dataclass(frozen=True)
class Scores:
    recall_at_1: float
    recall_at_3: float
    mrr: float


def load_queries(path: Path, card_ids: set[str]) -> list[LabelledQuery]:
    """Parse and check the labels: an unknown card id is a typo that would silently cost recall."""
    queries = [LabelledQuery(**item) for item in yaml.safe_load(path.read_text(encoding="utf-8"))]
    unknown = sorted({i for q in queries for i in q.expected} - card_ids)
    if unknown:
        raise ValueError(f"{path.name}: expected ids that are not cards: {', '.join(unknown)}")
    return queries


def first_relevant_rank(ranked: Sequence[str], relevant: Sequence[str]) -> int | None:
    """1-based rank of the first relevant id, None when none was returned."""
    return next((n for n, card_id in enumerate(ranked, start=1) if card_id in relevant), None)


def score(rankings: Sequence[list[str]], queries: Sequence[LabelledQuery], strict: bool) -> Scores:
    """Recall@1, recall@3 and MRR over the queries, under the strict or the any-hit definition."""
    ranks = [
        first_relevant_rank(ranked, q.expected[:1] if strict else q.expected)
        for ranked, q in zip(rankings, queries, strict=True)
    ]
    n = len(ranks)
    return Scores(
        recall_at_1=sum(r is not None and r <= 1 for r in ranks) / n,
        recall_at_3=sum(r is not None and r <= 3 for r in ranks) / n,
        mrr=sum(1 / r for r in ranks if r is not None) / n,
    )


def halves(n: int) -> dict[str, list[int]]:
    """Fixed split by file position: the tune half picked the recipe, the other half checks it."""
    return {"all": list(range(n)), "tune": list(range(0, n, 2)), "held-out": list(range(1, n, 2))}


def production_rankers(retriever: TechniqueRetriever) -> dict[str, Ranker]:
    """The three rankers as the service runs them (hybrid is what ``search`` returns)."""

    def ids(ranking: Ranking) -> list[str]:
        return [card_id for card_id, _ in ranking]

    return {
        "vector (views fused)": lambda q: ids(
            rrf_fuse(retriever.vector_rankings(q, skill=None, tag=None))
        ),
        "bm25": lambda q: ids(retriever.bm25_ranking(q, skill=None, tag=None)),
        "hybrid (RRF)": lambda q: [hit.card.id for hit in retriever.search(q, k=10)],
    }


def recipe_texts(card: TechniqueCard) -> dict[str, list[str]]:
    """The texts each indexing recipe embeds for one card; the views are production's."""
    from app.retrieval.store import VIEWS, card_chunks

    chunks = card_chunks(card)
    by_view = {
        f"{view} view": [c.text for c in chunks if c.kind in kinds] for view, kinds in VIEWS.items()
    }
    summary = next(c.text for c in chunks if c.kind == "summary")
    return {
        "whole card (truncated at 256 tokens)": [f"{summary}\n{card.body}"],
        "title + when_to_use + tags": [summary],
        **by_view,
    }


def recipe_rankers(retriever: TechniqueRetriever) -> dict[str, Ranker]:
    """Each recipe by exact cosine in numpy (best chunk per card), alone and fused with BM25."""
    embedder = get_embedder()
    texts: dict[str, list[tuple[str, str]]] = {}
    for card in retriever.all_cards():
        for name, chunk_texts in recipe_texts(card).items():
            texts.setdefault(name, []).extend((card.id, text) for text in chunk_texts)
    vectors = {name: embedder.embed([t for _, t in pairs]) for name, pairs in texts.items()}

    def rank(name: str, query: str) -> Ranking:
        sims = vectors[name] @ embedder.embed_one(query)
        best: dict[str, float] = {}
        for n in np.argsort(-sims):
            best.setdefault(texts[name][n][0], float(sims[n]))
        return list(best.items())

    def fused(names: list[str], with_bm25: bool) -> Ranker:
        def ranker(query: str) -> list[str]:
            rankings = [rank(name, query) for name in names]
            if with_bm25:
                rankings.append(retriever.bm25_ranking(query, skill=None, tag=None))
            return [card_id for card_id, _ in rrf_fuse(rankings)]

        return ranker

    from app.retrieval.store import VIEWS

    variants = {name: [name] for name in texts}
    variants["both views (production)"] = [f"{view} view" for view in VIEWS]
    rankers: dict[str, Ranker] = {}
    for variant, names in variants.items():
        rankers[f"vector: {variant}"] = fused(names, with_bm25=False)
        rankers[f"hybrid: {variant}"] = fused(names, with_bm25=True)
    return rankers


def results_table(
    title: str, rankers: dict[str, Ranker], queries: Sequence[LabelledQuery]
) -> tuple[Table, dict[str, list[list[str]]]]:
    """One row per ranker and split, strict and any-hit scores side by side; also the rankings."""
    rankings = {name: [rank(q.query) for q in queries] for name, rank in rankers.items()}
    table = Table(title=title)
    for column in ("ranker", "split", "n"):
        table.add_column(column)
    for hit in ("strict", "any"):
        for metric in ("R@1", "R@3", "MRR"):
            table.add_column(f"{hit}\n{metric}", justify="right")
    for name, ranked in rankings.items():
        for split, idx in halves(len(queries)).items():
            cells = [name if split == "all" else "", split, str(len(idx))]
            for strict in (True, False):
                s = score([ranked[i] for i in idx], [queries[i] for i in idx], strict)
                cells += [f"{s.recall_at_1:.2f}", f"{s.recall_at_3:.2f}", f"{s.mrr:.2f}"]
            table.add_row(*cells, end_section=split == "held-out")
    return table, rankings


def misses(
    rankings: dict[str, list[list[str]]], queries: Sequence[LabelledQuery], k: int = 3
) -> list[str]:
    """One entry per query that some ranker missed (no expected id in its top k).

    Marks are the rankers' initials, "." where it found one; plain lines, not a table, so
    long queries stay readable in a narrow terminal.
    """
    names = list(rankings)
    hybrid = next(name for name in names if name.startswith("hybrid"))
    lines = [f"Misses: no expected id in the top {k}; marks: {', '.join(names)}"]
    for n, q in enumerate(queries):
        missed = [first_relevant_rank(rankings[name][n][:k], q.expected) is None for name in names]
        if any(missed):
            marks = "".join(name[0] if m else "." for name, m in zip(names, missed, strict=True))
            lines.append(
                f"{marks}  {q.query}\n     expected {', '.join(q.expected)}; "
                f"hybrid top {k}: {', '.join(rankings[hybrid][n][:k])}"
            )
    return lines


def eval_retrieval(
    queries: Annotated[Path, typer.Option(help="Labelled queries (YAML).")] = QUERIES,
    variants: Annotated[
        bool, typer.Option(help="Also compare indexing recipes (slower: embeds every recipe).")
    ] = False,
    fresh_index: Annotated[
        bool, typer.Option(help="Build a throwaway index instead of using the configured one.")
    ] = False,
) -> None:
    """Recall@1, recall@3 and MRR for vector, BM25 and hybrid retrieval, plus per-query misses."""
    from app.retrieval.service import get_retriever  # here: chromadb imports slowly

    with tempfile.TemporaryDirectory() as tmp:
        settings: Settings = get_settings()
        if fresh_index:
            settings = settings.model_copy(update={"chroma_path": Path(tmp) / "chroma"})
        retriever = get_retriever(settings)
        labelled = load_queries(queries, {card.id for card in retriever.all_cards()})
        console.print(f"{len(labelled)} queries over {len(retriever.all_cards())} cards")
        table, rankings = results_table("Retrieval", production_rankers(retriever), labelled)
        console.print(table)
        if variants:
            console.print(results_table("Indexing recipes", recipe_rankers(retriever), labelled)[0])
        for line in misses(rankings, labelled):
            console.print(line, soft_wrap=True, highlight=False)


if __name__ == "__main__":
    typer.run(eval_retrieval)

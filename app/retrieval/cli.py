"""`rehearse index`: build or refresh the technique index and say what changed."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from app.config import get_settings

console = Console()


def index(
    progress: Annotated[bool, typer.Option(help="Show a progress bar while embedding.")] = True,
    verbose: Annotated[bool, typer.Option(help="List the ids of changed cards.")] = False,
) -> None:
    """Embed new and edited technique cards and drop removed ones; unchanged cards are kept."""
    from app.retrieval.service import build_index  # here, not at the top: chromadb imports slowly

    settings = get_settings()
    report = build_index(settings, progress=progress)
    # soft_wrap: keep each line whole when piped, where rich would wrap at 80 columns.
    console.print(f"Technique index {settings.resolved_chroma_path}", soft_wrap=True)
    console.print(report.summary(), soft_wrap=True)
    if verbose:
        for label, ids in (
            ("added", report.added),
            ("updated", report.updated),
            ("removed", report.removed),
        ):
            if ids:
                console.print(f"  {label}: {', '.join(ids)}", soft_wrap=True)

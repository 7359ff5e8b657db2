"""The scorecard in a terminal: one table per skill, then evidence, strengths and next steps."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from app.scoring.scorecard import Scorecard, SkillScore


def print_scorecard(scorecard: Scorecard, console: Console) -> None:
    console.print(
        f"[bold]Scorecard[/bold]  {scorecard.scorer.name} {scorecard.scorer.version} "
        f"({scorecard.scorer.coder}, model {scorecard.scorer.coder_model}); "
        f"rubrics {scorecard.rubric_set}"
    )
    summary = Table("skill", "level", "score", "judge", title="Levels")
    for skill in scorecard.skills:
        judged = scorecard.judge.level(skill.skill) if scorecard.judge else None
        summary.add_row(
            skill.title,
            _level_cell(skill),
            "" if skill.score is None else f"{skill.score:.2f}",
            _judge_cell(scorecard, judged),
        )
    console.print(summary)
    if scorecard.judge and scorecard.judge.status == "unscored":
        console.print(f"[dim]LLM judge unscored: {scorecard.judge.reason}[/dim]")
    for skill in scorecard.skills:
        _print_skill(skill, console)
    _print_uncredited(scorecard, console)


def _print_uncredited(scorecard: Scorecard, console: Console) -> None:
    """Lines that earned nothing and text left out as aimed at the scorer, each with why."""
    if not scorecard.flags and not scorecard.ignored:
        return
    console.print("[bold]Lines that earned nothing[/bold]")
    for flag in scorecard.flags:
        console.print(f'  turn {flag.turn}: "{escape(flag.quote)}" [dim]{escape(flag.why)}[/dim]')
    for ignored in scorecard.ignored:
        console.print(
            f'  turn {ignored.turn}: "{escape(ignored.quote)}" [dim]left out: '
            f"{escape(ignored.reason)}[/dim]"
        )


def _level_cell(skill: SkillScore) -> str:
    if skill.level is not None:
        return str(skill.level)
    return "not observed" if skill.targeted else "not part of this scenario"


def _judge_cell(scorecard: Scorecard, level: int | None) -> str:
    if scorecard.judge is None:
        return "-"
    if scorecard.judge.status == "unscored":
        return "unscored"
    return str(level) if level is not None else "-"


def _print_skill(skill: SkillScore, console: Console) -> None:
    """User text goes through ``escape``: a rewrite's "[slot]" must print, not vanish as markup."""
    table = Table("criterion", "value", "level", "what it looks like", title=skill.title)
    for c in skill.criteria:
        level = "-" if c.level is None else str(c.level)
        table.add_row(escape(c.title), c.display, level, escape(c.anchor or c.note))
    console.print(table)
    console.print(f"[dim]{escape(skill.reason)}[/dim]")
    for item in skill.evidence:
        mark = "+" if item.counts == "for" else "-"
        label = escape(f"[{item.label.value}]")
        source = f" ({item.provenance})" if item.provenance else ""
        quote, why = escape(item.quote), escape(f"{item.why}{source}")
        console.print(f'  {mark} turn {item.turn} {label} "{quote}" [dim]{why}[/dim]')
    for strength in skill.strengths:
        quote = f' e.g. turn {strength.turn}: "{strength.quote}"' if strength.quote else ""
        console.print(
            f"  [green]strength[/green] {escape(f'{strength.title}: {strength.text}')}"
            f"{escape(quote)}"
        )
    for step in skill.next_steps:
        card = f" (technique: {step.card.title} [{step.card.id}])" if step.card else ""
        console.print(
            f'  [yellow]next step[/yellow] turn {step.turn}: "{escape(step.quote)}"\n'
            f'      try: "{escape(step.rewrite)}"\n      {escape(step.why + card)}'
        )

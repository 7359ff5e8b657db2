"""What the scorecard and progress pages show, shaped from the domain models.

Nothing here scores or judges: it only arranges a stored ``Scorecard`` and stored progress
points for display (which turns to highlight, which cards to inline, which points to chart).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

from app.conversation import PEER
from app.errors import NotFound
from app.practice.models import Turn
from app.progress.service import SKILLS, LearnerProgress, QuestionStylePoint
from app.retrieval.protocol import TechniqueSearch
from app.scoring.scorecard import Evidence, Scorecard
from app.web.charts import Bar, ChartPoint, Frame, Series, bar_chart, line_chart
from app.web.templating import format_date, skill_title
from app.web.text import highlight, render_markdown

SMALL = Frame(width=360, height=200, left=36, right=12)
"""For charts shown three abreast: a narrower viewBox keeps their text readable."""


@dataclass(frozen=True)
class CardView:
    id: str
    title: str
    when_to_use: str
    body: Markup


@dataclass
class TurnView:
    index: int
    speaker: str
    is_learner: bool
    text: Markup
    labels: list[str]
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"turn-{self.index}"


@dataclass(frozen=True)
class ScorecardView:
    scorecard: Scorecard
    level_chart: Markup
    turns: list[TurnView]
    cards: dict[str, CardView]
    evidence_turns: set[int]


def card_view(retriever: TechniqueSearch, card_id: str) -> CardView | None:
    """A technique card ready to show; None when the card no longer exists."""
    try:
        card = retriever.get(card_id)
    except NotFound:
        return None
    return CardView(card.id, card.title, card.when_to_use, render_markdown(card.body))


def scorecard_view(
    scorecard: Scorecard, retriever: TechniqueSearch, *, chart_id: str = "levels"
) -> ScorecardView:
    evidence_by_turn: dict[int, list[Evidence]] = defaultdict(list)
    for skill in scorecard.skills:
        for item in skill.evidence:
            evidence_by_turn[item.turn].append(item)
    turns = [
        TurnView(
            index=turn.index,
            speaker=turn.speaker,
            is_learner=turn.is_learner,
            text=highlight(turn.text, (e.quote for e in evidence_by_turn.get(turn.index, []))),
            labels=[str(label) for label in turn.labels],
            evidence=evidence_by_turn.get(turn.index, []),
        )
        for turn in scorecard.turns
    ]
    card_ids = {
        step.card.id for skill in scorecard.skills for step in skill.next_steps if step.card
    }
    cards = {cid: view for cid in sorted(card_ids) if (view := card_view(retriever, cid))}
    return ScorecardView(
        scorecard=scorecard,
        level_chart=level_chart(scorecard, chart_id=chart_id),
        turns=turns,
        cards=cards,
        evidence_turns=set(evidence_by_turn),
    )


def level_chart(scorecard: Scorecard, *, chart_id: str) -> Markup:
    """One bar per skill; a skill the scenario does not target and that did not come up is
    left out (the page explains it under the chart) rather than drawn as "not observed"."""
    bars = [
        Bar(
            label=skill.title,
            value=skill.score if skill.level is not None else None,
            text=f"level {skill.level} ({skill.score:.2f})"
            if skill.level is not None and skill.score is not None
            else "not observed",
        )
        for skill in scorecard.skills
        if skill.targeted or skill.level is not None
    ]
    return bar_chart(bars, chart_id=chart_id, title="Level per skill (1 to 5)")


def openness_chart(turns: Sequence[Turn], *, chart_id: str = "openness") -> Markup:
    """The peer's trust and defensiveness after each of its turns (0 to 1)."""
    states = [(t.index, t.persona_state) for t in turns if t.speaker == PEER and t.persona_state]

    def series(name: str, key: str) -> Series:
        return Series(
            name,
            [
                ChartPoint(
                    index,
                    float(state[key]),
                    f"turn {index}: {name.lower()} {float(state[key]):.2f}",
                    f"#turn-{index}",
                )
                for index, state in states
                if key in state
            ],
        )

    trust = series("Trust (openness)", "trust")
    ends = list(dict.fromkeys([*trust.points[:1], *trust.points[-1:]]))
    return line_chart(
        [trust, series("Defensiveness", "defensiveness")],
        chart_id=chart_id,
        title="The peer's openness, turn by turn",
        y_min=0.0,
        y_max=1.0,
        y_ticks=(0.0, 0.25, 0.5, 0.75, 1.0),
        x_labels=[(p.x, f"turn {int(p.x)}") for p in ends],
    )


def skill_trend_charts(
    progress: LearnerProgress, session_href: str, *, prefix: str = "trend"
) -> list[Markup]:
    """One chart per skill: the level of each scored session in order; each point links to it."""
    charts = []
    points = progress.sessions
    labels = _first_last_labels([(i, format_date(p.ended_at)) for i, p in enumerate(points, 1)])
    for skill in SKILLS:
        series = Series(
            skill_title(skill),
            [
                ChartPoint(
                    i,
                    p.levels.get(skill),
                    f"{format_date(p.ended_at)} {p.scenario}: "
                    f"level {p.levels.get(skill) or 'not observed'}",
                    session_href.format(session_id=p.session_id),
                )
                for i, p in enumerate(points, 1)
            ],
        )
        charts.append(
            _level_chart(
                [series], f"{prefix}-{skill}", f"{skill_title(skill)}: level per session", labels
            )
        )
    return charts


def question_style_charts(
    points: Sequence[QuestionStylePoint], session_href: str, *, prefix: str = "style"
) -> list[Markup]:
    """Open-question share and reflections per question over time, each point a session link."""
    labels = _first_last_labels([(i, format_date(p.ended_at)) for i, p in enumerate(points, 1)])

    def series(name: str, values: list[float | None], unit: str) -> Series:
        return Series(
            name,
            [
                ChartPoint(
                    i,
                    value,
                    f"{format_date(p.ended_at)} {p.scenario}: {name.lower()} "
                    f"{'none' if value is None else f'{value:g}{unit}'}",
                    session_href.format(session_id=p.session_id),
                )
                for i, (p, value) in enumerate(zip(points, values, strict=True), 1)
            ],
        )

    open_share = series("Open questions", [p.open_question_pct for p in points], "%")
    ratio = series("Reflections per question", [p.reflection_to_question for p in points], "")
    ratio_top = max([2.0, *(p.reflection_to_question or 0 for p in points)])
    counts = [
        series("Why questions", [float(p.why_questions) for p in points], ""),
        series("Leading questions", [float(p.leading_questions) for p in points], ""),
        series("Stacked questions", [float(p.stacked_turns) for p in points], ""),
    ]
    count_top = max([3.0, *(p.y or 0 for s in counts for p in s.points)])
    return [
        line_chart(
            [open_share],
            chart_id=f"{prefix}-open",
            title="Share of questions that were open (%)",
            y_min=0,
            y_max=100,
            y_ticks=(0, 25, 50, 75, 100),
            x_labels=labels,
            frame=SMALL,
        ),
        line_chart(
            [ratio],
            chart_id=f"{prefix}-ratio",
            title="Reflections per question",
            y_min=0,
            y_max=ratio_top,
            y_ticks=_ticks(ratio_top),
            x_labels=labels,
            frame=SMALL,
        ),
        line_chart(
            counts,
            chart_id=f"{prefix}-habits",
            title="Question habits to watch (count per session)",
            y_min=0,
            y_max=count_top,
            y_ticks=_ticks(count_top),
            x_labels=labels,
            frame=SMALL,
        ),
    ]


def cohort_trend_charts(rows: Sequence[LearnerProgress], learner_href: str) -> list[Markup]:
    """Per skill, one line per learner across their scored sessions (by session number)."""
    charts = []
    longest = max([len(r.sessions) for r in rows] or [0])
    labels = _first_last_labels([(i, f"session {i}") for i in range(1, longest + 1)])
    for skill in SKILLS:
        series = [
            Series(
                row.display_name,
                [
                    ChartPoint(
                        i,
                        p.levels.get(skill),
                        f"{row.display_name}, session {i} ({format_date(p.ended_at)}): "
                        f"level {p.levels.get(skill) or 'not observed'}",
                        learner_href.format(learner_id=row.learner_id),
                    )
                    for i, p in enumerate(row.sessions, 1)
                ],
            )
            for row in rows
        ]
        charts.append(
            _level_chart(
                series,
                f"cohort-{skill}",
                f"{skill_title(skill)}: level per session, by learner",
                labels,
            )
        )
    return charts


def _level_chart(
    series: Sequence[Series], chart_id: str, title: str, labels: Sequence[tuple[float, str]]
) -> Markup:
    """Skill levels over sessions: always the 1-5 scale, so charts side by side compare."""
    return line_chart(
        series,
        chart_id=chart_id,
        title=title,
        y_min=1,
        y_max=5,
        y_ticks=(1, 2, 3, 4, 5),
        x_labels=labels,
        frame=SMALL,
    )


def _first_last_labels(labels: list[tuple[float, str]]) -> list[tuple[float, str]]:
    if len(labels) <= 2:
        return labels
    return [labels[0], labels[-1]]


def _ticks(top: float) -> tuple[float, ...]:
    step = max(1.0, round(top / 4))
    ticks, value = [], 0.0
    while value <= top + 1e-9:
        ticks.append(value)
        value += step
    return tuple(ticks)

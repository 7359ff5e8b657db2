"""The optional LLM judge: a rubric-guided second opinion shown beside the deterministic score.

It never replaces the evidence-backed score and never produces a number it cannot justify: a
model that is unavailable, replies with something other than the expected JSON, or leaves out
a skill yields ``status="unscored"`` with the reason.

Prompt injection: the transcript goes in the user message, one JSON object per turn between
<transcript> markers, with "<" and ">" escaped, and the system prompt says it is data. The
deterministic scores do not read the judge at all, so an instruction inside the transcript can
at most change the judge's own opinion.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from app.conversation import TranscriptTurn
from app.errors import RehearseError
from app.llm.prompts import PromptTemplate, load_prompt
from app.llm.protocol import ChatMessage, ChatModel
from app.scoring.rubric import RubricSet

log = logging.getLogger(__name__)

JUDGE_NAME = "rehearse-llm-judge"
JUDGE_VERSION = "1.0"
PROMPTS_DIR = Path(__file__).parent / "prompts"
MAX_TOKENS = 800

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=600)]


class JudgeSkill(BaseModel):
    """The judge's level for one skill and its one-line reason."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    skill: str
    level: int = Field(ge=1, le=5, strict=True)
    reason: Reason


class _JudgeReply(BaseModel):
    """Exactly what the model must return; anything else makes the judge unscored."""

    model_config = ConfigDict(extra="forbid")

    skills: list[JudgeSkill] = Field(min_length=1)


class JudgeResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: Literal["scored", "unscored"]
    judge: str = f"{JUDGE_NAME} {JUDGE_VERSION}"
    model: str | None = None
    reason: str = ""
    skills: list[JudgeSkill] = Field(default_factory=list)

    def level(self, skill: str) -> int | None:
        return next((s.level for s in self.skills if s.skill == skill), None)


@lru_cache(maxsize=1)
def _prompt() -> PromptTemplate:
    return load_prompt(PROMPTS_DIR, "judge")


def judge_messages(turns: Sequence[TranscriptTurn], rubrics: RubricSet) -> list[ChatMessage]:
    """The system prompt (instructions + rubrics) and the transcript as delimited data."""
    system = _prompt().render(
        rubrics=_rubric_text(rubrics), skills=", ".join(r.skill for r in rubrics.rubrics)
    )
    lines = [_turn_line(turn) for turn in turns]
    user = "<transcript>\n" + "\n".join(lines) + "\n</transcript>"
    return [ChatMessage(role="system", content=system), ChatMessage(role="user", content=user)]


def _turn_line(turn: TranscriptTurn) -> str:
    speaker = "learner" if turn.is_learner else "peer"
    line = json.dumps({"turn": turn.index, "speaker": speaker, "text": turn.text})
    return line.replace("<", "\\u003c").replace(">", "\\u003e")


def _rubric_text(rubrics: RubricSet) -> str:
    """The rubrics, compact: each skill's levels and the names of its criteria. The per-level
    anchors of every criterion doubled the prompt (about 1,760 tokens in all), more than a CPU
    model reads in its time limit, and the level descriptions already carry what they say."""
    parts = []
    for rubric in rubrics.rubrics:
        criteria = ", ".join(criterion.title for criterion in rubric.criteria)
        parts.append(f"## {rubric.skill}: {rubric.title}. Looks at: {criteria}.")
        for level, text in rubric.levels.items():
            parts.append(f"- {level}: {text}")
    return "\n".join(parts)


def run_judge(
    turns: Sequence[TranscriptTurn],
    *,
    rubrics: RubricSet,
    model: ChatModel,
    budget_s: float | None = None,
) -> JudgeResult:
    """Ask the model once, at temperature 0, within the judge's own time limit (``budget_s``,
    by default ``llm_judge_timeout_s``: all retries together, apart from the peer's per-turn
    budget); any failure is an unscored result with a reason."""
    name = getattr(model, "model_name", None)
    if budget_s is None:
        from app.config import get_settings

        budget_s = get_settings().llm_judge_timeout_s
    try:
        raw = model.complete(
            judge_messages(turns, rubrics),
            max_tokens=MAX_TOKENS,
            temperature=0.0,
            json_output=True,
            budget_s=budget_s,
        )
    except RehearseError as exc:
        return JudgeResult(status="unscored", model=name, reason=f"judge unavailable: {exc}")
    except Exception:  # the judge is optional: a bug or odd client must not cost the scorecard
        log.warning("LLM judge failed", exc_info=True)
        return JudgeResult(status="unscored", model=name, reason="judge failed unexpectedly")
    try:
        reply = _JudgeReply.model_validate(json.loads(raw))
    except json.JSONDecodeError:
        return JudgeResult(status="unscored", model=name, reason="judge reply was not JSON")
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return JudgeResult(
            status="unscored",
            model=name,
            reason=f"judge reply had the wrong shape at {where}: {first['msg']}",
        )
    expected = [r.skill for r in rubrics.rubrics]
    given = [s.skill for s in reply.skills]
    if sorted(given) != sorted(expected):
        return JudgeResult(
            status="unscored",
            model=name,
            reason=f"judge rated {given}, expected each of {expected} once",
        )
    ordered = sorted(reply.skills, key=lambda s: expected.index(s.skill))
    return JudgeResult(status="scored", model=name, skills=ordered)

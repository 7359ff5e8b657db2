"""Load and validate the coder corpus; print its size and label mix.

    .venv/bin/python training/coder/corpus.py          # validate every file, print counts

Every line is checked against the conventions in CONVENTIONS.md: known labels, SBI parts only
with feedback, form labels beside leading/why/stacked questions, a main behaviour that fits the
labels, unique ids, no duplicate texts within one context. The split is fixed by a hash of the
id, so adding lines never moves an old line between train, dev and test.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

CORPUS_DIR = Path(__file__).parent / "corpus"

Label = Literal[
    "open_question",
    "closed_question",
    "leading_question",
    "why_question",
    "stacked_questions",
    "simple_reflection",
    "complex_reflection",
    "summary",
    "affirmation",
    "permission_request",
    "advice_with_permission",
    "advice_without_permission",
    "information",
    "judgement",
    "feedback",
    "self_disclosure",
    "other",
]
LABELS: tuple[str, ...] = get_args(Label)
QUESTION_FORMS = {"open_question", "closed_question"}
REFLECTIONS = {"simple_reflection", "complex_reflection", "summary"}
INPUTS = {
    "permission_request",
    "advice_with_permission",
    "advice_without_permission",
    "information",
    "feedback",
    "judgement",
    "self_disclosure",
}


class CorpusLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(min_length=3, max_length=40)
    register_: Literal["workplace", "manager", "counselling", "spoken", "contrast"] = Field(
        alias="register"
    )
    context: str | None
    text: str = Field(min_length=1, max_length=1500)
    labels: list[Label] = Field(min_length=1)
    sbi: list[Literal["situation", "behaviour", "impact", "request"]] = []
    main: Literal["question", "reflection", "input", "other"]

    @model_validator(mode="after")
    def _consistent(self) -> CorpusLine:
        labels = set(self.labels)
        if len(labels) != len(self.labels):
            raise ValueError("a label is listed twice")
        if self.sbi and "feedback" not in labels:
            raise ValueError("sbi parts need the feedback label")
        if labels & {"leading_question", "why_question", "stacked_questions"} and not (
            labels & QUESTION_FORMS
        ):
            raise ValueError("leading/why/stacked questions also need open_ or closed_question")
        if "why_question" in labels and "open_question" not in labels:
            raise ValueError("why_question also carries open_question")
        if "other" in labels and len(labels) > 1 and labels - {"other", "affirmation"}:
            raise ValueError("'other' goes alone (or with affirmation)")
        if self.main == "question" and not labels & QUESTION_FORMS:
            raise ValueError("main 'question' needs a question label")
        if self.main == "reflection" and not labels & REFLECTIONS:
            raise ValueError("main 'reflection' needs a reflection or summary label")
        if self.main == "input" and not labels & INPUTS:
            raise ValueError("main 'input' needs advice, information, feedback, judgement, ...")
        return self

    @property
    def split(self) -> str:
        """train (80%), dev (10%) or test (10%), fixed by the id alone."""
        bucket = int(hashlib.sha256(self.id.encode()).hexdigest(), 16) % 10
        return "test" if bucket == 0 else "dev" if bucket == 1 else "train"


def iter_lines(directory: Path = CORPUS_DIR) -> Iterator[tuple[Path, int, dict[str, object]]]:
    for path in sorted(directory.glob("*.jsonl")):
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if raw.strip():
                yield path, number, json.loads(raw)


def load_corpus(directory: Path = CORPUS_DIR) -> list[CorpusLine]:
    """Every line, validated; raises with the file and line number of the first problem."""
    lines: list[CorpusLine] = []
    seen: dict[str, str] = {}
    for path, number, raw in iter_lines(directory):
        try:
            line = CorpusLine.model_validate(raw)
        except ValidationError as error:
            raise ValueError(f"{path.name}:{number}: {error}") from error
        if line.id in seen:
            raise ValueError(f"{path.name}:{number}: id {line.id} already used in {seen[line.id]}")
        seen[line.id] = path.name
        lines.append(line)
    return lines


def corpus_digest(lines: list[CorpusLine]) -> str:
    """Identifies the corpus a model was trained on; a test fails when the weights are stale."""
    digest = hashlib.sha256()
    for line in sorted(lines, key=lambda x: x.id):
        digest.update(line.model_dump_json().encode())
    return digest.hexdigest()[:16]


def main() -> int:
    try:
        lines = load_corpus()
    except (ValueError, json.JSONDecodeError) as error:
        print(f"invalid: {error}")
        return 1
    labels = Counter(label for line in lines for label in line.labels)
    print(f"{len(lines)} lines")
    print("registers:", dict(Counter(line.register_ for line in lines)))
    print("main:", dict(Counter(line.main for line in lines)))
    print("splits:", dict(Counter(line.split for line in lines)))
    for label in LABELS:
        print(f"  {label:28s} {labels[label]}")
    texts = Counter((line.context, line.text.strip().lower()) for line in lines)
    repeated = sum(count - 1 for count in texts.values() if count > 1)
    print(f"repeated (context, text) pairs: {repeated}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

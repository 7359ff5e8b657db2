"""Branch pages over real HTTP, without JavaScript: retry forms, the pre-filled rewrite, and
what a trainer sees of a private branch."""

from __future__ import annotations

import html
import re

from tests.web.conftest import People, post_form
from tests.web.test_pages import learner_in_cohort, practise

RETRY_FORM = re.compile(
    r'action="/sessions/([0-9a-f-]+)/retry".*?name="at_turn" value="(\d+)">\s*'
    r'<input type="hidden" name="step" value="([a-z_]+:\d+)">',
    re.S,
)


def test_retry_form_opens_a_branch_with_the_rewrite_in_the_reply_box(people: People) -> None:
    ana, api, _trainer, trainer_pages = learner_in_cohort(people)
    session_id = practise(api, private=True)
    pages = people.page_client(ana)
    review = pages.get(f"/sessions/{session_id}")
    assert review.status_code == 200
    found = RETRY_FORM.search(review.text)
    assert found, "a next step offers 'Try this moment again'"
    _, at_turn, step = found.groups()
    assert 'class="inline-form retry-turn"' in review.text, "learner turns can be retried too"
    scorecard = api.get(f"/api/v1/sessions/{session_id}/scorecard").json()
    skill, position = step.split(":")
    wanted = next(s for s in scorecard["skills"] if s["skill"] == skill)["next_steps"]
    rewrite = wanted[int(position)]["rewrite"]

    opened = post_form(pages, f"/sessions/{session_id}/retry", {"at_turn": at_turn, "step": step})
    assert opened.status_code == 303
    target = opened.headers["location"]
    assert re.fullmatch(rf"/practice/[0-9a-f-]+\?step={step}", target)
    practice = pages.get(target)
    assert f">{html.escape(rewrite, quote=False)}</textarea>" in practice.text
    assert 'id="branch-note"' in practice.text
    branch_id = target.split("/")[2].split("?")[0]

    # A step that is about another turn is refused, and opens nothing.
    wrong = post_form(
        pages, f"/sessions/{session_id}/retry", {"at_turn": int(at_turn) + 2, "step": step}
    )
    assert wrong.status_code == 422
    tree = api.get(f"/api/v1/sessions/{session_id}").json()["tree"]
    assert [c["id"] for c in tree["children"]] == [branch_id]

    # The trainer may not branch, and sees the private branch's comparison without words.
    refused = post_form(
        trainer_pages,
        f"/sessions/{session_id}/retry",
        {"at_turn": at_turn},
        token_from="/trainer",
    )
    assert refused.status_code == 403
    api.post(f"/api/v1/sessions/{branch_id}/turns", json={"text": rewrite}).raise_for_status()
    api.post(f"/api/v1/sessions/{branch_id}/end").raise_for_status()
    seen = trainer_pages.get(f"/sessions/{branch_id}")
    assert seen.status_code == 200 and 'id="branch-compare"' in seen.text
    assert html.escape(rewrite, quote=False) not in seen.text
    assert "Try this moment again" not in seen.text
    progress = trainer_pages.get(f"/trainer/learners/{ana.id}")
    assert progress.status_code == 200
    assert "1</strong> moment retried" in progress.text

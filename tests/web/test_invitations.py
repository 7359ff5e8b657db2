"""Cohort invitations in the web pages: the trainer invites, only the invited learner joins."""

from __future__ import annotations

import re

from tests.web.conftest import People, post_form


def test_invitations_the_learner_joins_or_declines_from_home(people: People) -> None:
    tess, ana, ben = (
        people.create("trainer", "Tess"),
        people.create("learner", "Ana"),
        people.create("learner", "Ben"),
    )
    trainer = people.page_client(tess)
    made = post_form(trainer, "/trainer/cohorts", {"name": "Spring"}, token_from="/trainer")
    cohort_path = made.headers["location"].split("?")[0]
    for person in (ana, ben):
        invited = post_form(
            trainer, f"{cohort_path}/members", {"email": person.email}, token_from=cohort_path
        )
        assert invited.status_code == 303
        assert invited.headers["location"].endswith("notice=member-invited")
    cohort_page = trainer.get(cohort_path).text
    invited_list = cohort_page.split('id="invited"', 1)[1].split("</ul>", 1)[0]
    members_list = cohort_page.split('id="members"', 1)[1].split("</ul>", 1)[0]
    assert "Ana" in invited_list and "Ben" in invited_list
    assert "Ana" not in members_list

    ana_pages, ben_pages = people.page_client(ana), people.page_client(ben)
    home = ana_pages.get("/home").text
    assert "Cohort invitations" in home and "Spring" in home and "from Tess" in home
    ana_invitation = re.search(r'action="/invitations/(\d+)/accept"', home)
    assert ana_invitation is not None
    path = f"/invitations/{ana_invitation.group(1)}/accept"

    assert ana_pages.post(path, data={}).status_code == 403, "no CSRF token, no joining"
    stolen = post_form(ben_pages, path, {})
    assert stolen.status_code == 404, "another learner's invitation reads as missing"
    joined = post_form(ana_pages, path, {})
    assert joined.status_code == 303
    assert "Cohort invitations" not in ana_pages.get("/home").text

    ben_home = ben_pages.get("/home").text
    ben_invitation = re.search(r'action="/invitations/(\d+)/decline"', ben_home)
    assert ben_invitation is not None
    declined = post_form(ben_pages, f"/invitations/{ben_invitation.group(1)}/decline", {})
    assert declined.status_code == 303

    cohort_page = trainer.get(cohort_path).text
    members_list = cohort_page.split('id="members"', 1)[1].split("</ul>", 1)[0]
    assert "Ana" in members_list and "Ben" not in members_list
    assert 'id="invited"' not in cohort_page, "nobody is left waiting"

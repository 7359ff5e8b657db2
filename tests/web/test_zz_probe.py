from tests.web.conftest import browser_login
from tests.web.test_pages import practise
import re

def test_probe(people, new_page, artifacts):
    tess = people.create("trainer", "Tess Trainer")
    ana = people.create("learner", "Ana Learner")
    api = people.api_client(ana)
    t = people.api_client(tess)
    c = t.post("/api/v1/cohorts", json={"name": "Spring"}).json()
    t.post(f"/api/v1/cohorts/{c['id']}/members", json={"email": ana.email})
    sid = practise(api); practise(api); practise(api, private=True)
    page = new_page()
    browser_login(page, ana, f"/sessions/{sid}")
    page.locator("figure#levels").screenshot(path="/tmp/webprobe/levels.png")
    page.locator("#skill-questioning").screenshot(path="/tmp/webprobe/skill.png")
    page.locator("#openness-review summary").click()
    page.locator("#openness-review").screenshot(path="/tmp/webprobe/openness.png")
    page.goto("/progress")
    page.screenshot(path="/tmp/webprobe/progress.png", full_page=True)
    tp = new_page()
    browser_login(tp, tess, f"/trainer/cohorts/{c['id']}")
    tp.screenshot(path="/tmp/webprobe/cohort.png", full_page=True)
    tp.goto("/trainer/scenarios/new")
    tp.get_by_label("Scenario YAML").fill("id: x\ntitle: ''\n")
    tp.get_by_role("button", name="Create scenario").click()
    tp.screenshot(path="/tmp/webprobe/editor.png")
    tp.goto("/home")
    tp.screenshot(path="/tmp/webprobe/home.png")

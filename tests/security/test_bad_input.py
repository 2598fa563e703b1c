"""#15 item 11: bad input gets a clear 400 or a short Chinese reply, and nothing is written.
(Open311's dates and bodies are in test_open311.py.)"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from issues.db import Database
from issues.service import IssueService
from issues.settings import load_settings
from issues.views import PersonRef
from nlp.types import Detection
from web.app import make_app

OWNER = PersonRef(1, "王网格", "wang_wangge")
CHAT = -100


@pytest.fixture
async def dashboard(db_url: str) -> AsyncIterator[TestClient]:
    settings = load_settings(overrides={"database_url": db_url},
                             env={"SUQIU_DASHBOARD_ADMIN_TOKEN": "admin-secret"})
    db = Database(db_url)
    svc = IssueService(db, settings)
    await svc.register_group(CHAT, "幸福社区3栋群", OWNER, [OWNER])
    await svc.intake(CHAT, 1, PersonRef(2, "李阿姨"), "3栋门口路灯坏了",
                     Detection(True, "streetlight", 0.9, False, "3栋门口", "3栋门口路灯坏了"))
    client = TestClient(TestServer(make_app(settings, svc)))
    await client.start_server()
    await client.post("/login", data={"token": "admin-secret", "next": "/"})
    try:
        yield client
    finally:
        await client.close()
        await db.dispose()


FILTERS = ["group=²", "group=-99999999999999999999", "assignee=²", "unit=99999999999999999999",
           "since=0001-01-01", "until=9999-12-31", "since=2026-02-30"]


CASES = [*(("/issues", q) for q in ("page=99999999999999999999", "page=-3", "page=²",
                                     *FILTERS)),
         *((p, q) for p in ("/export.csv", "/export.xlsx") for q in FILTERS)]


async def test_dashboard_answers_bad_parameters_with_400(dashboard: TestClient) -> None:
    answers = {}
    for path, query in CASES:
        resp = await dashboard.get(f"{path}?{query}")
        answers[f"{path}?{query}"] = (resp.status, "参数无效" in await resp.text())
    assert {k: v for k, v in answers.items() if v != (400, True)} == {}


async def test_dashboard_unknown_issue_ids_are_404(dashboard: TestClient) -> None:
    for raw in ("99999999999999999999", "²", "0", "-1"):
        assert (await dashboard.get(f"/issues/{raw}")).status == 404, raw


async def test_dashboard_good_parameters_still_work(dashboard: TestClient) -> None:
    resp = await dashboard.get("/issues?page=1&group=-100&since=2020-01-01&until=2099-12-31")
    assert resp.status == 200 and "3栋门口路灯坏了" in await resp.text()

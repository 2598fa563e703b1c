"""Dashboard pages, exports and Open311 through aiohttp's test client, on both databases;
and a real browser logging in, filtering, opening an issue and downloading the ledger."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from openpyxl import load_workbook

from issues.db import Database
from issues.service import IssueService
from issues.settings import load_settings
from issues.views import PersonRef
from nlp.types import Detection
from tests.browser import chromium
from web.app import make_app

OWNER = PersonRef(1, "王网格", "wang_wangge")
RES = PersonRef(2, "李阿姨", None)
CHAT = -100


@pytest.fixture
async def dash(db_url: str) -> AsyncIterator[tuple[TestClient, IssueService]]:
    env = {"SUQIU_DASHBOARD_TOKEN": "read-secret", "SUQIU_DASHBOARD_ADMIN_TOKEN": "admin-secret",
           "SUQIU_OPEN311_API_KEY": "key-311"}
    settings = load_settings(overrides={"database_url": db_url,
                                        "web": {"open311_group": CHAT}}, env=env)
    db = Database(db_url)
    svc = IssueService(db, settings)
    await svc.register_group(CHAT, "幸福社区3栋群", OWNER, [OWNER])
    await svc.intake(CHAT, 1, RES, "3栋门口路灯坏了好几天了",
                     Detection(True, "streetlight", 0.9, False, "3栋门口", "3栋门口路灯坏了"))
    await svc.intake(CHAT, 2, RES, "5栋下水道堵了 电话13812345678",
                     Detection(True, "drainage", 0.9, False, "5栋", "5栋下水道堵了"))
    await svc.resolve(CHAT, 1, OWNER, "换了新灯")
    await svc.assign(CHAT, 2, OWNER, PersonRef(3, "张师傅", "zhang_shifu"))
    await svc.register_group(CHAT - 1, "幸福社区5栋群", OWNER, [OWNER])
    await svc.join_org_unit(CHAT - 1, OWNER.user_id, "东风街道", "street")
    await svc.intake(CHAT - 1, 1, RES, "5栋电梯又坏了",
                     Detection(True, "elevator", 0.9, False, "5栋", "5栋电梯坏了"))
    client = TestClient(TestServer(make_app(settings, svc)))
    await client.start_server()
    try:
        yield client, svc
    finally:
        await client.close()
        await db.dispose()


async def _login(client: TestClient, token: str = "read-secret") -> None:
    resp = await client.post("/login", data={"token": token, "next": "/"},
                             allow_redirects=False)
    assert resp.status == 302


async def test_no_page_or_export_without_token(dash: tuple[TestClient, IssueService]) -> None:
    client, _ = dash
    resp = await client.get("/", allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"].startswith("/login")
    assert (await client.get("/export.csv")).status == 401
    assert (await client.get("/api/stats.json")).status == 401
    bad = await client.post("/login", data={"token": "guess"})
    assert "口令不正确" in await bad.text()
    bearer = await client.get("/api/stats.json",
                              headers={"Authorization": "Bearer admin-secret"})
    assert bearer.status == 200


async def test_overview_list_detail(dash: tuple[TestClient, IssueService]) -> None:
    client, svc = dash
    await _login(client)
    page = await (await client.get("/")).text()
    assert "本月收到" in page and "<svg" in page and "幸福社区3栋群" in page
    stats = await (await client.get("/api/stats.json")).json()
    assert stats["month"]["received"] == 3 and stats["month"]["resolved"] == 1
    listing = await (await client.get("/issues?category=drainage")).text()
    assert "5栋下水道堵了" in listing and "3栋门口路灯坏了" not in listing
    units = await svc.org_units()
    street = next(u for u in units if u[1] == "东风街道")[0]
    in_unit = await (await client.get(f"/issues?unit={street}")).text()
    assert "共 1 件" in in_unit and "5栋电梯坏了" in in_unit
    mine = await (await client.get("/issues?assignee=3")).text()
    assert "共 1 件" in mine and "5栋下水道堵了" in mine and "张师傅" in mine
    issue = await svc.get_issue(CHAT, 1)
    detail = await (await client.get(f"/issues/{issue.id}")).text()
    assert "换了新灯" in detail and "处理记录" in detail
    assert (await client.get("/issues/99999")).status == 404


async def test_exports_have_chinese_headers(dash: tuple[TestClient, IssueService]) -> None:
    client, _ = dash
    await _login(client)  # read-only: no export, and no export button
    assert (await client.get("/export.csv")).status == 403
    assert "导出 CSV" not in await (await client.get("/issues")).text()
    await _login(client, "admin-secret")
    assert "导出 CSV" in await (await client.get("/issues")).text()
    raw = await (await client.get("/export.csv")).read()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["编号", "全局编号", "群", "类别"] and len(rows) == 4
    xlsx = await (await client.get("/export.xlsx?status=resolved")).read()
    ws = load_workbook(io.BytesIO(xlsx)).active
    assert ws["A1"].value == "编号" and ws["D2"].value == "路灯照明" and ws.max_row == 2


async def test_open311(dash: tuple[TestClient, IssueService]) -> None:
    client, svc = dash
    services = await (await client.get("/open311/v2/services.json")).json()
    first = services[0]
    assert first["service_code"] == "streetlight" and first["service_name"] == "路灯照明"
    reqs = await (await client.get("/open311/v2/requests.json?status=open")).json()
    assert sorted(r["service_code"] for r in reqs) == ["drainage", "elevator"]
    rid = next(r for r in reqs if r["service_code"] == "drainage")["service_request_id"]
    one = await (await client.get(f"/open311/v2/requests/{rid}.json")).json()
    assert one[0]["expected_datetime"] and one[0]["status"] == "open"
    missing = await client.get("/open311/v2/requests/424242.json")
    assert missing.status == 404 and (await missing.json())[0]["code"] == 404
    denied = await client.post("/open311/v2/requests.json",
                               data={"api_key": "nope", "service_code": "noise",
                                     "description": "广场舞太吵"})
    assert denied.status == 403
    bad = await client.post("/open311/v2/requests.json",
                            data={"api_key": "key-311", "service_code": "nope",
                                  "description": "x"})
    assert bad.status == 400
    made = await client.post("/open311/v2/requests.json",
                             data={"api_key": "key-311", "service_code": "noise",
                                   "description": "晚上十点广场舞音响还开得很大",
                                   "lat": "28.2", "long": "112.9"})
    assert made.status == 200
    new_id = int((await made.json())[0]["service_request_id"])
    issue = await svc.get_issue_by_id(new_id)
    assert issue.category == "noise" and issue.lat == pytest.approx(28.2)


@pytest.mark.browser
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_dashboard_in_a_real_browser(dash: tuple[TestClient, IssueService],
                                           tmp_path: Any) -> None:
    client, _ = dash
    app = client.server.app
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    try:
        async with chromium() as browser:
            ctx = await browser.new_context(accept_downloads=True)  # type: ignore[attr-defined]
            page = await ctx.new_page()
            await page.goto(base + "/")
            await page.fill("input[name=token]", "admin-secret")
            await page.click("button[type=submit]")
            await page.wait_for_selector("text=本月收到")
            assert await page.locator("svg.chart polyline").count() == 2
            assert await page.locator("svg.chart rect").count() >= 2
            await page.screenshot(path="/tmp/suqiu-dash.png", full_page=True)
            await page.click("text=诉求台账")
            await page.select_option("select[name=category]", "drainage")
            await page.click("button:has-text('筛选')")
            await page.wait_for_selector("text=共 1 件")
            await page.click("a:has-text('5栋下水道堵了')")
            await page.wait_for_selector("text=处理记录")
            await page.goto(base + "/issues")
            async with page.expect_download() as info:
                await page.click("text=导出 Excel")
            download = await info.value
            path = tmp_path / "ledger.xlsx"
            await download.save_as(path)
            assert load_workbook(path).active["A1"].value == "编号"
            await page.goto(base + "/screen")
            await page.wait_for_selector("text=社区诉求实时大屏")
            await page.screenshot(path="/tmp/suqiu-dash-screen.png", full_page=True)
    finally:
        await runner.cleanup()

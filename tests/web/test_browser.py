"""The dashboard in a real browser (Debian's Chromium through Playwright): log in, drill down
to an issue, open its photo, use the map, the 大屏 at 1920×1080, the ledger on a phone, and
axe-core's WCAG AA checks. Screenshots are kept under tests/artifacts/ (gitignored)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.browser import chromium
from tests.web.conftest import ARTIFACTS, CHAT, build

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"


@pytest.fixture
async def site(db_url: str, tmp_path: Path) -> AsyncIterator[tuple[str, Any]]:
    svc, _clock, _fetched, app = await build(db_url, tmp_path / "photos")
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    port = tcp._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        yield f"http://127.0.0.1:{port}", svc
    finally:
        await runner.cleanup()
        await svc.db.dispose()


async def _login(page: Any, base: str, token: str = "admin-secret") -> None:
    await page.goto(base + "/")
    await page.fill("input[name=token]", token)
    await page.click("button[type=submit]")
    await page.wait_for_selector("text=本月收到")


async def _axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2 A/AA violations on the page as it is now (contrast among them)."""
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "async () => (await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa']}, resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' ') + ': '"
        " + n.failureSummary)}))")
    return list(result)


async def test_drill_down_photo_and_map(site: tuple[str, Any]) -> None:
    base, _ = site
    async with chromium() as browser:
        ctx = await browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")  # type: ignore[attr-defined]
        page = await ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        await _login(page, base)
        assert await page.locator("svg.chart polyline").count() == 2
        assert await page.locator("svg.chart rect[fill='#b42318']").count() >= 1  # 安全: 电梯
        assert await _axe(page) == []
        await page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
        # Drill down: 督办 by street → the street's communities → a community's groups → the
        # group's ledger → the late issue → its photo.
        await page.click("nav a:has-text('督办')")
        await page.wait_for_selector("h1:has-text('督办 · 全区')")
        assert await _axe(page) == []
        await page.click("table.supervision a:has-text('东风街道')")
        await page.wait_for_selector("h1:has-text('督办 · 东风街道')")
        await page.screenshot(path=str(ARTIFACTS / "supervision-street.png"), full_page=True)
        await page.click("table.supervision a:has-text('幸福社区')")
        await page.wait_for_selector("nav.crumbs >> text=幸福社区")
        await page.click("table.supervision a:has-text('幸福社区3栋群')")
        await page.wait_for_selector("text=共 2 件")
        await page.click("a:has-text('幸福社区3栋群-2')")
        await page.wait_for_selector("text=升级与吹哨记录")
        assert "幸福社区3栋群-2" in await page.title() and "幸福社区3栋群" in await page.title()
        await page.wait_for_selector("#issue-map[data-loaded='1']")
        assert await page.locator("#issue-map path.leaflet-interactive").count() >= 1
        img = page.locator(".photos img")
        await img.wait_for()
        assert await img.evaluate("i => i.complete && i.naturalWidth") == 4
        await page.screenshot(path=str(ARTIFACTS / "issue.png"), full_page=True)
        async with ctx.expect_page() as opened:  # type: ignore[attr-defined]
            await page.click(".photos a")
        photo = await opened.value
        await photo.wait_for_load_state()
        assert photo.url.endswith("/photos/0")
        # The map: points coloured by light, clustered, filters applied.
        await page.goto(base + "/map")
        await page.wait_for_selector("#map[data-loaded='2']")
        assert await page.locator(".leaflet-overlay-pane path").count() >= 4  # the units
        assert await page.locator("text=幸福社区").count() >= 1
        await page.screenshot(path=str(ARTIFACTS / "map.png"))
        await page.select_option("select[name=light]", "red")
        await page.click("button:has-text('筛选')")
        await page.wait_for_selector("#map[data-loaded='1']")
        assert "有坐标的诉求 1 件" in await page.inner_text("#map-count")
        assert errors == []


async def test_screen_at_1080p(site: tuple[str, Any]) -> None:
    base, svc = site
    async with chromium() as browser:
        ctx = await browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")  # type: ignore[attr-defined]
        page = await ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        await _login(page, base, "read-secret")
        await page.goto(base + "/screen")
        await page.wait_for_selector("#red li a.ref")
        await page.wait_for_selector("#trend svg")
        assert await page.inner_text("#red li a.ref") == "幸福社区3栋群-2"
        assert await page.locator("#feed li").count() == 5
        assert await page.locator("#units tbody tr").count() == 2
        # The wall fills the screen and nothing spills below it.
        height = await page.evaluate("document.documentElement.scrollHeight")
        assert height <= 1080
        bottom = await page.evaluate(
            "document.getElementById('units-panel').getBoundingClientRect().bottom")
        assert 900 < bottom <= 1080
        assert await _axe(page) == []
        await page.screenshot(path=str(ARTIFACTS / "screen-1920x1080.png"))
        # A new complaint shows on the next refresh, without reloading the page.
        from tests.web.conftest import RES, det

        await page.evaluate("window.__same_page = true")
        await svc.intake(CHAT, 9, RES, "9栋门口井盖松了", det("road", "9栋门口", "井盖松了"))
        await page.evaluate("window.suqiuScreenRefresh()")
        await page.wait_for_selector("#feed li:first-child >> text=幸福社区3栋群-3")
        assert await page.evaluate("window.__same_page") is True
        assert errors == []


async def test_ledger_on_a_phone(site: tuple[str, Any]) -> None:
    base, _ = site
    async with chromium() as browser:
        ctx = await browser.new_context(viewport={"width": 390, "height": 844},  # type: ignore[attr-defined]
                                        device_scale_factor=2, is_mobile=True, has_touch=True,
                                        locale="zh-CN")
        page = await ctx.new_page()
        await _login(page, base)
        await page.goto(base + "/issues")
        row = page.locator("table.issues tbody tr").first
        box = await row.bounding_box()
        assert box is not None and box["width"] > 300  # a card as wide as the phone
        assert await page.locator("table.issues thead").is_hidden()
        label = await page.locator("table.issues td[data-label='负责人']").first.evaluate(
            "td => getComputedStyle(td, '::before').content")
        assert "负责人" in label
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390  # nothing scrolls sideways
        await page.screenshot(path=str(ARTIFACTS / "ledger-390x844.png"), full_page=True)
        await page.click("a:has-text('幸福社区3栋群-2')")
        await page.wait_for_selector("text=处理记录")
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        await page.screenshot(path=str(ARTIFACTS / "issue-390x844.png"), full_page=True)

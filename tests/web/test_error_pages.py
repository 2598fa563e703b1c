"""A page the dashboard cannot show is said in its own frame, in Chinese, with the way back;
JSON, exports and photos keep their own answers."""

from __future__ import annotations

from tests.web.conftest import Dash, login


async def test_a_stale_link_or_a_mistyped_address_is_said_in_chinese(dash: Dash) -> None:
    client = dash.client
    await login(client)
    for path, said in (("/issues/99999", "没有这条诉求"), ("/isues", "找不到这个页面"),
                       ("/issues?since=2026-13-45", "参数无效：since=2026-13-45")):
        r = await client.get(path)
        page = await r.text()
        assert r.status in (400, 404) and r.content_type == "text/html", path
        assert said in page and "Not Found" not in page, path
        assert 'href="/">返回总览</a>' in page and "<nav>" in page, path  # the way back
    api = await client.get("/api/nothing.json")
    assert api.status == 404 and "返回总览" not in await api.text()

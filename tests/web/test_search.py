"""The ledger's search for a reader who sees text masked: it cannot find the digits a mask
hides (a read-only user recovered 138****5678's middle four by searching, one guess at a
time), while words, places and short numbers still find their issues; and % or _ in a
search are the characters typed, not wildcards."""

from __future__ import annotations

import re

from tests.web.conftest import Dash, login


async def _found(dash: Dash, q: str) -> int | None:
    """How many issues the ledger lists for the search (None: refused)."""
    resp = await dash.client.get("/issues", params={"q": q})
    if resp.status != 200:
        return None
    m = re.search(r"共 (\d+) 件", await resp.text())
    assert m
    return int(m.group(1))


async def test_read_only_search_cannot_probe_a_masked_number(dash: Dash) -> None:
    await login(dash.client)  # the read-only token: "5栋下水道堵了 电话138****5678"
    assert await _found(dash, "下水道") == 1
    assert await _found(dash, "5栋") == 2  # 5栋下水道 and 5栋楼道: a number that is whole
    assert await _found(dash, "1381234") is None  # as long as a masked number: refused
    refused = await dash.client.get("/issues", params={"q": "电话13812345678"})
    assert refused.status == 400 and "不能按号码搜索" in await refused.text()
    for probe in ("812345", "1234", "38", "5678", "8 1234"):  # inside the number: nothing
        assert await _found(dash, probe) == 0, probe
    assert await _found(dash, "%") == 0 and await _found(dash, "_") == 0


async def test_the_admin_searches_the_text_as_it_is(dash: Dash) -> None:
    await login(dash.client, "admin-secret")  # the admin sees the number, and finds it
    assert await _found(dash, "13812345678") == 1
    assert await _found(dash, "1234") == 1
    assert await _found(dash, "%") == 0

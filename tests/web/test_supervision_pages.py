"""督办 through the dashboard: /api/stats.json per level with links and rankings, and the
page's drill-down from the street to a group's ledger."""

from __future__ import annotations

import io
import re

from aiohttp.test_utils import TestClient

from tests.web.conftest import CHAT, CHAT2, Dash, login


async def test_stats_json_per_level(dash: Dash) -> None:
    client = dash.client
    await login(client)
    top = await (await client.get("/api/stats.json")).json()
    assert top["by"] == "street"  # the district's top level when no level is asked for
    assert [r["name"] for r in top["rows"]] == ["东风街道"]
    total = top["total"]
    assert total["received"] == 5 and total["overdue_now"] == {"red": 1, "yellow": 1}
    assert total["satisfaction"] == {"满意": 1, "基本满意": 0, "不满意": 1, "sample": 2,
                                     "rate": 0.5}
    assert set(total["ack_minutes"]) == {"median", "p90"}
    community = await (await client.get("/api/stats.json?by=community")).json()
    rows = {r["name"]: r for r in community["rows"]}
    happy = rows["幸福社区"]
    assert happy["received"] == 3 and happy["overdue_now"]["red"] == 1
    assert happy["links"]["red"] == f"/issues?unit={dash.community_id}&light=red"
    assert happy["ack_judged"] >= 1 and 0 <= happy["ack_rate"] <= 1
    assert community["period"]["since"].endswith("-01")
    groups = await (await client.get(
        f"/api/stats.json?by=group&unit={dash.community_id}")).json()
    assert sorted(r["name"] for r in groups["rows"]) == ["幸福社区3栋群", "幸福社区5栋群"]
    assert {r["key"] for r in groups["rows"]} == {str(CHAT), str(CHAT - 2)}
    # 负责人: the assignee, else the group's owner. 王网格 holds his two groups' three issues
    # without assigning them (`by=assignee`, as links made before the holder said it).
    people = await (await client.get("/api/stats.json?by=assignee")).json()
    assert people["by"] == "holder"
    assert [(r["name"], r["key"], r["received"], r["group_owner"]) for r in people["rows"]] \
        == [("王网格", "1", 3, True), ("张师傅", "3", 1, False), ("赵网格", "5", 1, True)]
    depts = await (await client.get("/api/stats.json?by=department")).json()
    assert [r["name"] for r in depts["rows"]] == ["城管"]
    assert set(community["rankings"]) == {"by", "best", "worst"}


async def test_page_drills_down_from_the_street(dash: Dash) -> None:
    client = dash.client
    await login(client)
    page = await (await client.get("/supervision")).text()
    assert "按街道" in page and "东风街道" in page and "按时受理率" in page
    street = re.search(r'<a href="(/supervision\?unit=\d+[^"]*)">东风街道</a>', page)
    assert street
    communities = await (await client.get(street.group(1).replace("&amp;", "&"))).text()
    assert "全区</a>" in communities and "› <a" in communities  # breadcrumbs
    assert "幸福社区" in communities and "和平社区" in communities
    happy = re.search(r'<a href="(/supervision\?unit=\d+[^"]*)">幸福社区</a>', communities)
    assert happy
    groups = await (await client.get(happy.group(1).replace("&amp;", "&"))).text()
    assert "各群情况" in groups and "东风街道</a> › <a" in groups
    ledger = re.search(r'<a href="(/issues\?group=-100[^"]*)">幸福社区3栋群</a>', groups)
    assert ledger
    listing = await (await client.get(ledger.group(1).replace("&amp;", "&"))).text()
    assert "幸福社区3栋群-2" in listing
    assert (await client.get(f"/supervision?by=group&group={CHAT2}")).status == 200


async def test_every_figure_lists_the_issues_it_counts(dash: Dash) -> None:
    """Each number of the supervision figures links to the ledger of exactly the issues it
    counts, per row and for the total; and every headline card of the overview is a link."""
    client = dash.client
    await login(client)
    assert await _every_figure_lists_its_issues(client, "community") > 20  # some of everything
    overview = await (await client.get("/")).text()
    cards = re.findall(r'<(a|div) class="card[^"]*" id="card-(\w+)"', overview)
    assert len(cards) >= 12 and [key for tag, key in cards if tag != "a"] == []
    late = re.search(r'id="card-month_resolve_on_time" href="([^"]+)"', overview)
    assert late and "fact=resolve_late" in late.group(1)
    listing = await (await client.get(late.group(1).replace("&amp;", "&"))).text()
    assert "未按时办结" in listing  # the ledger says what it lists
    assert (await client.get("/issues?fact=nonsense")).status == 400


async def _every_figure_lists_its_issues(client: TestClient, by: str) -> int:
    """Follows every number's link of a report by `by` (each row's and the total's) and
    checks that the ledger lists that many issues; the numbers checked, added up."""
    data = await (await client.get(f"/api/stats.json?by={by}")).json()
    checked = 0
    for f in [data["total"], *data["rows"]]:
        sat = f["satisfaction"]
        counts = {
            "received": f["received"], "rejected": f["rejected"],
            "red": f["overdue_now"]["red"], "yellow": f["overdue_now"]["yellow"],
            "ack_on_time": f["ack_on_time"], "ack_late": f["ack_judged"] - f["ack_on_time"],
            "resolve_on_time": f["resolve_on_time"],
            "resolve_late": f["resolve_judged"] - f["resolve_on_time"],
            "repeat": f["repeat"], "reopened": f["reopened"], "rated": sat["sample"],
            "satisfied": sat["满意"], "basic": sat["基本满意"], "unsatisfied": sat["不满意"]}
        for figure, n in counts.items():
            listing = await (await client.get(f["links"][figure])).text()
            assert f"共 {n} 件" in listing, (f["name"], figure, f["links"][figure])
            checked += n
    return checked


async def test_per_holder_each_row_lists_the_issues_that_person_holds(dash: Dash) -> None:
    """按负责人: an owner's unassigned issues are his, marked （群主）; his name and every
    number of his row open the ledger of exactly what it counts (the holder filter)."""
    client = dash.client
    await login(client)
    assert await _every_figure_lists_its_issues(client, "holder") > 12
    page = await (await client.get("/supervision?by=holder")).text()
    wang = re.search(r'<a href="(/issues\?holder=1&amp;[^"]*)">王网格</a> '
                     r'<span class="muted small">（群主）</span>', page)
    assert wang and "张师傅</a></td>" in page
    listing = await (await client.get(wang.group(1).replace("&amp;", "&"))).text()
    assert "共 3 件" in listing and "幸福社区5栋群-1" in listing
    assert "和平社区7栋群-" not in listing
    # Links made before the holder was the key still answer, with the holder's rows.
    assert "王网格</a> <span" in await (await client.get("/supervision?by=assignee")).text()


def _table_names(page: str) -> list[str]:
    """The names of the supervision table's rows, top to bottom (not the rankings')."""
    return [name for name, _ in _table_rows(page)]


def _table_rows(page: str) -> list[tuple[str, int]]:
    """(name, red) of each row of the supervision table, top to bottom."""
    table = page.split('<table class="cards-sm supervision">', 1)[1].split("</table>", 1)[0]
    return [(name, int(red)) for name, red in re.findall(
        r'<tr><td data-label="[^"]+"><a href="[^"]*">([^<]+)</a>.*?'
        r'data-label="红灯"><a [^>]*>(\d+)</a>', table, re.S)]


async def test_table_sorts_by_a_column_and_pages(dash: Dash, monkeypatch: object) -> None:
    """A district's 4,000 people in charge are not one page: the table shows PAGE_ROWS at a
    time, and a column's heading sorts by it (counts most first, rates lowest first; a second
    click turns the order round), keeping the scope and the period."""
    import web.supervision as supervision

    client = dash.client
    await login(client)
    page = await (await client.get("/supervision?by=holder")).text()
    assert _table_names(page) == ["王网格", "张师傅", "赵网格"]  # most received first
    assert "第 1 / 1 页" not in page  # one page: no pager
    red = re.search(r'<a href="([^"]*sort=red[^"]*)" title="按红灯排序">红灯</a>', page)
    assert red and "by=holder" in red.group(1) and "order=desc" in red.group(1)
    by_red = await (await client.get(red.group(1).replace("&amp;", "&"))).text()
    assert 'aria-sort="descending"' in by_red and "红灯 ▼" in by_red
    reds = [red for _, red in _table_rows(by_red)]
    assert len(reds) == 3 and reds == sorted(reds, reverse=True) and reds != sorted(reds)
    turned = re.search(r'<a href="([^"]*sort=red[^"]*)" title="按红灯排序">红灯 ▼</a>', by_red)
    assert turned and "order=asc" in turned.group(1)
    ascending = await (await client.get(turned.group(1).replace("&amp;", "&"))).text()
    assert [red for _, red in _table_rows(ascending)] == sorted(reds)

    monkeypatch.setattr(supervision, "PAGE_ROWS", 2)  # type: ignore[attr-defined]
    first = await (await client.get("/supervision?by=holder")).text()
    assert _table_names(first) == ["王网格", "张师傅"]
    assert "共 3 个，第 1–2 个（第 1 / 2 页）" in first
    following = re.search(r'<a href="([^"]*)">下一页</a>', first)
    assert following and "by=holder" in following.group(1)
    second = await (await client.get(following.group(1).replace("&amp;", "&"))).text()
    assert _table_names(second) == ["赵网格"] and "第 3–3 个（第 2 / 2 页）" in second
    assert "上一页" in second and "下一页" not in second
    # A page past the end shows the last; the rankings still rank every row.
    past = await (await client.get("/supervision?by=holder&page=9")).text()
    assert _table_names(past) == ["赵网格"]


async def test_a_parameter_that_cannot_be_is_a_400_that_names_it(dash: Dash) -> None:
    """督办's page, its JSON and the export's figures sheet read their parameters as the
    ledger does (web.params): a unit that is no number, a chat id past 64 bits, a date the
    calendar does not have or cannot hold a period before it was a 500 — or, for a month
    13, silently this month's figures under the reader's own link."""
    client = dash.client
    await login(client, "admin-secret")
    for query in ("unit=²", "group=99999999999999999999999", "since=2026-13-01",
                  "until=9999-12-31", "since=0001-01-02", "page=x", "unit=-3"):
        for path in ("/supervision", "/api/stats.json", "/export.xlsx"):
            resp = await client.get(f"{path}?{query}")
            assert resp.status == 400, (path, query, resp.status)
            assert query.split("=")[0] in await resp.text(), (path, query)
    assert (await client.get("/api/stats.json?since=2026-11-01&until=2026-11-30")).status == 200


async def test_the_supervisor_exports_the_table_she_sees(dash: Dash) -> None:
    """督办 as the admin sees it — per 负责人, sorted by red lights — exports as she sees it:
    the figures sheet's table in the page's rows and order, its total what the page says;
    the read-only viewer gets no such button (and the export refuses him)."""
    from openpyxl import load_workbook

    client = dash.client
    await login(client)
    assert "导出 Excel" not in await (await client.get("/supervision?by=holder")).text()
    assert (await client.get("/export.xlsx?by=holder")).status == 403
    await login(client, "admin-secret")
    page = await (await client.get("/supervision?by=holder&sort=red&order=asc")).text()
    link = re.search(r'<a class="btn" href="(/export\.xlsx\?[^"]*)"[^>]*>导出 Excel</a>', page)
    assert link, "no export on the supervision page"
    book = load_workbook(io.BytesIO(await (await client.get(
        link.group(1).replace("&amp;", "&"))).read()))
    sheet = list(book["督办指标"].iter_rows(min_row=2, values_only=True))
    head = next(n for n, r in enumerate(sheet) if r[0] and str(r[0]).startswith("负责人"))
    names = [str(r[0]).removesuffix("（群主）") for r in sheet[head + 1:]]
    assert names == _table_names(page)
    received = re.search(r'<div class="label">收到</div><div class="num">(\d+)</div>', page)
    assert received and {r[0]: r[1] for r in sheet}["收到"] == int(received.group(1))

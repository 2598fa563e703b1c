"""督办 through the dashboard: /api/stats.json per level with links and rankings, and the
page's drill-down from the street to a group's ledger."""

from __future__ import annotations

import re

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
    people = await (await client.get("/api/stats.json?by=assignee")).json()
    assert [(r["name"], r["key"]) for r in people["rows"]] == [("张师傅", "3")]
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

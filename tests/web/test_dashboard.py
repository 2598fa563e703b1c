"""Dashboard pages, JSON and Open311 through aiohttp's test client, on both databases."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import CHAT, CHAT2, OWNER, RES, WORKER, Dash, det, login


async def test_no_page_or_export_without_token(dash: Dash) -> None:
    client = dash.client
    resp = await client.get("/", allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"].startswith("/login")
    for path in ("/export.csv", "/api/stats.json", "/api/screen.json", "/api/map.json"):
        assert (await client.get(path)).status == 401, path
    issue = await dash.svc.get_issue(CHAT, 2)
    photo = await client.get(f"/issues/{issue.id}/photos/0", allow_redirects=False)
    assert photo.status == 302 and dash.fetched == []  # no photo without a login
    bad = await client.post("/login", data={"token": "guess"})
    assert "口令不正确" in await bad.text()
    bearer = await client.get("/api/stats.json",
                              headers={"Authorization": "Bearer admin-secret"})
    assert bearer.status == 200


async def test_overview_cards_say_median_and_link_to_the_ledger(dash: Dash) -> None:
    client = dash.client
    await login(client)
    page = await (await client.get("/")).text()
    assert "平均" not in page and "受理用时中位数" in page and "办结用时中位数" in page
    red = re.search(r'<a class="card red" id="card-red" href="([^"]+)"', page)
    yellow = re.search(r'<a class="card yellow" id="card-yellow" href="([^"]+)"', page)
    assert red and yellow, "超时/临期 cards are links"
    red_list = await (await client.get(red.group(1).replace("&amp;", "&"))).text()
    assert "共 1 件" in red_list and "5栋下水道堵了" in red_list
    yellow_list = await (await client.get(yellow.group(1).replace("&amp;", "&"))).text()
    assert "共 1 件" in yellow_list and "楼道灯不亮" in yellow_list
    # Per community this month, each count a link to the ledger of that community.
    assert "各社区本月情况" in page and "和平社区" in page
    assert f'href="/issues?unit={dash.community_id}&amp;light=red">1</a>' in page
    assert "按时办结率" in page and "全部督办指标" in page


async def test_trend_labels_are_not_clipped_and_days_link(dash: Dash) -> None:
    client = dash.client
    await login(client)
    page = await (await client.get("/")).text()
    svg = page[page.index('aria-label="近14天'):]
    svg = svg[:svg.index("</svg>")]
    labels = re.findall(r'<text x="([\d.]+)" y="[\d.]+" font-size="11" '
                        r'text-anchor="(\w+)" fill="[^"]+">(\d\d-\d\d)</text>', svg)
    last_x, anchor, _ = labels[-1]
    assert anchor == "end" and float(last_x) <= 640  # ends inside the viewBox, not cut
    assert svg.count('<a href="/issues?since=') == 14


async def test_ledger_references_owner_default_and_phone_cards(dash: Dash) -> None:
    client = dash.client
    await login(client)
    listing = await (await client.get("/issues")).text()
    # The reference names the group: two groups' "#1" are told apart.
    assert "幸福社区3栋群-1" in listing and "和平社区7栋群-1" in listing
    # 负责人: the assignee when there is one, otherwise the group's owner, marked as such.
    assert "张师傅" in listing and "赵网格 <span class=\"muted small\">（群主）" in listing
    assert 'data-label="负责人"' in listing and 'class="issues cards-sm"' in listing
    in_unit = await (await client.get(f"/issues?unit={dash.street_id}")).text()
    assert "共 5 件" in in_unit
    mine = await (await client.get("/issues?assignee=3")).text()
    assert "共 1 件" in mine and "7栋电梯坏了" in mine
    # By 负责人: what a person holds, as the column shows it. 王网格 assigned nothing in his
    # two groups; the list offers everyone who holds something, the owners included.
    held = await (await client.get("/issues?holder=1")).text()
    assert "共 3 件" in held and "幸福社区5栋群-1" in held and "和平社区7栋群-" not in held
    people = held[held.index('<select name="holder"'):]
    people = people[:people.index("</select>")]
    assert re.findall(r'<option value="(\d+)" ?(selected)?>([^<]+)</option>', people) == [
        ("3", "", "张师傅"), ("1", "selected", "王网格"), ("5", "", "赵网格")]
    assert "共 1 件" in await (await client.get("/issues?holder=5")).text()
    dept = await (await client.get("/issues?dept=chengguan")).text()
    assert "共 1 件" in dept and "5栋下水道堵了" in dept
    assert (await client.get("/issues/99999")).status == 404


async def test_the_group_filter_lists_the_groups_issues_are_filed_in(dash: Dash) -> None:
    """A department's group files nothing and a unit's own group only receives what is
    relayed: choosing one always showed an empty ledger. Left out, unless something was
    filed in a unit's group, which is then marked 工作群."""
    svc, owner = dash.svc, OWNER.user_id or 0
    await svc.register_department_group(-300, "chengguan", OWNER, "城管执法队群")
    await svc.register_group(-200, "东风街道工作群", OWNER, [OWNER])
    await svc.set_unit_home(-200, owner, "东风街道", "street")
    await svc.register_group(-201, "幸福社区工作群", OWNER, [OWNER])
    await svc.set_unit_home(-201, owner, "幸福社区", "community")
    await svc.intake(-201, 1, RES, "社区门口路灯坏了", det("streetlight", "社区门口", "路灯坏了"))
    await login(dash.client)
    listing = await (await dash.client.get("/issues")).text()
    groups = listing[listing.index('<select name="group"'):]
    groups = groups[:groups.index("</select>")]
    assert re.findall(r'<option value="(-?\d+)" ?>([^<]+)</option>', groups) == [
        (str(CHAT), "幸福社区3栋群"), (str(CHAT2), "和平社区7栋群"), ("-102", "幸福社区5栋群"),
        ("-201", "幸福社区工作群（工作群）")]


async def test_issue_detail(dash: Dash) -> None:
    client = dash.client
    await login(client)
    resolved = await dash.svc.get_issue(CHAT2, 2)
    page = await (await client.get(f"/issues/{resolved.id}")).text()
    assert "<title>和平社区7栋群-2 垃圾没人清 · 和平社区7栋群 · 诉求仪表盘</title>" in page
    # Reopened by the 不满意: the old 办结说明 is the last attempt, not how it ended.
    assert "<dt>办结说明</dt><dd>尚未办结" in page and "上次办结说明：已清运" in page
    assert "不满意（1分），重新办理" in page  # the rating in the resident's words
    assert "（已办结 → 处理中）" in page  # the timeline shows the status change
    escalated = await dash.svc.get_issue(CHAT, 2)
    page = await (await client.get(f"/issues/{escalated.id}")).text()
    # Held by the group's owner: his name opens what he holds.
    assert '<a href="/issues?holder=1">王网格</a> <span class="muted">（群主，未另行交办）' in page
    assert "吹哨上报" in page and "城管" in page and "原定办结时限" in page
    assert "受理，<b class=\"late\">超时</b>" in page  # acknowledged a day late
    assert 'id="issue-map"' in page and 'data-lat="28.18"' in page
    assert f'<img src="/issues/{escalated.id}/photos/0"' in page
    assert "照片 <span class=\"muted small\">1 张" in page


async def test_photo_fetched_once_then_from_the_cache(dash: Dash) -> None:
    client = dash.client
    await login(client)
    issue = await dash.svc.get_issue(CHAT, 2)
    first = await client.get(f"/issues/{issue.id}/photos/0")
    assert first.status == 200 and first.content_type == "image/png"
    assert first.headers["Cache-Control"].startswith("private")
    body = await first.read()
    again = await client.get(f"/issues/{issue.id}/photos/0")
    assert await again.read() == body and dash.fetched == ["photo-file-1"]
    assert (await client.get(f"/issues/{issue.id}/photos/1")).status == 404
    other = await dash.svc.get_issue(CHAT2, 1)
    await dash.svc.add_photo(CHAT2, 1, WORKER, "expired-file")
    assert (await client.get(f"/issues/{other.id}/photos/0")).status == 503


async def test_screen_json_serves_the_wall(dash: Dash) -> None:
    client = dash.client
    await login(client)
    page = await (await client.get("/screen")).text()
    assert 'id="screen-data"' in page and "http-equiv" not in page  # no full-page reload
    data = await (await client.get("/api/screen.json")).json()
    assert [c["key"] for c in data["cards"]][:2] == ["today_received", "today_answered"]
    assert [r["ref"] for r in data["red"]] == ["幸福社区3栋群-2"]
    assert data["red"][0]["late"].startswith("超时")
    assert data["feed"][0]["ref"] == "幸福社区5栋群-1"  # newest first
    assert data["units_level"] == "社区"
    units = {u["name"]: u for u in data["units"]}
    assert units["幸福社区"]["red"] == 1 and units["幸福社区"]["yellow"] == 1
    assert len(data["trend"]["days"]) == 14
    # Nothing of a resident's own words or name on the wall.
    flat = str(data)
    assert "13812345678" not in flat and "李阿姨" not in flat


async def test_map_points_follow_the_filters(dash: Dash) -> None:
    client = dash.client
    await login(client)
    everything = await (await client.get("/api/map.json")).json()
    refs = sorted(f["properties"]["ref"] for f in everything["features"])
    assert refs == ["和平社区7栋群-1", "幸福社区3栋群-2"]
    drain = next(f for f in everything["features"] if f["properties"]["ref"].endswith("-2"))
    assert drain["geometry"]["coordinates"] == [pytest.approx(112.962), pytest.approx(28.18)]
    assert drain["properties"]["light"] == "red"
    red = await (await client.get("/api/map.json?light=red")).json()
    assert [f["properties"]["ref"] for f in red["features"]] == ["幸福社区3栋群-2"]
    units = await (await client.get("/api/units.geojson")).json()
    assert {f["properties"]["name"] for f in units["features"]} >= {"幸福社区", "和平社区"}
    page = await (await client.get("/map?light=red")).text()
    assert 'data-points="/api/map.json?light=red"' in page


async def test_open311(dash: Dash) -> None:
    client, svc = dash.client, dash.svc
    services = await (await client.get("/open311/v2/services.json")).json()
    first = services[0]
    assert first["service_code"] == "streetlight" and first["service_name"] == "路灯照明"
    reqs = await (await client.get("/open311/v2/requests.json?status=open")).json()
    assert sorted(r["service_code"] for r in reqs) == ["drainage", "elevator", "garbage",
                                                       "streetlight"]
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


async def test_satisfaction_waits_for_enough_ratings(dash: Dash) -> None:
    """Two ratings this month (one 不满意) are no "满意度 50%" on the overview or the wall:
    the rate shows once figures.satisfaction_min_ratings (5) people have rated."""
    client = dash.client
    await login(client)
    data = await (await client.get("/api/screen.json")).json()
    card = {c["key"]: c for c in data["cards"]}["month_satisfaction"]
    assert card["value"] == "—" and "评价不足 5 条（现有 2 条）" in card["hint"]
    assert {u["satisfaction_rate"] for u in data["units"]} == {"—"}
    page = await (await client.get("/")).text()
    shown = re.search(r'id="card-month_satisfaction".*?<div class="num">([^<]*)</div>', page,
                      re.S)
    assert shown and shown.group(1) == "—" and "评价不足 5 条" in page
    # The supervision page too: its card and every row (the JSON keeps the raw sample).
    figures = await (await client.get("/supervision?by=group")).text()
    card = re.search(r'<div class="label">满意度</div><div class="num"><a [^>]*>([^<]*)</a>',
                     figures)
    assert card and card.group(1) == "—" and "评价不足 5 条，暂不计算" in figures
    rows = re.findall(r'<td data-label="满意度"><a [^>]*>([^<]*)</a>', figures)
    assert rows and set(rows) == {"—"}

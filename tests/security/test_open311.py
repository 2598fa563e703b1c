"""#15 items 5, 12 and Open311's part of 11: what Open311 publishes, in the GeoReport v2
shapes (checked with the `georeport` client from PyPI), and what a POST may do."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from georeport import GeoReport

from issues.db import Database
from issues.service import IssueService
from issues.settings import load_settings
from issues.views import PersonRef
from nlp.types import Detection
from web.app import make_app

OWNER = PersonRef(1, "王网格", "wang_wangge")
RES = PersonRef(2, "李阿姨", None)
DISTRICT = PersonRef(900, "区管理员", "district")
PUBLIC, PRIVATE, DEPT, INTAKE = -100, -200, -300, -400
PHONE_TEXT = "3栋门口路灯坏了好几天了，电话138 0013 8001，身份证110101 19900307 123X"
Api = tuple[TestClient, IssueService]


def _digits(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isdecimal())


def _det(category: str, location: str | None = None) -> Detection:
    return Detection(True, category, 0.9, False, location, "路灯坏了")


async def _ledger(svc: IssueService) -> None:
    """A public group with an ordinary, a 不是诉求 and a rejected issue; a private group; a
    department group listed as public by mistake; the group Open311 requests go to."""
    await svc.register_group(PUBLIC, "幸福社区3栋群", OWNER, [OWNER])
    await svc.intake(PUBLIC, 1, RES, PHONE_TEXT, _det("streetlight", "3栋门口"))
    await svc.intake(PUBLIC, 2, RES, "今天天气真好，电梯也修好了", _det("elevator"))
    await svc.reject(PUBLIC, 2, OWNER, "不是诉求", as_false_positive=True)
    await svc.intake(PUBLIC, 3, RES, "楼上装修太吵了", _det("noise"))
    await svc.reject(PUBLIC, 3, OWNER, "白天装修不违规")
    await svc.register_group(PRIVATE, "幸福社区5栋群", OWNER, [OWNER])
    await svc.intake(PRIVATE, 1, RES, "5栋电梯又坏了", _det("elevator", "5栋"))
    await svc.register_group(DEPT, "城管执法队", DISTRICT, [DISTRICT])
    await svc.register_department_group(DEPT, "chengguan", DISTRICT)
    await svc.register_group(INTAKE, "12345转办群", OWNER, [OWNER])


@pytest.fixture
async def api_factory(db_url: str) -> AsyncIterator[Callable[..., Awaitable[Api]]]:
    made: list[tuple[TestClient, Database]] = []

    async def make(**web: Any) -> Api:
        settings = load_settings(
            overrides={"database_url": db_url, "web": {"open311_group": INTAKE, **web},
                       "trust": {"district_admins": [DISTRICT.user_id]}},
            env={"SUQIU_OPEN311_API_KEY": "key-311", "SUQIU_DASHBOARD_TOKEN": "read"})
        db = Database(db_url)
        svc = IssueService(db, settings)
        if not made:
            await _ledger(svc)
        client = TestClient(TestServer(make_app(settings, svc)))
        await client.start_server()
        made.append((client, db))
        return client, svc

    yield make
    for client, db in made:
        await client.close()
        await db.dispose()


async def _requests(client: TestClient, query: str = "") -> list[dict[str, Any]]:
    resp = await client.get(f"/open311/v2/requests.json{query}")
    assert resp.status == 200, await resp.text()
    return list(await resp.json())


async def test_nothing_is_published_until_groups_are_marked_public(
        api_factory: Callable[..., Awaitable[Api]]) -> None:
    client, svc = await api_factory()
    assert await _requests(client) == []
    first = await svc.get_issue(PUBLIC, 1)
    assert (await client.get(f"/open311/v2/requests/{first.id}.json")).status == 404
    assert await _requests(client, f"?service_request_id={first.id}") == []


async def test_public_output_is_masked_and_leaves_out_what_it_must(
        api_factory: Callable[..., Awaitable[Api]]) -> None:
    client, svc = await api_factory(open311_public_groups=[PUBLIC, DEPT])
    await svc.escalate(PUBLIC, 1, OWNER, "chengguan")
    published = await _requests(client)
    assert [r["service_code"] for r in published] == ["streetlight"]  # no 不是诉求, no 不予受理
    body = json.dumps(published, ensure_ascii=False)
    assert "路灯坏了" in body
    assert "13800138001" not in _digits(body) and "19900307" not in _digits(body)
    assert "李阿姨" not in body  # the reporter is nobody's business
    private = await svc.get_issue(PRIVATE, 1)
    one = await client.get(f"/open311/v2/requests/{private.id}.json")
    assert one.status == 404 and (await one.json())[0]["code"] == 404
    # Asked for by its id, a withdrawn (不是诉求) or rejected request is closed, saying which,
    # and nothing of its words or place: its client learns its fate, the chat stays unread.
    ended = [await svc.get_issue(PUBLIC, 2), await svc.get_issue(PUBLIC, 3)]
    for issue, notes in zip(ended, ("误识别", "不予受理"), strict=True):
        one = await client.get(f"/open311/v2/requests/{issue.id}.json")
        assert one.status == 200, await one.text()
        [shown] = await one.json()
        assert (shown["service_request_id"], shown["status"], shown["status_notes"]) == (
            str(issue.id), "closed", notes)
        assert shown["description"] == "" and shown["address"] == ""
        assert shown["lat"] is None and shown["expected_datetime"] is None
    ids = ",".join(str(i.id) for i in [*ended, private])
    listed = await _requests(client, f"?service_request_id={ids}")
    assert [(r["status"], r["description"]) for r in listed] == [("closed", "")] * 2
    body = json.dumps(listed, ensure_ascii=False)
    assert "天气" not in body and "装修" not in body
    assert await _requests(client, "?status=closed") == []  # never in a list


async def test_georeport_client_reads_the_shapes(
        api_factory: Callable[..., Awaitable[Api]]) -> None:
    client, svc = await api_factory(open311_public_groups=[PUBLIC])
    geo = GeoReport(str(client.make_url("/open311/v2")))
    services = await asyncio.to_thread(geo.get_service_list)
    assert {s["service_code"] for s in services} >= {"streetlight", "noise"}
    heating = next(s for s in services if s["service_code"] == "heating")
    assert heating["service_name"] == "供暖"
    definition = await asyncio.to_thread(geo.get_service_definition, "streetlight")
    assert definition["service_code"] == "streetlight" and definition["attributes"] == []
    first = await svc.get_issue(PUBLIC, 1)
    one = await asyncio.to_thread(geo.get_service_request, str(first.id))
    assert one["service_request_id"] == str(first.id) and one["status"] == "open"
    many = await asyncio.to_thread(geo.get_service_requests, None, "streetlight")
    assert [r["service_request_id"] for r in many] == [str(first.id)]
    raw = await client.get(f"/open311/v2/requests/{first.id}.json")
    assert isinstance(await raw.json(), list) and len(await raw.json()) == 1


async def test_errors_use_the_georeport_format(
        api_factory: Callable[..., Awaitable[Api]], monkeypatch: pytest.MonkeyPatch) -> None:
    client, svc = await api_factory(open311_public_groups=[PUBLIC])

    async def error_of(resp: Any, status: int) -> None:
        assert resp.status == status, await resp.text()
        body = await resp.json()
        assert isinstance(body, list) and body[0]["code"] == status and body[0]["description"]

    await error_of(await client.get("/open311/v2/services/nope.json"), 404)
    await error_of(await client.get("/open311/v2/nothing-here.json"), 404)
    big = io.BytesIO(b"api_key=key-311&service_code=noise&description=" + b"x" * 2**21)
    await error_of(await client.post(
        "/open311/v2/requests.json", data=big,
        headers={"Content-Type": "application/x-www-form-urlencoded"}), 413)

    async def broken(*args: object, **kw: object) -> None:
        raise RuntimeError("database gone")

    monkeypatch.setattr(svc, "list_issues", broken)
    await error_of(await client.get("/open311/v2/requests.json"), 500)


async def test_bad_dates_and_bodies_are_answered_400_not_500(
        api_factory: Callable[..., Awaitable[Api]]) -> None:
    """#15 item 11 (Open311): a date without a time, a date out of range, garbage, a body that
    is not UTF-8: a clear answer, nothing written."""
    client, svc = await api_factory(open311_public_groups=[PUBLIC])
    day = await client.get("/open311/v2/requests.json?start_date=2026-01-01")
    assert day.status in (200, 400) and isinstance(await day.json(), list)
    for query in ("start_date=0001-01-01", "end_date=9999-12-31T23:59:59-12:00",
                  "start_date=yesterday", "status=maybe"):
        resp = await client.get(f"/open311/v2/requests.json?{query}")
        assert resp.status in (200, 400), (query, resp.status)
        assert isinstance(await resp.json(), list)
    before = (await svc.list_issues(page=1, page_size=50)).total
    bad = await client.post("/open311/v2/requests.json",
                            data=b"api_key=key-311&service_code=noise&description=\xff\xfe\xb3",
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert bad.status == 400 and (await bad.json())[0]["code"] == 400
    assert (await svc.list_issues(page=1, page_size=50)).total == before


async def test_the_calendars_ends_mean_everything_not_an_error(
        api_factory: Callable[..., Awaitable[Api]]) -> None:
    """A client asking for everything names the calendar's first and last days; off UTC they
    lie beyond what a datetime holds, and had been answered 400 "must be W3C dates"."""
    client, _ = await api_factory(open311_public_groups=[PUBLIC])
    for query in ("start_date=0001-01-01&end_date=9999-12-31",
                  "start_date=0001-01-01T00:00:00%2B14:00",
                  "end_date=9999-12-31T23:59:59-12:00"):
        ids = [r["service_request_id"] for r in await _requests(client, f"?{query}")]
        assert ids == ["1"], (query, ids)


async def _post(client: TestClient, **form: str) -> Any:
    return await client.post("/open311/v2/requests.json",
                             data={"api_key": "key-311", "service_code": "noise", **form})


async def test_post_never_merges_distinct_requests_nor_records_bad_coordinates(
        api_factory: Callable[..., Awaitable[Api]]) -> None:
    """#15 item 12: two residents' requests without an address are two issues, each keeps its
    coordinates; invalid coordinates are refused before anything is recorded."""
    client, svc = await api_factory()
    first = await _post(client, description="晚上十点广场舞音响还开得很大", lat="28.2",
                        long="112.9")
    second = await _post(client, description="凌晨工地还在施工打桩", lat="28.3", long="113.0")
    assert first.status == 200 and second.status == 200
    a = int((await first.json())[0]["service_request_id"])
    b = int((await second.json())[0]["service_request_id"])
    assert a != b
    assert (await svc.get_issue_by_id(a)).lat == pytest.approx(28.2)
    assert (await svc.get_issue_by_id(b)).lat == pytest.approx(28.3)
    before = (await svc.list_issues(page=1, page_size=50)).total
    for lat, lon in (("999", "112.9"), ("nan", "112.9"), ("28.2", "inf"), ("28.2", "")):
        resp = await _post(client, description=f"坐标{lat}的新诉求", lat=lat, long=lon)
        assert resp.status == 400 and (await resp.json())[0]["code"] == 400
    assert (await svc.list_issues(page=1, page_size=50)).total == before


async def test_post_shows_the_new_issue_in_the_receiving_group(trust_bot: Any) -> None:
    """#15 item 12: the group an Open311 request is sent to sees its card, with the owner's
    buttons, like an issue a resident reported there."""
    h = await trust_bot()
    g = await h.group("12345转办群")
    settings = dataclasses.replace(h.app.bot_data.settings, open311_group=g["chat"],
                                   open311_api_key="key-311")
    client = TestClient(TestServer(make_app(settings, h.service)))
    await client.start_server()
    try:
        made = await _post(client, description="晚上十点广场舞音响还开得很大，电话13800138001",
                           lat="28.2", long="112.9")
        assert made.status == 200
        issue_id = int((await made.json())[0]["service_request_id"])
        card = await h.client.wait_for(g["chat"], lambda m: "广场舞" in h.text(m))
        assert "#1" in h.text(card) and "13800138001" not in h.text(card)
        assert card.get("reply_markup", {}).get("inline_keyboard")
        issue = await h.service.get_issue_by_id(issue_id)
        assert issue.card_message_id == card["message_id"]
    finally:
        await client.close()

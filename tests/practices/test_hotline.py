"""12345 hotline orders through the real bot: a CSV file imported twice by `suqiu import
hotline` opens each order once, in the group that owns its place (or the fallback group),
and the bot posts each card there once with "来源：12345热线"; the same orders through the
dashboard's API (admin only) are the same issues; what became of each order is exported back.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer

from bot.cli import main
from bot.jobs.practices import post_waiting_cards
from tests.practices.conftest import Practice, Start, text_of
from web.app import make_app

HOTLINE = {"practices": {"hotline": {
    "routes": [{"place": "幸福路|幸福社区", "group": "幸福社区3栋群"},
               {"place": "光明", "group": "光明社区群"}],
    "fallback_group": "街道综合群",
    "categories": {"路灯": "streetlight", "垃圾清运": "garbage"}}}}
ORDERS = [
    {"number": "2026113000001", "time": "2026-11-30 08:15", "address": "幸福路12号",
     "text": "幸福路12号门口路灯不亮一个星期了，晚上很黑", "category": "城市管理/市政设施/路灯",
     "phone": "13912345678"},
    {"number": "2026113000002", "time": "2026-11-30 09:40", "address": "光明小区5栋",
     "text": "光明小区5栋楼下垃圾两天没人清运，气味很大", "category": "环境卫生/垃圾清运",
     "phone": "13800001111"},
    {"number": "2026113000003", "time": "2026-11-30 10:05", "address": "建设路88号",
     "text": "建设路88号附近有人占道经营，行人没法走", "category": "其他/咨询",
     "phone": "13700002222"},
]


def _card_of(order: str) -> Any:
    return lambda m: "来源：12345热线" in text_of(m) and order in text_of(m)


async def _groups(h: Practice) -> dict[str, int]:
    return {t: await h.bare_group(t) for t in ("幸福社区3栋群", "光明社区群", "街道综合群")}


def _write_csv(path: Path, orders: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(orders[0]))
        w.writeheader()
        w.writerows(orders)


async def test_a_hotline_file_imported_twice_routed_by_place(
        practice: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    h = await practice(**HOTLINE)
    chats = await _groups(h)
    site = tmp_path / "site.yaml"
    site.write_text(yaml.safe_dump(HOTLINE, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("SUQIU_CONFIG", str(site))
    monkeypatch.setenv("SUQIU_DATABASE_URL", h.service.settings.database_url)
    orders = tmp_path / "orders.csv"
    _write_csv(orders, ORDERS)

    assert await asyncio.to_thread(main, ["import", "hotline", str(orders)]) == 0
    assert "新建 3 条，已导入过 0 条，失败 0 条" in capsys.readouterr().out
    await post_waiting_cards(h.app.bot, h.service)
    routed = {"2026113000001": "幸福社区3栋群", "2026113000002": "光明社区群",
              "2026113000003": "街道综合群"}
    for order, title in routed.items():
        card = await h.client.wait_for(chats[title], _card_of(order))
        assert f"工单 {order}" in text_of(card)
        # No resident's message here to reply to: the card itself is what takes a reply.
        assert "回复这张卡片" in text_of(card) and "回复居民的消息" not in text_of(card)
    first = {m["message_id"] for c in chats.values() for m in await h.client.bot_messages(c)}

    # The same file again (and a tick): nothing new, no second card.
    assert await asyncio.to_thread(main, ["import", "hotline", str(orders)]) == 0
    assert "新建 0 条，已导入过 3 条" in capsys.readouterr().out
    await post_waiting_cards(h.app.bot, h.service)
    again = {m["message_id"] for c in chats.values() for m in await h.client.bot_messages(c)}
    assert again == first
    page = await h.service.list_issues()
    assert page.total == 3
    by_order = {i.external_id: i for i in page.items}
    assert {o: i.group_title for o, i in by_order.items()} == routed
    assert by_order["2026113000001"].category == "streetlight"
    assert by_order["2026113000002"].category == "garbage"
    assert by_order["2026113000003"].category == "other"
    assert {i.channel for i in page.items} == {"12345"}

    # The grid works the order in its group; the outcome goes back per order.
    street = by_order["2026113000001"]
    grid, owner = chats["幸福社区3栋群"], h.official  # the groups' creator owns them
    for command, status in ((f"/progress {street.number} 已联系电工，明天上午来换", "in_progress"),
                            (f"/resolve {street.number} 路灯已更换", "resolved")):
        await h.say(grid, owner, command)
        for _ in range(100):
            if (await h.service.get_issue(grid, street.number)).status == status:
                break
            await asyncio.sleep(0.1)
    # The caller is not in the group: nobody there is asked to rate, no buttons to press.
    done_msg = await h.client.wait_for(grid, lambda m: "已办结" in text_of(m)
                                       and "路灯已更换" in text_of(m))
    assert "请评价" not in text_of(done_msg) and "由12345热线回访" in text_of(done_msg)
    assert "reply_markup" not in done_msg
    out = tmp_path / "back.json"
    assert await asyncio.to_thread(main, ["export", "hotline", "-o", str(out)]) == 0
    rows = {r["order"]: r for r in json.loads(out.read_text(encoding="utf-8"))}
    assert set(rows) == set(routed)
    done = rows["2026113000001"]
    assert done["status_name"] == "已办结" and done["result"] == "路灯已更换"
    assert any("进展：已联系电工" in p for p in done["progress"])
    assert rows["2026113000002"]["status_name"] == "待受理"
    back_csv = tmp_path / "back.csv"
    assert await asyncio.to_thread(main, ["export", "hotline", "-o", str(back_csv)]) == 0
    assert "2026113000001" in back_csv.read_text(encoding="utf-8-sig")


async def test_orders_through_the_api_are_the_same_issues(practice: Start) -> None:
    h = await practice(**HOTLINE)
    chats = await _groups(h)
    settings = dataclasses.replace(h.service.settings, dashboard_token="read-secret",
                                   dashboard_admin_token="admin-secret")
    async with TestClient(TestServer(make_app(settings, h.service))) as web:
        url = "/api/hotline/orders"
        assert (await web.post(url, json=ORDERS)).status == 401
        read = {"Authorization": "Bearer read-secret"}
        admin = {"Authorization": "Bearer admin-secret"}
        refused = await web.post(url, json=ORDERS, headers=read)
        assert refused.status == 403 and await refused.text() == "导入热线工单需要管理员口令"
        form = await web.post(url, data={"x": "1"}, headers=admin)
        assert form.status == 415  # never a form a foreign page could send
        bad = await web.post(url, json=[{"number": "X1"}], headers=admin)
        assert bad.status == 400 and (await bad.json())["error"] == "hotline_row"

        took = await web.post(url, json=ORDERS[:2], headers=admin)
        assert took.status == 200
        body = await took.json()
        assert body["created"] == 2 and body["failed"] == []
        await h.client.wait_for(chats["光明社区群"], _card_of("2026113000002"))
        twice = await (await web.post(url, json={"orders": ORDERS}, headers=admin)).json()
        assert (twice["created"], twice["existing"]) == (1, 2)
        await h.client.wait_for(chats["街道综合群"], _card_of("2026113000003"))
        await post_waiting_cards(h.app.bot, h.service)  # the tick finds nothing left to post
        cards = [m for m in await h.client.bot_messages(chats["幸福社区3栋群"])
                 if "来源：12345热线" in text_of(m)]
        assert len(cards) == 1

        back = await web.get("/api/hotline/orders.json?order=2026113000002", headers=admin)
        [row] = await back.json()
        assert row["order"] == "2026113000002" and row["group"] == "光明社区群"
        refused = await web.get("/api/hotline/orders.json", headers=read)
        assert refused.status == 403
        assert await refused.text() == "查看热线工单的办理结果需要管理员口令"  # it imports nothing
    assert (await h.service.list_issues()).total == 3


def test_a_hotline_export_with_its_own_chinese_columns_is_read() -> None:
    """A 12345 system's export names its columns in Chinese (工单编号, 诉求内容, …): the
    shipped practices.hotline.columns read them, and a file in our names still reads."""
    from issues.hotline import parse_orders
    from issues.settings import load_settings

    columns = load_settings(env={}).practices.hotline.columns
    text = ("工单编号,受理时间,诉求内容,问题分类,事发地址,来电号码\n"
            "2026113000009,2026-11-30 08:15,幸福路12号路灯不亮,城市管理/路灯,幸福路12号,"
            "13912345678\n")
    (order,) = parse_orders(text.encode("utf-8-sig"), "csv", columns)
    assert (order.number, order.text, order.address, order.phone) == (
        "2026113000009", "幸福路12号路灯不亮", "幸福路12号", "13912345678")
    assert order.category == "城市管理/路灯" and order.at is not None
    (same,) = parse_orders(json.dumps([ORDERS[0]]), "json", columns)
    assert same.number == "2026113000001"

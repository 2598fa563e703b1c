"""Inline buttons through the offline layer: typed callback data in, alerts for refusals (only
the presser sees them), the group told of what changed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.jobs.practices import follow_up
from tests.bot.conftest import bot_settings
from tests.ledgers import migrated_sqlite
from tests.offline import JSON, Group, OfflineBot, Person, plain


async def test_card_buttons_carry_typed_callback_data(bot: OfflineBot) -> None:
    group, owner, (resident, _) = await bot.group()
    await bot.say(group, resident, "3栋门口路灯坏了好几天了")
    assert bot.buttons(bot.card(1)) == ["ack:1", "dispatch:1", "resolve:1", "notissue:1"]
    await bot.press(owner, bot.card(1), "resolve:1")
    ask = bot.bot_message("请评价")
    assert bot.buttons(ask) == ["rate:1:5", "rate:1:3", "rate:1:1"]
    assert bot.buttons(bot.card(1)) == []  # a resolved issue's card has no buttons


async def test_refusals_are_alerts_to_the_presser_only(bot: OfflineBot) -> None:
    group, owner, (a, b) = await bot.group()
    said = await bot.say(group, a, "3栋门口路灯坏了好几天了")
    before = len(bot.sent())
    for who, data, expect in ((b, "ack:1", "群主"), (owner, "ack:99", "这个按钮已失效"),
                              (owner, "frobnicate:1", "这个按钮已失效"),
                              (owner, "ack:one", "这个按钮已失效"),
                              (a, "dispatch:1", "只有群主、管理员或负责人可以交办")):
        await bot.press(who, bot.card(1), data)
        alert = bot.alerts()[-1]
        assert alert.get("show_alert") and expect in alert["text"], (data, alert)
    assert len(bot.sent()) == before  # nothing was posted into the group
    assert (await bot.service.get_issue(group.id, 1)).status == "open"
    await bot.press(owner, bot.card(1), "ack:1")
    assert bot.alerts()[-1]["text"] == "已处理" and not bot.alerts()[-1].get("show_alert")
    assert any("已受理" in t for t in bot.replies_to(said))
    assert "已受理" in bot.card(1)["text"]  # the card, edited in place


async def test_the_same_button_twice_resolves_once(bot: OfflineBot) -> None:
    group, owner, (resident, _) = await bot.group()
    said = await bot.say(group, resident, "小区东门垃圾桶满了两天冇人收")
    card = bot.card(1)
    await bot.press(owner, card, "resolve:1")
    await bot.press(owner, card, "resolve:1")  # the old card, pressed again
    alert = bot.alerts()[-1]
    assert alert.get("show_alert") and "不能办结" in alert["text"]
    assert sum("请评价" in t for t in bot.replies_to(said)) == 1


async def test_dispatch_offers_only_departments_with_a_group(bot: OfflineBot) -> None:
    group, owner, (resident, _) = await bot.group()
    said = await bot.say(group, resident, "7栋又停电了 冰箱里的东西都要坏了")
    card = bot.card(1)
    await bot.press(resident, card, "dispatch:1")
    assert bot.alerts()[-1].get("show_alert") and "交办" in bot.alerts()[-1]["text"]
    # No department has a group yet: 吹哨 would reach nobody, and the owner is told how.
    await bot.press(owner, card, "dispatch:1")
    assert bot.alerts()[-1].get("show_alert") and "/dept 登记" in bot.alerts()[-1]["text"]
    assert "还没有登记工作群" in bot.reply_to(await bot.say(group, owner, "/escalate 1 供电"))
    assert (await bot.service.get_issue(group.id, 1)).department_code is None
    # The power company registers its group; now 交办 offers it, on the card itself.
    dept, worker, _ = await bot.group("供电抢修群", residents=0, owner_username=None)
    code = await bot.service.new_access_code()  # the district's, from the dashboard
    assert "部门群" in bot.reply_to(await bot.say(dept, worker, f"/dept add 供电 {code}"))
    before = len(bot.replies_to(said))
    await bot.press(owner, card, "dispatch:1")
    names = [b["text"] for row in bot.current(card)["reply_markup"]["inline_keyboard"]
             for b in row]
    assert names == ["供电", "↩️ 返回"] and "esc:1:power" in bot.buttons(bot.current(card))
    await bot.press(owner, bot.current(card), "esc:1:power")
    relayed = [p["text"] for p in bot.sent() if p["chat_id"] == dept.id and "📣" in p["text"]]
    assert relayed and "7栋" in relayed[0]
    now = plain(bot.current(card)["text"])
    assert "承办部门：供电" in now and "已吹哨" in now
    issue = await bot.service.get_issue(group.id, 1)
    assert issue.department_code == "power" and issue.status == "in_progress"
    assert len(bot.replies_to(said)) == before  # the card says it; no new message


async def test_the_reporter_rates_unhappy_and_the_issue_reopens(bot: OfflineBot) -> None:
    group, owner, (resident, neighbour) = await bot.group()
    said = await bot.say(group, resident, "3栋门口路灯坏了好几天了")
    await bot.press(owner, bot.card(1), "resolve:1")
    done = bot.bot_message("请评价")  # one message says so and carries the rating buttons
    assert "已办结 · 王网格" in done["text"] and bot.buttons(done)
    await bot.press(neighbour, done, "rate:1:1")  # only the reporter rates
    assert bot.alerts()[-1].get("show_alert")
    await bot.press(resident, done, "rate:1:1")
    assert any("重新打开" in t and "@wang_wangge" in t and "哪里不满意" in t
               for t in bot.replies_to(said))
    rated = bot.current(done)  # the buttons go
    assert "评价：不满意" in rated["text"] and bot.buttons(rated) == []
    issue = await bot.service.get_issue(group.id, 1)
    assert issue.status == "in_progress" and issue.rating == 1


async def _resolved_and_asked(bot: OfflineBot) -> tuple[Group, Person, Person, JSON, JSON]:
    """Issue #1 resolved and its 回访 sent (now, by the scheduled job): the group, its owner,
    the reporter, the 办结 message and the 回访, both with rating buttons."""
    group, owner, (resident, _) = await bot.group()
    await bot.say(group, resident, "3栋门口路灯坏了好几天了")
    await bot.say(group, owner, "/resolve 1 已换灯")
    done = bot.bot_message("请评价")
    await follow_up(bot.app.bot, bot.service)
    return group, owner, resident, done, bot.bot_message("还没收到您的评价")


@pytest.fixture
async def asking(tmp_path: Path) -> AsyncIterator[OfflineBot]:
    """A bot whose 回访 is due as soon as an issue is resolved."""
    offline = OfflineBot(bot_settings(migrated_sqlite(tmp_path / "bot.db"),
                                      practices={"followup": {"after": "0s", "wait": "1h"}}))
    await offline.start()
    try:
        yield offline
    finally:
        await offline.stop()


async def test_rated_through_the_followup_the_done_message_buttons_change_nothing(
        asking: OfflineBot) -> None:
    bot = asking
    group, _, resident, done, asked = await _resolved_and_asked(bot)
    await bot.press(resident, asked, "rate:1:5")
    # The 回访 says it was rated (not a second copy of the 办结 message).
    said = plain(bot.current(asked)["text"])
    assert said == "📞 回访：#1「3栋门口路灯坏了好几天了」评价：满意。谢谢！"
    # The old 办结 message still shows its buttons to her; she presses 不满意 there.
    await bot.press(resident, bot.current(done), "rate:1:1")
    alert = bot.alerts()[-1]
    assert alert.get("show_alert") and alert["text"] == "#1 已经评价过了，谢谢！"
    issue = await bot.service.get_issue(group.id, 1)
    assert (issue.status, issue.rating) == ("closed", 5)  # nothing reopened
    assert bot.buttons(bot.current(done)) == []
    assert "评价：满意" in plain(bot.current(done)["text"])


async def test_rated_under_the_done_message_the_followup_loses_its_buttons(
        asking: OfflineBot) -> None:
    bot = asking
    group, _, resident, done, asked = await _resolved_and_asked(bot)
    await bot.press(resident, done, "rate:1:3")
    assert bot.buttons(bot.current(asked)) == []
    assert "评价：基本满意" in plain(bot.current(asked)["text"])
    assert "评价：基本满意" in plain(bot.current(done)["text"])
    assert (await bot.service.get_issue(group.id, 1)).rating == 3


async def test_buttons_of_an_earlier_resolution_do_not_rate_the_new_one(
        asking: OfflineBot) -> None:
    bot = asking
    group, owner, resident, done, asked = await _resolved_and_asked(bot)
    await bot.press(resident, done, "rate:1:1")  # 不满意: reopened
    await bot.say(group, owner, "/resolve 1 灯泡和线路都换了")
    # The 回访 of the first resolution, an hour older than the second, still has buttons
    # (its edit after the first rating failed: Telegram sends the message as it is now).
    earlier = {**bot.current(asked), "date": bot.current(asked)["date"] - 3600,
               "reply_markup": asked["reply_markup"]}
    await bot.press(resident, earlier, "rate:1:5")
    alert = bot.alerts()[-1]
    assert alert.get("show_alert") and "又办结了一次" in alert["text"]
    issue = await bot.service.get_issue(group.id, 1)
    assert (issue.status, issue.rating) == ("resolved", 1)
    assert bot.buttons(bot.current(asked)) == []
    latest = bot.bot_message("灯泡和线路都换了")
    await bot.press(resident, latest, "rate:1:5")
    assert (await bot.service.get_issue(group.id, 1)).status == "closed"


async def test_the_relay_names_the_department_number_and_the_groups_own(bot: OfflineBot) -> None:
    first, _, (a, _) = await bot.group()
    await bot.say(first, a, "3栋门口路灯坏了好几天了")  # global id 1
    group, owner, (resident, _) = await bot.group("和平里5号院", owner_username="zhao_wg")
    await bot.say(group, resident, "东门口占道经营的摊贩把路都堵了，车都过不去")  # its #1, id 2
    dept, worker, _ = await bot.group("城管中队", residents=0, owner_username=None)
    code = await bot.service.new_access_code()
    assert "部门群" in bot.reply_to(await bot.say(dept, worker, f"/dept 登记 城管 {code}"))
    await bot.say(group, owner, "/escalate 1 城管")
    relay = plain([p["text"] for p in bot.sent() if p["chat_id"] == dept.id
                   and "📣" in p["text"]][-1])
    # The department's number to type, and the residents' own name for it: never "群 第 2 号"
    # (their #2 is another complaint, or none).
    assert "第 2 号诉求（和平里5号院-1）" in relay and "/claim 2" in relay
    assert "和平里5号院 第 2 号" not in relay
    assert "认领第 2 号" in bot.reply_to(await bot.say(dept, worker, "/claim 2"))

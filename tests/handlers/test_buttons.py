"""Inline buttons through the offline layer: typed callback data in, alerts for refusals (only
the presser sees them), the group told of what changed."""

from __future__ import annotations

from tests.offline import OfflineBot, plain


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
    for who, data, expect in ((b, "ack:1", "群主"), (owner, "ack:99", "这条诉求已不存在"),
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

"""Joining with privacy mode on, owners and settings, /issue and /mine through the sandbox."""

from __future__ import annotations

import asyncio
from typing import Any

from nlp import detect, threshold_for
from nlp.types import category_name
from tests.bot.conftest import Harness


def _text(m: dict[str, Any]) -> str:
    return str(m.get("text") or "")


async def test_privacy_mode_warning_and_commands_still_work(harness: Harness) -> None:
    c = harness.client
    await c.set_privacy(False)
    owner = await c.create_user("王网格", username="wang_wangge")
    resident = await c.create_user("李阿姨")
    chat = await c.create_chat("隐私模式群", owner)
    await c.add_member(chat, resident)
    await c.add_bot(chat)
    warning = await c.wait_for(chat, lambda m: "看不到群里的普通消息" in _text(m))
    assert "/setprivacy" in _text(warning) and "Disable" in _text(warning)
    hidden = await harness.say(chat, resident, "3栋门口路灯坏了好几天了")
    assert hidden["update_id"] is None  # the bot never saw it, as on Telegram
    r = await harness.say(chat, resident, "/report 3栋门口路灯坏了好几天了")
    card = await harness.reply_from_bot(chat, r["message_id"], lambda m: "#1" in _text(m))
    assert "路灯照明" in _text(card)


async def test_setowner_settings_issue_and_mine(harness: Harness) -> None:
    g = await harness.group()
    chat, owner, (a, b) = g["chat"], g["owner"], g["residents"]
    r = await harness.say(chat, a, "5栋楼下下水道堵了 脏水冒出来了")
    await harness.reply_from_bot(chat, r["message_id"], lambda m: "#1" in _text(m))
    # A resident may not change the owner; the owner may, by replying to someone.
    m = await harness.say(chat, a, "/setowner", reply_to_message_id=r["message_id"])
    assert "只有群主或管理员" in _text(await harness.reply_from_bot(chat, m["message_id"]))
    m = await harness.say(chat, owner, "/setowner", reply_to_message_id=r["message_id"])
    assert "负责人已设为" in _text(await harness.reply_from_bot(chat, m["message_id"]))
    assert (await harness.service.get_group(chat)).owner.user_id == a  # type: ignore[union-attr]
    m = await harness.say(chat, a, "/settings digest 21:30")
    assert "21:30" in _text(await harness.reply_from_bot(chat, m["message_id"]))
    m = await harness.say(chat, a, "/settings digest 25:99")
    assert "日报时间只能是 20:00 这样的时间" in _text(
        await harness.reply_from_bot(chat, m["message_id"]))
    m = await harness.say(chat, a, "/settings auto off")
    await harness.reply_from_bot(chat, m["message_id"])
    quiet = await harness.say(chat, b, "3栋门口路灯坏了好几天了")
    m = await harness.say(chat, a, "/issue 1")
    detail = await harness.reply_from_bot(chat, m["message_id"])
    assert "处理记录" in _text(detail) and "登记" in _text(detail)
    msgs = await harness.client.bot_messages(chat, after_id=quiet["message_id"])
    assert all("#2" not in _text(x) for x in msgs)  # auto-detect off: nothing opened
    m = await harness.say(chat, a, "/mine")
    assert "#1" in _text(await harness.reply_from_bot(chat, m["message_id"]))


async def test_assign_by_reply_mentions_the_assignee(harness: Harness) -> None:
    g = await harness.group()
    chat, owner, (a, b) = g["chat"], g["owner"], g["residents"]
    r = await harness.say(chat, a, "小区东门垃圾桶满了两天冇人收")
    await harness.reply_from_bot(chat, r["message_id"], lambda m: "#1" in _text(m))
    hello = await harness.say(chat, b, "我是楼栋长，我来跟进")
    await harness.say(chat, owner, "/assign 1", reply_to_message_id=hello["message_id"])
    upd = await harness.reply_from_bot(chat, r["message_id"], lambda m: "已交办" in _text(m))
    assert any(e["type"] == "text_mention" and e["user"]["id"] == b for e in upd["entities"])
    issue = await harness.service.get_issue(chat, 1)
    assert issue.assignee is not None and issue.assignee.user_id == b
    # The assignee may now resolve it.
    await harness.say(chat, b, "/resolve 1 已清运")
    await harness.reply_from_bot(chat, r["message_id"], lambda m: "已办结" in _text(m))


async def test_photo_reply_to_card_and_same_button_twice(harness: Harness) -> None:
    g = await harness.group()
    chat, owner, resident = g["chat"], g["owner"], g["residents"][0]
    sent = await harness.say(chat, resident, "小区东门垃圾桶满了两天冇人收")
    card = await harness.reply_from_bot(chat, sent["message_id"], lambda m: "#1" in _text(m))
    await harness.client.send(chat, owner, caption="已清运，附现场照片", photo=True,
                              reply_to_message_id=card["message_id"])
    await harness.reply_from_bot(chat, sent["message_id"], lambda m: "已受理" in _text(m))
    await harness.client.wait_for(chat, lambda m: m["message_id"] == card["message_id"]
                                  and "最新进展：已清运" in _text(m) and "照片：1 张" in _text(m))
    issue = await harness.service.get_issue(chat, 1)
    assert len(issue.photos) == 1 and issue.status == "in_progress"
    # A neighbour's "thank you" under the card is neither a note nor worth a refusal.
    thanks = await harness.say(chat, g["residents"][1], "谢谢网格员",
                               reply_to_message_id=card["message_id"])
    probe = await harness.say(chat, owner, "/help")
    await harness.reply_from_bot(chat, probe["message_id"])
    later = await harness.client.bot_messages(chat, after_id=thanks["message_id"])
    assert len(later) == 1 and "使用说明" in _text(later[0])
    # Two presses of 已办结 before the card changes: one resolves, the other is refused
    # with an alert, and the rating question is posted once.
    first, second = await asyncio.gather(
        harness.client.press(chat, owner, card["message_id"], "resolve:1"),
        harness.client.press(chat, owner, card["message_id"], "resolve:1"))
    answers = [await harness.client.callback_answer(x) for x in (first, second)]
    assert all(a is not None for a in answers)
    alerts = [a for a in answers if a and a["show_alert"]]
    assert len(alerts) == 1 and "不能办结" in alerts[0]["text"]
    await harness.reply_from_bot(chat, sent["message_id"], lambda m: "请评价" in _text(m))
    msgs = await harness.client.bot_messages(chat)
    assert sum("请评价" in _text(m) for m in msgs) == 1


async def test_dispatch_offers_only_departments_with_a_group(harness: Harness) -> None:
    g = await harness.group()
    c, chat, owner, resident = harness.client, g["chat"], g["owner"], g["residents"][0]
    sent = await harness.say(chat, resident, "7栋又停电了 冰箱里的东西都要坏了")
    card = await harness.reply_from_bot(chat, sent["message_id"], lambda m: "#1" in _text(m))
    cq = await c.press(chat, resident, card["message_id"], "dispatch:1")
    refused = await c.callback_answer(cq)
    assert refused and refused["show_alert"] and "交办" in refused["text"]
    # No department has a group yet: 吹哨 would reach nobody, and the owner is told how.
    cq = await c.press(chat, owner, card["message_id"], "dispatch:1")
    told = await c.callback_answer(cq)
    assert told and told["show_alert"] and "/dept 登记" in told["text"]
    m = await harness.say(chat, owner, "/escalate 1 供电")
    reply = await harness.reply_from_bot(chat, m["message_id"])
    assert "还没有登记工作群" in _text(reply)
    assert (await harness.service.get_issue(chat, 1)).department_code is None
    # The power company registers its group; now 交办 offers it, on the card itself.
    worker = await c.create_user("刘电工")
    dept = await c.create_chat("供电抢修群", worker)
    await c.add_bot(dept)
    code = await harness.service.new_access_code()  # the district's, from the dashboard
    r = await harness.say(dept, worker, f"/dept add 供电 {code}")
    await harness.reply_from_bot(dept, r["message_id"], lambda m: "部门群" in _text(m))
    await c.press(chat, owner, card["message_id"], "dispatch:1")
    chooser = await c.wait_for(chat, lambda m: m["message_id"] == card["message_id"]
                               and "返回" in str(m.get("reply_markup")))
    names = [b["text"] for row in chooser["reply_markup"]["inline_keyboard"] for b in row]
    assert names == ["供电", "↩️ 返回"]
    await c.press(chat, owner, card["message_id"], "esc:1:power")
    relayed = await c.wait_for(dept, lambda m: "📣" in _text(m))
    assert "7栋" in _text(relayed)
    await c.wait_for(chat, lambda m: m["message_id"] == card["message_id"]
                     and "承办部门：供电" in _text(m) and "已吹哨" in _text(m))
    issue = await harness.service.get_issue(chat, 1)
    assert issue.department_code == "power" and issue.status == "in_progress"
    # The residents' group got no new message for it: the card says it.
    assert await c.bot_messages(chat, reply["message_id"]) == []


async def test_sensitivity_setting_changes_what_is_caught(harness: Harness) -> None:
    g = await harness.group()
    chat, owner, resident = g["chat"], g["owner"], g["residents"][0]
    # A real complaint, weakly worded: the detector is surer than "high" asks and less sure
    # than "normal" does (the first of these that is, as the weights stand).
    borderline = next(t for t in ("楼梯扶手松了，老人扶着都晃", "电梯按钮一半不亮，按了也不走",
                                  "电梯运行的时候晃得厉害，还有奇怪的响声")
                      if threshold_for("high") <= detect(t).confidence < threshold_for("normal"))
    first = await harness.say(chat, resident, borderline)
    probe = await harness.say(chat, owner, "/settings sensitivity high")
    await harness.reply_from_bot(chat, probe["message_id"])
    after = await harness.client.bot_messages(chat, after_id=first["message_id"] - 1)
    assert not any("📌" in _text(m) for m in after)  # normal: left alone
    second = await harness.say(chat, resident, borderline)
    card = await harness.reply_from_bot(chat, second["message_id"], lambda m: "📌" in _text(m))
    assert category_name(detect(borderline).category) in _text(card)

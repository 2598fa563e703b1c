"""Privacy mode and photos replying to the card, end to end through the sandbox (the other
handler tests run offline: tests/handlers)."""

from __future__ import annotations

import asyncio
from typing import Any

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


async def test_a_plain_member_naming_someone_hears_the_refusal_first(harness: Harness) -> None:
    """/assign 1 @x, /setowner @x, /escalate 1 城管 from a plain member: the refusal for want
    of rights comes first — not "找不到 @x" nor "城管还没有群", which tell her nothing she can
    act on — and nothing changes."""
    g = await harness.group()
    chat, owner, (resident, neighbour) = g["chat"], g["owner"], g["residents"]
    sent = await harness.say(chat, resident, "小区东门垃圾桶满了两天冇人收")
    await harness.reply_from_bot(chat, sent["message_id"], lambda m: "#1" in _text(m))
    for text, act in (("/assign 1 @nobody_here", "交办"), ("/assign 1 @wang_wangge", "交办"),
                      ("/setowner @nobody_here", "设置负责人"),
                      ("/escalate 1 城管", "吹哨上报"), ("/joint 1 城管 物业", "发起攻坚")):
        asked = await harness.say(chat, neighbour, text)
        answer = _text(await harness.reply_from_bot(chat, asked["message_id"]))
        assert answer.startswith("抱歉，只有群主") and act in answer, (text, answer)
        assert "找不到" not in answer and "@nobody_here" not in answer
    issue = await harness.service.get_issue(chat, 1)
    assert issue.status == "open" and issue.assignee is None
    # The owner naming someone unknown still hears who was not found.
    asked = await harness.say(chat, owner, "/assign 1 @nobody_here")
    answer = _text(await harness.reply_from_bot(chat, asked["message_id"]))
    assert "找不到" in answer and "@nobody_here" in answer

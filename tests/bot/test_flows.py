"""The everyday loop end to end: the real PTB library, the sandbox and a real SQLite file
(handler-level cases run offline: tests/handlers)."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.bot.conftest import Harness


def _text(m: dict[str, Any]) -> str:
    return str(m.get("text") or "")


async def test_joining_registers_group_with_creator_as_owner(harness: Harness) -> None:
    g = await harness.group()
    group = await harness.service.get_group(g["chat"])
    assert group is not None and group.owner is not None
    assert group.owner.user_id == g["owner"]
    hello = await harness.client.wait_for(g["chat"], lambda m: "诉求助手" in _text(m))
    assert any(e["type"] == "mention" for e in hello.get("entities", []))


async def test_complaint_opens_issue_card_mentions_owner(harness: Harness) -> None:
    g = await harness.group(owner_username=None)  # the owner has no username
    chat, resident = g["chat"], g["residents"][0]
    sent = await harness.say(chat, resident, "3栋门口路灯坏了好几天了")
    card = await harness.reply_from_bot(chat, sent["message_id"], lambda m: "#1" in _text(m))
    assert "路灯照明" in _text(card) and "3栋门口" in _text(card) and "待受理" in _text(card)
    mentions = [e for e in card["entities"] if e["type"] == "text_mention"]
    assert mentions and mentions[0]["user"]["id"] == g["owner"]
    buttons = [b["text"] for row in card["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["受理", "交办", "已办结", "不是诉求"]
    # The card's id is written just after the card is sent: wait for it.
    for _ in range(100):
        issue = await harness.service.get_issue(chat, 1)
        if issue.card_message_id is not None:
            break
        await asyncio.sleep(0.05)
    assert issue.status == "open" and issue.card_message_id == card["message_id"]
    # Chit-chat stays quiet: once the bot has answered a later /help, it said nothing else.
    chatter = await harness.say(chat, resident, "哈哈今天天气真好")
    await harness.say(chat, resident, "收到")
    probe = await harness.say(chat, resident, "/help")
    await harness.reply_from_bot(chat, probe["message_id"])
    msgs = await harness.client.bot_messages(chat, after_id=chatter["message_id"])
    assert len(msgs) == 1 and "使用说明" in _text(msgs[0])


async def test_heating_complaint_opens_a_card_filed_under_heating(harness: Harness) -> None:
    g = await harness.group()
    chat, resident = g["chat"], g["residents"][0]
    sent = await harness.say(chat, resident, "都11月20号了，我们2栋供暖还没来，孩子冻感冒了")
    card = await harness.reply_from_bot(chat, sent["message_id"], lambda m: "#1" in _text(m))
    assert "供暖" in _text(card) and "2栋" in _text(card) and "待受理" in _text(card)
    assert (await harness.service.get_issue(chat, 1)).category == "heating"


async def test_owner_walks_the_lifecycle_and_resident_rates_unhappy(harness: Harness) -> None:
    g = await harness.group()
    chat, owner, resident = g["chat"], g["owner"], g["residents"][0]
    sent = await harness.say(chat, resident, "3栋门口路灯坏了好几天了")
    card = await harness.reply_from_bot(chat, sent["message_id"], lambda m: "#1" in _text(m))
    # A neighbour may not press the owner's button: an alert, nothing posted.
    cq = await harness.client.press(chat, g["residents"][1], card["message_id"], "ack:1")
    answer = await harness.client.callback_answer(cq)
    assert answer and answer["show_alert"] and "群主" in answer["text"]
    # The owner acknowledges: the resident is told who and when (by name, no @ of the
    # presser), the card is edited in place.
    await harness.client.press(chat, owner, card["message_id"], "ack:1")
    told = await harness.reply_from_bot(chat, sent["message_id"],
                                        lambda m: "已受理 · 王网格" in _text(m))
    assert not [e for e in told.get("entities", []) if e["type"] in ("mention", "text_mention")]
    refreshed = await harness.client.wait_for(
        chat, lambda m: m["message_id"] == card["message_id"] and "已受理" in _text(m))
    assert refreshed.get("edit_date") and "受理人：王网格" in _text(refreshed)
    # Resolve: one message says so and carries the rating buttons; 不满意 reopens, the
    # buttons go, and the resident is asked why.
    await harness.client.press(chat, owner, card["message_id"], "resolve:1")
    done = await harness.reply_from_bot(chat, sent["message_id"], lambda m: "请评价" in _text(m))
    assert "已办结 · 王网格" in _text(done) and done.get("reply_markup")
    await harness.client.press(chat, resident, done["message_id"], "rate:1:1")
    reopened = await harness.reply_from_bot(chat, sent["message_id"],
                                            lambda m: "重新打开" in _text(m))
    assert "@wang_wangge" in _text(reopened) and "哪里不满意" in _text(reopened)
    rated = await harness.client.wait_for(
        chat, lambda m: m["message_id"] == done["message_id"] and "评价：不满意" in _text(m))
    assert not rated.get("reply_markup")
    issue = await harness.service.get_issue(chat, 1)
    assert issue.status == "in_progress" and issue.rating == 1

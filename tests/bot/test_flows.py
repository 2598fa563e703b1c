"""The everyday loop through the real PTB library, the sandbox and a real SQLite file."""

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


async def test_commands_and_bad_input(harness: Harness) -> None:
    g = await harness.group()
    chat, owner, resident = g["chat"], g["owner"], g["residents"][0]
    r = await harness.say(chat, resident, "/report@suqiu_bot 小区东门的垃圾桶满了好几天冇人收")
    await harness.reply_from_bot(chat, r["message_id"], lambda m: "#1" in _text(m))
    for text, expect in (
        ("/ack", "请写上诉求编号"), ("/ack 99", "找不到编号为 #99"),
        ("/frobnicate", "没有这个命令"), ("/resolve 1", "只有群主"),
        ("/report", "用法"), ("/assign 1 @nobody_here", "找不到"),
    ):
        who = resident if text == "/resolve 1" else owner
        m = await harness.say(chat, who, text)
        reply = await harness.reply_from_bot(chat, m["message_id"])
        assert expect in _text(reply), (text, _text(reply))
    m = await harness.say(chat, owner, "/progress 1 已通知环卫，下午清运")
    # Taking it on tells the resident; the progress itself is on the card.
    await harness.reply_from_bot(chat, r["message_id"], lambda m: "已受理" in _text(m))
    await harness.client.wait_for(chat, lambda m: "最新进展：已通知环卫，下午清运" in _text(m))
    m = await harness.say(chat, owner, "/list")
    listing = await harness.reply_from_bot(chat, m["message_id"])
    assert "#1" in _text(listing) and "处理中" in _text(listing)
    m = await harness.say(chat, owner, "/stats")
    st = await harness.reply_from_bot(chat, m["message_id"])
    assert "本月收到 1 件：待受理 0，处理中 1，已办结 0" in _text(st)
    assert "满意度待评价满 5 件后公布" in _text(st)


async def test_phone_numbers_are_masked_and_html_escaped(harness: Harness) -> None:
    g = await harness.group()
    chat, resident = g["chat"], g["residents"][0]
    sent = await harness.say(chat, resident,
                             "<b>5栋</b>下水道堵了好几天 联系我13812345678 快来人")
    card = await harness.reply_from_bot(chat, sent["message_id"], lambda m: "#1" in _text(m))
    assert "13812345678" not in _text(card) and "138****5678" in _text(card)
    assert "<b>5栋</b>" in _text(card)  # shown as typed, not as formatting
    issue = await harness.service.get_issue(chat, 1)
    assert "13812345678" in issue.text  # the owner still has it in the ledger


async def test_duplicate_is_seconded(harness: Harness) -> None:
    g = await harness.group()
    chat, a, b = g["chat"], g["residents"][0], g["residents"][1]
    first = await harness.say(chat, a, "3栋门口路灯坏了好几天了")
    card = await harness.reply_from_bot(chat, first["message_id"], lambda m: "#1" in _text(m))
    second = await harness.say(chat, b, "3栋门口的路灯确实不亮 晚上黑漆漆的")
    # One more person: a 👍 on her message and the card's count, no message.
    await harness.client.wait_for(chat, lambda m: m["message_id"] == card["message_id"]
                                  and "共 2 人反映" in _text(m))
    assert (await harness.service.get_issue(chat, 1)).report_count == 2
    assert not [m for m in await harness.client.bot_messages(chat, second["message_id"])
                if m["message_id"] != card["message_id"]]


async def test_urgent_issue_signposts_and_mentions_admins(harness: Harness) -> None:
    g = await harness.group()
    chat, resident = g["chat"], g["residents"][0]
    sent = await harness.say(chat, resident, "4栋2单元楼道里好大一股燃气味，谁家漏气了吧？？")
    card = await harness.reply_from_bot(chat, sent["message_id"], lambda m: "#1" in _text(m))
    # The card leads with 🚨 and the advice; never a green light.
    assert _text(card).startswith("🚨 紧急") and "关闭阀门" in _text(card).split("📌")[0]
    assert "@wang_wangge" in _text(card) and "🟢" not in _text(card)


async def test_photo_location_edit_and_not_an_issue(harness: Harness) -> None:
    g = await harness.group()
    chat, owner, resident = g["chat"], g["owner"], g["residents"][0]
    shot = await harness.say(chat, resident, None, caption="菜市场旁边那个井盖冇得了", photo=True)
    card = await harness.reply_from_bot(chat, shot["message_id"], lambda m: "#1" in _text(m))
    assert "道路井盖" in _text(card) and "照片：1 张" in _text(card)
    await harness.client.send(chat, owner, location=(28.2282, 112.9388),
                              reply_to_message_id=card["message_id"])
    await harness.client.wait_for(chat, lambda m: m["message_id"] == card["message_id"]
                                  and "28.22820" in _text(m))
    await harness.client.edit(chat, shot["message_id"], "菜市场东边那个井盖冇得了，好危险")
    await harness.client.wait_for(chat, lambda m: m["message_id"] == card["message_id"]
                                  and "东边" in _text(m))
    # A false positive: the owner presses 不是诉求, the card folds to 误识别 (no message).
    other = await harness.say(chat, resident, "楼下下水道又堵了")
    card2 = await harness.reply_from_bot(chat, other["message_id"], lambda m: "#2" in _text(m))
    await harness.client.press(chat, owner, card2["message_id"], "notissue:2")
    await harness.client.wait_for(chat, lambda m: m["message_id"] == card2["message_id"]
                                  and "误识别，已撤销" in _text(m))
    assert (await harness.service.get_issue(chat, 2)).status == "withdrawn"
    assert (await harness.service.feedback_rows())[0]["text"] == "楼下下水道又堵了"


async def test_stickers_voice_forwards_and_bots_are_ignored(harness: Harness) -> None:
    g = await harness.group()
    chat, resident = g["chat"], g["residents"][0]
    robot = await harness.client.create_user("别的机器人", username="other_bot", is_bot=True)
    await harness.client.add_member(chat, robot)
    first = await harness.say(chat, resident, None, sticker="😀")
    await harness.say(chat, resident, None, voice=True)
    await harness.say(chat, resident, "路灯坏了好几天了", forward_from_chat_title="某频道")
    await harness.say(chat, robot, "3栋门口路灯坏了好几天了")
    last = await harness.say(chat, resident, "/help")
    await harness.reply_from_bot(chat, last["message_id"])
    msgs = await harness.client.bot_messages(chat, after_id=first["message_id"])
    assert len(msgs) == 1 and "使用说明" in _text(msgs[0]), [_text(m) for m in msgs]

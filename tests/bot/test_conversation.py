"""The group in its own words, through the real PTB library and the sandbox: a grid worker's
natural replies are offered for one tap (nothing changes before it), residents asking get the
status, the reporter asking again is a 催办, 不满意 asks why and tells the person
responsible, and lookups go privately or go away."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from issues.views import IssueFilter
from tests.bot.conftest import Harness


def _text(m: dict[str, Any]) -> str:
    return str(m.get("text") or "")


def _buttons(m: dict[str, Any]) -> list[tuple[str, str]]:
    rows = (m.get("reply_markup") or {}).get("inline_keyboard") or []
    return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


async def _gone(h: Harness, chat: int, message_id: int, timeout: float = 10) -> bool:
    for _ in range(int(timeout / 0.2)):
        if message_id not in {m["message_id"] for m in await h.client.messages(chat)}:
            return True
        await asyncio.sleep(0.2)
    return False


async def _answers(h: Harness, chat: int, message_id: int) -> list[dict[str, Any]]:
    """The bot's replies to one message."""
    return [m for m in await h.client.bot_messages(chat)
            if (m.get("reply_to_message") or {}).get("message_id") == message_id]


async def _reported(h: Harness, text: str) -> tuple[dict[str, Any], dict[str, Any],
                                                    dict[str, Any]]:
    """A group where the first resident has just reported `text`: (group, report, card)."""
    g = await h.group()
    report = await h.say(g["chat"], g["residents"][0], text)
    card = await h.reply_from_bot(g["chat"], report["message_id"], lambda m: "#1" in _text(m))
    return g, report, card


async def test_a_grid_workers_reply_is_offered_for_one_tap(harness: Harness) -> None:
    h, c = harness, harness.client
    g, report, card = await _reported(h, "东门那个井盖冇得了，晚上好危险")
    chat, owner, (resident, neighbour) = g["chat"], g["owner"], g["residents"]
    # The owner answers the resident in their own words.
    reply = await h.say(chat, owner, "收到，已经联系物业了，明天上午来修井盖",
                        reply_to_message_id=report["message_id"])
    ask = await h.reply_from_bot(chat, reply["message_id"], lambda m: "记为" in _text(m))
    assert "#1 进展" in _text(ask) and "明天上午来修井盖" in _text(ask)
    assert [t for t, _ in _buttons(ask)] == ["记为进展 #1", "不用了"]
    # Nothing changes without the tap: still 待受理.
    assert (await h.service.get_issue(chat, 1)).status == "open"
    # A neighbour cannot tap it; the owner can.
    cq = await c.press(chat, neighbour, ask["message_id"], _buttons(ask)[0][1])
    refused = await c.callback_answer(cq)
    assert refused and refused["show_alert"]
    # nor drop it: the question is the owner's to answer (it has not expired)
    cq = await c.press(chat, neighbour, ask["message_id"], _buttons(ask)[1][1])
    refused = await c.callback_answer(cq)
    assert refused and refused["show_alert"] and "只有王网格本人" in refused["text"]
    assert "失效" not in refused["text"]
    assert (await h.service.get_issue(chat, 1)).status == "open"
    await c.press(chat, owner, ask["message_id"], _buttons(ask)[0][1])
    await c.wait_for(chat, lambda m: m["message_id"] == card["message_id"]
                     and "最新进展：收到，已经联系物业了" in _text(m))
    assert await _gone(h, chat, ask["message_id"])  # the question goes once answered
    issue = await h.service.get_issue(chat, 1)
    assert issue.status == "in_progress" and issue.taken_by is not None
    # The resident heard the owner's own words: no "已受理" message of ours on top.
    assert not [m for m in await c.bot_messages(chat, reply["message_id"]) if "已受理" in _text(m)]

    # Later, privately started, the owner says it is fixed, naming the place: the question
    # comes to their private chat; the 办结 message with the rating buttons to the group.
    await c.start_bot(owner)
    fixed = await h.say(chat, owner, "东门井盖已经修好了")
    private = await c.wait_for(owner, lambda m: "记为" in _text(m))
    assert "#1 办结" in _text(private)
    # One private chat for all of a worker's groups: it says which group "#1" is in.
    assert _text(private).startswith("【幸福社区3栋群】\n")
    assert not [m for m in await c.bot_messages(chat, fixed["message_id"])]
    await c.press(owner, owner, private["message_id"], _buttons(private)[0][1])
    done = await h.reply_from_bot(chat, report["message_id"], lambda m: "已办结 ·" in _text(m))
    assert "东门井盖已经修好了" in _text(done) and "请评价" in _text(done)
    await c.wait_for(owner, lambda m: m["message_id"] == private["message_id"]
                     and "已记为 #1 办结" in _text(m))
    assert (await h.service.get_issue(chat, 1)).status == "resolved"
    # A resident saying "修好了" is not offered anything; "不用了" drops a question.
    await h.say(chat, neighbour, "修好了，谢谢")
    other = await h.say(chat, resident, "5栋楼下下水道堵了 脏水冒出来了")
    await h.reply_from_bot(chat, other["message_id"], lambda m: "#2" in _text(m))
    await h.say(chat, owner, "好的，我去看看", reply_to_message_id=other["message_id"])
    ask2 = await c.wait_for(owner, lambda m: "#2 受理" in _text(m))
    await c.press(owner, owner, ask2["message_id"], _buttons(ask2)[1][1])
    await c.wait_for(owner, lambda m: m["message_id"] == ask2["message_id"]
                     and "没有记" in _text(m))
    assert (await h.service.get_issue(chat, 2)).status == "open"
    # A bare "好的" under her report is a nod: taken on, the card says so, nothing is asked.
    card2 = await h.reply_from_bot(chat, other["message_id"], lambda m: "#2" in _text(m))
    last = max(m["message_id"] for m in await c.messages(owner))
    await h.say(chat, owner, "好的", reply_to_message_id=other["message_id"])
    await c.wait_for(chat, lambda m: m["message_id"] == card2["message_id"]
                     and "已受理" in _text(m))
    assert (await h.service.get_issue(chat, 2)).status == "acknowledged"
    assert not [m for m in await c.messages(owner) if m["message_id"] > last]


async def test_the_owners_words_under_the_card_are_read_for_their_step(harness: Harness) -> None:
    """Under the card: "👌" takes it on (the card says 已受理, no "👌" note); "已经修好了，
    大家看看" is offered for one tap, and the tap resolves it and asks the reporter to rate."""
    h, c = harness, harness.client
    g, report, card = await _reported(h, "3栋门口路灯坏了好几天了")
    chat, owner = g["chat"], g["owner"]
    await h.say(chat, owner, "👌", reply_to_message_id=card["message_id"])
    await c.wait_for(chat, lambda m: m["message_id"] == card["message_id"]
                     and "已受理" in _text(m) and "👌" not in _text(m))
    assert (await h.service.get_issue(chat, 1)).status == "acknowledged"
    fixed = await h.say(chat, owner, "已经修好了，大家看看",
                        reply_to_message_id=card["message_id"])
    ask = await h.reply_from_bot(chat, fixed["message_id"], lambda m: "记为" in _text(m))
    assert [t for t, _ in _buttons(ask)] == ["记为办结 #1", "不用了"]
    assert (await h.service.get_issue(chat, 1)).status == "acknowledged"
    await c.press(chat, owner, ask["message_id"], _buttons(ask)[0][1])
    done = await h.reply_from_bot(chat, report["message_id"], lambda m: "已办结 ·" in _text(m))
    assert "请评价" in _text(done)
    assert await _gone(h, chat, ask["message_id"])
    assert (await h.service.get_issue(chat, 1)).status == "resolved"


async def test_residents_asking_get_the_status_and_the_reporter_urges(harness: Harness) -> None:
    h, c = harness, harness.client
    g, report, card = await _reported(h, "3栋门口路灯坏了好几天了")
    chat, owner, (resident, neighbour) = g["chat"], g["owner"], g["residents"]
    drain = await h.say(chat, neighbour, "5栋楼下下水道堵了 脏水冒出来了")
    await h.reply_from_bot(chat, drain["message_id"], lambda m: "#2" in _text(m))
    await c.press(chat, owner, card["message_id"], "ack:1")
    await h.reply_from_bot(chat, report["message_id"], lambda m: "已受理" in _text(m))
    # A neighbour asks about the street light in her own words: status of #1, no nudge.
    q = await h.say(chat, neighbour, "三栋门口路灯修好了没有？")
    a = await h.reply_from_bot(chat, q["message_id"])
    assert "#1 路灯照明 · 3栋门口：已受理（王网格" in _text(a)
    assert "@wang_wangge" not in _text(a)
    # The reporter asks the bot: a 催办, the person responsible is reminded by name.
    q = await h.say(chat, resident, "@suqiu_bot 我反映的路灯怎么样了")
    a = await h.reply_from_bot(chat, q["message_id"])
    assert "#1" in _text(a) and "已提醒 @wang_wangge" in _text(a)
    # She says it again: still one person, and the reminder is not repeated at once.
    again = await h.say(chat, resident, "3栋门口路灯还是不亮啊")
    a = await h.reply_from_bot(chat, again["message_id"])
    assert "#1" in _text(a) and "已被提醒过" in _text(a) and "@wang_wangge" not in _text(a)
    issue = await h.service.get_issue(chat, 1, with_events=True)
    assert issue.report_count == 1 and [e.kind for e in issue.events].count("urge") == 1
    # A reply to the card that asks, and a question about the drain.
    q = await h.say(chat, neighbour, "有人管吗", reply_to_message_id=card["message_id"])
    assert "#1" in _text(await h.reply_from_bot(chat, q["message_id"]))
    q = await h.say(chat, resident, "5栋下水道什么时候来修")
    assert "#2 排水下水道" in _text(await h.reply_from_bot(chat, q["message_id"]))
    # Nothing about it here: asked of the bot, it says so; in passing, it stays quiet.
    q = await h.say(chat, neighbour, "@suqiu_bot 电梯修好了没有")
    assert "还没有找到" in _text(await h.reply_from_bot(chat, q["message_id"]))
    quiet = await h.say(chat, neighbour, "你家空调修好了没有")
    probe = await h.say(chat, neighbour, "/help")
    await h.reply_from_bot(chat, probe["message_id"])
    later = await c.bot_messages(chat, quiet["message_id"])
    assert len(later) == 1 and "使用说明" in _text(later[0])


@pytest.mark.parametrize("harness", [{"bot": {"lookup_reply_ttl": "1s"}}], indirect=True)
async def test_lookups_go_privately_or_go_away(harness: Harness) -> None:
    h, c = harness, harness.client
    g, _, _ = await _reported(h, "3栋门口路灯坏了好几天了")
    chat, (resident, neighbour) = g["chat"], g["residents"]
    # Someone who has not started the bot: a short reply, removed after the delay.
    asked = await h.say(chat, neighbour, "/list")
    listing = await h.reply_from_bot(chat, asked["message_id"])
    assert "#1" in _text(listing)
    assert await _gone(h, chat, listing["message_id"])
    # Someone who has: the answer comes privately, the group sees nothing new.
    await c.start_bot(resident)
    asked = await h.say(chat, resident, "/stats")
    private = await c.wait_for(resident, lambda m: "本群诉求统计" in _text(m))
    assert "本月收到 1 件：待受理 1" in _text(private)
    assert _text(private).startswith("【幸福社区3栋群】")  # 本群, said in a private chat
    await asyncio.sleep(0.5)
    assert await c.bot_messages(chat, asked["message_id"]) == []
    # The status answer to a question goes away too.
    q = await h.say(chat, neighbour, "3栋门口路灯修好了没有？")
    answer = await h.reply_from_bot(chat, q["message_id"])
    assert await _gone(h, chat, answer["message_id"])


async def test_settings_in_chinese_with_english_aliases(harness: Harness) -> None:
    h = harness
    g = await h.group()
    chat, owner = g["chat"], g["owner"]
    for command, expect, key, value in (
        ("/settings 灵敏度 高", "灵敏度已改为 高", "sensitivity", "high"),
        ("/settings 自动 关", "自动识别已改为 关", "auto_detect", False),
        ("/settings sensitivity low", "灵敏度已改为 低", "sensitivity", "low"),
        ("/settings auto on", "自动识别已改为 开", "auto_detect", True),
        ("/settings 免打扰 关", "免打扰已改为 无", "quiet_hours", ""),
    ):
        m = await h.say(chat, owner, command)
        reply = await h.reply_from_bot(chat, m["message_id"])
        assert _text(reply) == f"✅ {expect}。", command  # one line, not the whole block
        group = await h.service.get_group(chat)
        assert group is not None and group.settings[key] == value, command
    m = await h.say(chat, owner, "/settings")
    shown = _text(await h.reply_from_bot(chat, m["message_id"]))
    assert "灵敏度：低（/settings 灵敏度 高|中|低）" in shown and "时区：北京时间" in shown
    m = await h.say(chat, owner, "/settings 灵敏度 超高")
    assert "灵敏度只能是 高、中 或 低" in _text(await h.reply_from_bot(chat, m["message_id"]))


async def test_ratings_as_words_and_the_reason_for_unhappy(harness: Harness) -> None:
    h, c = harness, harness.client
    g, report, card = await _reported(h, "3栋门口路灯坏了好几天了")
    chat, owner, (resident, neighbour) = g["chat"], g["owner"], g["residents"]
    await c.start_bot(owner)
    await c.press(chat, owner, card["message_id"], "resolve:1")
    done = await h.reply_from_bot(chat, report["message_id"], lambda m: "请评价" in _text(m))
    # A neighbour may not rate; the reporter's 不满意 takes the buttons away.
    cq = await c.press(chat, neighbour, done["message_id"], "rate:1:5")
    assert (await c.callback_answer(cq) or {}).get("show_alert")
    await c.press(chat, resident, done["message_id"], "rate:1:1")
    rated = await c.wait_for(chat, lambda m: m["message_id"] == done["message_id"]
                             and "评价：不满意" in _text(m))
    assert not rated.get("reply_markup") and "请评价" not in _text(rated)
    why = await h.reply_from_bot(chat, report["message_id"], lambda m: "哪里不满意" in _text(m))
    sent = [x for x in await c.calls("sendMessage") if "哪里不满意" in str(x["params"])]
    assert "force_reply" in str(sent[-1]["params"].get("reply_markup"))  # the reply box opens
    # Her answer reaches the owner (privately: they started the bot) and the record.
    await h.say(chat, resident, "灯还是一闪一闪的，根本没修好",
                reply_to_message_id=why["message_id"])
    passed = await c.wait_for(owner, lambda m: "不满意的原因" in _text(m))
    assert "一闪一闪" in _text(passed) and "李阿姨" in _text(passed)
    # Which group, and not "王网格 请跟进" to 王网格 himself (nor a ping of him).
    assert _text(passed).startswith("【幸福社区3栋群】") and "请跟进" not in _text(passed)
    # Voice sent privately is not heard either, and the way to be heard is said.
    await h.say(owner, owner, None, voice=True)
    told = await c.wait_for(owner, lambda m: "听不了语音" in _text(m))
    assert "在你的社区群里打字说" in _text(told)
    assert not [e for e in passed.get("entities", []) if "mention" in e["type"]]
    issue = await h.service.get_issue(chat, 1, with_events=True)
    assert issue.status == "in_progress"
    assert any(e.kind == "reason" and "一闪一闪" in (e.note or "") for e in issue.events)
    # Resolved again and rated 满意: closed, the card says so in words.
    await h.say(chat, owner, "/resolve 1 换了整套灯具")
    done2 = await h.reply_from_bot(chat, report["message_id"],
                                   lambda m: "换了整套灯具" in _text(m) and "请评价" in _text(m))
    await c.press(chat, resident, done2["message_id"], "rate:1:5")
    await c.wait_for(chat, lambda m: m["message_id"] == done2["message_id"]
                     and "评价：满意" in _text(m) and not m.get("reply_markup"))
    await c.wait_for(chat, lambda m: m["message_id"] == card["message_id"]
                     and "已关闭" in _text(m) and "评价：满意" in _text(m))


async def test_the_reason_for_unhappy_needs_no_reply(harness: Harness) -> None:
    """Asked 哪里不满意, the reporter just writes in the group: her next message is the
    reason, a neighbour's message in between is not."""
    h, c = harness, harness.client
    g, report, card = await _reported(h, "3栋门口路灯坏了好几天了")
    chat, owner, (resident, neighbour) = g["chat"], g["owner"], g["residents"]
    await c.press(chat, owner, card["message_id"], "resolve:1")
    done = await h.reply_from_bot(chat, report["message_id"], lambda m: "请评价" in _text(m))
    await c.press(chat, resident, done["message_id"], "rate:1:1")
    why = await h.reply_from_bot(chat, report["message_id"], lambda m: "哪里不满意" in _text(m))
    assert [e for e in why.get("entities", []) if "mention" in e["type"]]  # 王网格 pinged here
    # Asked, she holds the microphone: told to type it, and her typed words are still heard.
    spoken = await h.say(chat, resident, None, voice=True)
    await h.reply_from_bot(chat, spoken["message_id"], lambda m: "请打字说一下" in _text(m))
    await h.say(chat, neighbour, "我家楼下的也不太亮")
    other = await h.say(chat, resident, "对了，东门的井盖也松了，一踩就晃")  # a new complaint
    await h.reply_from_bot(chat, other["message_id"], lambda m: "#2" in _text(m))
    said = await h.say(chat, resident, "还是不亮，晚上一闪一闪的")
    passed = await h.reply_from_bot(chat, said["message_id"],
                                    lambda m: "不满意的原因" in _text(m))
    # The holder is named, not pinged a second time: 不满意's reopening @-mentioned him.
    assert "一闪一闪" in _text(passed) and "王网格 请跟进" in _text(passed)
    assert not [e for e in passed.get("entities", []) if "mention" in e["type"]]
    issue = await h.service.get_issue(chat, 1, with_events=True)
    assert [e.note for e in issue.events if e.kind == "reason"] == ["还是不亮，晚上一闪一闪的"]
    # Answered once: her next words are chat again.
    again = await h.say(chat, resident, "今天天气不错")
    listed = await h.say(chat, resident, "/list")  # handled after it, in order
    await h.reply_from_bot(chat, listed["message_id"])
    assert not await _answers(h, chat, again["message_id"])
    issue = await h.service.get_issue(chat, 1, with_events=True)
    assert len([e for e in issue.events if e.kind == "reason"]) == 1


async def test_a_worker_naming_the_thing_or_the_number_is_understood(harness: Harness) -> None:
    """Not a reply and not our summary's words: "井盖那个换好了" names the one open 井盖
    issue, "#2 …" its number; a place that is not the issue's, or two issues of the kind,
    name nothing, and nothing is asked."""
    h, c = harness, harness.client
    g, _, _ = await _reported(h, "楼下那个井盖松了，昨晚有个小孩差点踩进去")
    chat, owner, resident = g["chat"], g["owner"], g["residents"][0]
    lamp = await h.say(chat, resident, "3栋门口路灯坏了好几天了")
    card2 = await h.reply_from_bot(chat, lamp["message_id"], lambda m: "#2" in _text(m))
    assert "直接回复居民的消息" in _text(card2)  # a group's first cards teach the reply

    elsewhere = await h.say(chat, owner, "5栋路灯已经修好了")  # 3栋's lamp is #2
    fixed = await h.say(chat, owner, "井盖那个已经找市政换好了")
    ask = await h.reply_from_bot(chat, fixed["message_id"], lambda m: "记为" in _text(m))
    assert "#1 办结" in _text(ask)
    assert [t for t, _ in _buttons(ask)] == ["记为办结 #1", "不用了"]
    assert not await _answers(h, chat, elsewhere["message_id"])
    by_number = await h.say(chat, owner, "#2 已经联系电工了，明天上午来修")
    ask2 = await h.reply_from_bot(chat, by_number["message_id"], lambda m: "记为" in _text(m))
    assert "#2 进展" in _text(ask2)

    second = await h.say(chat, resident, "东门井盖也松了，一踩就晃")
    await h.reply_from_bot(chat, second["message_id"], lambda m: "#3" in _text(m))
    either = await h.say(chat, owner, "井盖已经修好了")  # #1 or #3: not guessed
    await h.say(chat, owner, "#3 修好了")
    await c.wait_for(chat, lambda m: "#3 办结" in _text(m))
    assert not await _answers(h, chat, either["message_id"])
    assert [(await h.service.get_issue(chat, n)).status for n in (1, 2, 3)] == ["open"] * 3
    # The worker names the lift and whom he told: the property company is no issue here, so
    # the one open lift issue is meant.
    lift = await h.say(chat, resident, "5号楼电梯又停了，我家老人下不了楼")
    card4 = await h.reply_from_bot(chat, lift["message_id"], lambda m: "#4" in _text(m))
    assert "受理时限" in _text(card4) and "直接回复居民的消息" not in _text(card4)  # known now
    told = await h.say(chat, owner, "电梯的事已经报给物业了，下午来修")
    ask3 = await h.reply_from_bot(chat, told["message_id"], lambda m: "记为" in _text(m))
    assert "#4 进展" in _text(ask3)


async def test_a_neighbour_asking_after_the_flooded_garage_is_one_more_person(
        harness: Harness) -> None:
    """"车库的水还要等多久" after "地下车库又淹了": the status of that drainage issue, and one
    more person on its card — not a new 供水 issue. "水还要停多久" asks after the open water
    outage; with none open it is only a question: nothing is filed."""
    h, c = harness, harness.client
    g, report, card = await _reported(h, "地下车库又淹了，好几辆车泡在水里")
    chat, owner, (resident, neighbour) = g["chat"], g["owner"], g["residents"]
    assert "排水" in _text(card)
    q = await h.say(chat, neighbour, "车库的水还要等多久")
    a = await h.reply_from_bot(chat, q["message_id"])
    assert "#1 排水下水道 · 地下车库：待受理" in _text(a) and "@wang_wangge" not in _text(a)
    await c.wait_for(chat, lambda m: m["message_id"] == card["message_id"]
                     and "共 2 人反映" in _text(m))
    # Only a question, nothing open of its kind: no answer, no issue.
    quiet = await h.say(chat, neighbour, "水还要停多久")
    probe = await h.say(chat, owner, "/help")
    await h.reply_from_bot(chat, probe["message_id"])
    later = await c.bot_messages(chat, quiet["message_id"])
    assert len(later) == 1 and "使用说明" in _text(later[0])
    outage = await h.say(chat, neighbour, "又停水了，一滴水都没有")
    await h.reply_from_bot(chat, outage["message_id"], lambda m: "#2" in _text(m))
    q = await h.say(chat, resident, "水还要停多久")
    assert "#2 供水" in _text(await h.reply_from_bot(chat, q["message_id"]))
    # Her own outage is of the kind 水 names, but the garage names the flood.
    q = await h.say(chat, neighbour, "@suqiu_bot 车库的水还要等多久")
    a = _text(await h.reply_from_bot(chat, q["message_id"]))
    assert "#1 排水下水道" in a and "提醒" not in a
    issues = await h.service.list_issues(IssueFilter(chat_id=chat))
    assert issues.total == 2
    assert (await h.service.get_issue(chat, 1)).report_count == 2
    # The worker: "车库的水已经抽干了" is never offered as the outage's 办结; said in
    # reply to the report, it is offered for the flood.
    said = await h.say(chat, owner, "车库的水已经抽干了")
    done = await h.say(chat, owner, "车库的水已经抽干了", reply_to_message_id=report["message_id"])
    ask = await h.reply_from_bot(chat, done["message_id"], lambda m: "记为" in _text(m))
    assert "#1 办结" in _text(ask)
    assert not [m for m in await c.bot_messages(chat, said["message_id"])
                if "#2" in _text(m) or m["message_id"] < done["message_id"]]


async def test_asking_neighbours_for_a_tradesman_for_her_own_home_files_nothing(
        harness: Harness) -> None:
    """Her own pipe, toilet or air conditioner, and who can recommend someone to fix it: not a
    complaint to the community, nor a 求助 for a neighbour's hand — no issue, no card. Her
    home hit by a public or a neighbour's problem stays a complaint."""
    h, c = harness, harness.client
    g = await h.group()
    chat, owner, (resident, neighbour) = g["chat"], g["owner"], g["residents"]
    first = None
    for text in ("我家水管坏了，谁认识靠谱的师傅", "家里马桶堵了，有没有推荐的通下水道师傅电话",
                 "我家空调坏了谁知道哪家修得好"):
        said = await h.say(chat, resident, text)
        first = first or said
    probe = await h.say(chat, owner, "/help")
    await h.reply_from_bot(chat, probe["message_id"])
    assert first is not None
    later = await c.bot_messages(chat, first["message_id"])
    assert len(later) == 1 and "使用说明" in _text(later[0])
    assert (await h.service.list_issues(IssueFilter(chat_id=chat))).total == 0
    complaints = (("我家漏水了，是楼上渗下来的", "房屋"), ("我家停水了", "供水"),
                  ("我家门口的路灯坏了", "路灯"), ("楼上装修吵得我家孩子睡不着", "噪音"))
    for n, (text, kind) in enumerate(complaints, start=1):
        said = await h.say(chat, neighbour if n % 2 else resident, text)
        card = await h.reply_from_bot(chat, said["message_id"], lambda m, n=n: f"#{n}" in _text(m))
        assert kind in _text(card), (text, _text(card))


async def test_a_complaint_said_to_the_bot_is_filed_without_its_mention(
        harness: Harness) -> None:
    """"@suqiu_bot 5栋电梯又坏了" is the resident's complaint, not a message to a bot: the card,
    the ledger and a neighbour's "me too" note carry her words without the @mention."""
    h, c = harness, harness.client
    g = await h.group()
    chat, (resident, neighbour) = g["chat"], g["residents"]
    said = await h.say(chat, resident, "@suqiu_bot 5栋电梯又坏了，天天爬楼")
    card = await h.reply_from_bot(chat, said["message_id"], lambda m: "#1" in _text(m))
    assert "5栋电梯又坏了，天天爬楼" in _text(card) and "@suqiu_bot" not in _text(card)
    again = await h.say(chat, neighbour, "@suqiu_bot 5栋电梯确实又坏了")
    await c.wait_for(chat, lambda m: m["message_id"] == card["message_id"]
                     and "共 2 人反映" in _text(m))
    assert again["message_id"] > said["message_id"]
    issue = await h.service.get_issue(chat, 1, with_events=True)
    assert issue.text == "5栋电梯又坏了，天天爬楼"
    assert [e.note for e in issue.events if e.kind == "second"] == ["5栋电梯确实又坏了"]


async def test_thanks_and_hello_to_the_bot_are_not_searched_for_an_issue(
        harness: Harness) -> None:
    """"@suqiu_bot 谢谢" gets 不客气 and "@suqiu_bot 你好" how to report; only a question
    about something hears that nothing was found."""
    h = harness
    g = await h.group()
    chat, (resident, _) = g["chat"], g["residents"]
    replies = {}
    for text in ("@suqiu_bot 谢谢", "@suqiu_bot 你好", "@suqiu_bot 电梯修好了没有"):
        said = await h.say(chat, resident, text)
        replies[text] = _text(await h.reply_from_bot(chat, said["message_id"]))
    assert "不客气" in replies["@suqiu_bot 谢谢"]
    assert "直接说清楚哪里、什么问题" in replies["@suqiu_bot 你好"]
    assert not any("还没有找到" in replies[t] for t in ("@suqiu_bot 谢谢", "@suqiu_bot 你好"))
    assert "还没有找到" in replies["@suqiu_bot 电梯修好了没有"]
    assert (await h.service.list_issues(IssueFilter(chat_id=chat))).total == 0


async def test_a_workers_words_name_the_lamp_by_its_place_and_promise_a_time(
        harness: Harness) -> None:
    """Two lamps are out (3栋门口, 5栋楼道) and rubbish is piled up; the 网格员 writes as he
    would: "楼道灯的事我跟物业说了，明天来换" is progress on the 楼道 lamp, "垃圾下午就清" on
    the rubbish. A resident's "我跟你说了多少遍了，垃圾还没清" is offered nothing."""
    h = harness
    g = await h.group()
    chat, owner, (resident, neighbour) = g["chat"], g["owner"], g["residents"]
    for n, text in ((1, "3栋门口路灯坏了好几天了"),
                    (2, "5栋楼道的灯坏了一个星期了，晚上上楼黑漆漆的"),
                    (3, "2号楼后面垃圾堆了好几天没人清，臭死了")):
        said = await h.say(chat, resident, text)
        await h.reply_from_bot(chat, said["message_id"], lambda m, n=n: f"#{n}" in _text(m))
    lamp = await h.say(chat, owner, "楼道灯的事我跟物业说了，明天来换")
    ask = await h.reply_from_bot(chat, lamp["message_id"], lambda m: "记为" in _text(m))
    assert next(t for t, _ in _buttons(ask)) == "记为进展 #2"
    rubbish = await h.say(chat, owner, "垃圾下午就清")
    ask = await h.reply_from_bot(chat, rubbish["message_id"], lambda m: "记为" in _text(m))
    assert next(t for t, _ in _buttons(ask)) == "记为进展 #3"
    again = await h.say(chat, neighbour, "我跟你说了多少遍了，垃圾还没清")
    # The worker's own "到今天还没清" waits, it reports nothing: 到 is nobody arriving.
    waited = await h.say(chat, owner, "2号楼垃圾到今天还没清")
    probe = await h.say(chat, owner, "/help")
    await h.reply_from_bot(chat, probe["message_id"])
    assert not [m for m in await h.client.bot_messages(chat, again["message_id"])
                if "记为" in _text(m)]
    assert not [m for m in await h.client.bot_messages(chat, waited["message_id"])
                if "记为" in _text(m)]


async def test_said_to_the_bot_in_private_is_answered_with_where_to_report(
        harness: Harness) -> None:
    """A resident who writes her complaint to the bot privately hears that nothing is filed
    there and where to say it; a unit's or a department's command sent privately says it is
    a group's command — never silence, and never an issue."""
    h, c = harness, harness.client
    g = await h.group()
    resident = g["residents"][0]
    await c.start_bot(resident)
    await c.wait_for(resident, lambda m: "你好" in _text(m))
    replies = {}
    for text in ("3栋门口路灯坏了好几天了", "/supervise 幸福社区3栋群-1", "/joint 1 城管 物业",
                 "/escalate 1 城管", "/dept 登记 城管", "/unit 加入 幸福社区", "/digest",
                 "/overdue"):
        said = await h.say(resident, resident, text)
        replies[text] = _text(await c.wait_for(  # in a private chat a reply quotes nothing
            resident, lambda m, after=said["message_id"]: m["message_id"] > after
            and m["from"]["id"] == h.sandbox.bot_id))
    assert "私聊里说的问题我不会登记" in replies["3栋门口路灯坏了好几天了"]
    assert "/report" in replies["3栋门口路灯坏了好几天了"]
    for text, reply in replies.items():
        if text.startswith("/"):
            assert reply == "这个命令要在社区群里使用。", text
    assert (await h.service.list_issues()).total == 0

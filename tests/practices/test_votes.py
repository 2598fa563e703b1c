"""票决 through the real bot: a native poll opened by the group's owner, answered by three
members, closed (by its own closing time, or stopped by the bot) with its result recorded
and posted once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.jobs.votes import close_due_votes
from tests.practices.conftest import Start, text_of

TICK = {"schedule": {"enabled": True, "reminder_interval": "0.3s", "quiet_hours": "",
                     "digest_time": "23:59", "progress_time": "23:59"}}


def _poll(m: dict[str, Any]) -> bool:
    return "poll" in m


async def test_named_vote_answered_by_three_and_closed_with_its_result(
        practice: Start) -> None:
    h = await practice(**TICK)
    g = await h.group(residents=3)
    chat, owner, people = g["chat"], g["owner"], g["residents"]
    refused = await h.said(chat, people[0], "/vote 要不要装充电桩 | 要 | 不要")
    assert "只有群主或管理员可以发起投票" in text_of(refused)
    for text, expect in (("/vote 只有标题", "用法"),
                         ("/vote 标题 | 只有一个选项", "2 到 10 个选项"),
                         ("/vote 99天 标题 | 甲 | 乙", "最长 30 天"),
                         # a time of nothing is a time too short, not part of the title
                         ("/vote 0小时 标题 | 甲 | 乙", "最短 5 秒")):
        assert expect in text_of(await h.said(chat, owner, text)), text
    assert not [m for m in await h.client.bot_messages(chat) if "poll" in m]

    opened = await h.said(chat, owner,
                          "/vote 实名 6秒 小区东门是否加装电动车充电桩 | 同意 | 不同意 | 弃权")
    assert "投票 #1 已发起" in text_of(opened) and "实名" in text_of(opened)
    poll_msg = await h.client.wait_for(chat, _poll)
    poll = poll_msg["poll"]
    assert poll["question"].startswith("小区东门是否加装电动车充电桩")
    assert [o["text"] for o in poll["options"]] == ["同意", "不同意", "弃权"]
    assert poll["is_anonymous"] is False
    for who, choice in zip(people, (0, 0, 1), strict=True):
        await h.client.vote(poll["id"], who, [choice])

    result = await h.client.wait_for(chat, lambda m: "投票结果" in text_of(m), timeout=30)
    assert result["reply_to_message"]["message_id"] == poll_msg["message_id"]
    assert "同意：2 票（67%）" in text_of(result) and "不同意：1 票（33%）" in text_of(result)
    assert "共 3 人投票" in text_of(result) and "得票最多：同意" in text_of(result)
    [vote] = await h.service.votes.newest()
    assert vote.closed_at is not None and vote.counts == (2, 1, 0) and vote.voters == 3
    ballots = await h.service.votes.ballots(vote.id)
    assert {p.name: o for p, o in ballots} == {"李阿姨": (0,), "张师傅": (0,), "小陈": (1,)}
    # Posted once, however many closed updates and ticks follow.
    await h.said(chat, owner, "/help")
    assert len([m for m in await h.client.bot_messages(chat) if "投票结果" in text_of(m)]) == 1


async def test_anonymous_vote_stopped_by_the_bot_when_its_time_has_passed(
        practice: Start) -> None:
    h = await practice()
    g = await h.group(residents=3)
    chat, owner, people = g["chat"], g["owner"], g["residents"]
    opened = await h.said(chat, owner, "/vote 2天 周末议事会时间 | 周六上午 | 周日下午")
    assert "匿名" in text_of(opened)
    poll = (await h.client.wait_for(chat, _poll))["poll"]
    assert poll["is_anonymous"] is True
    for who, choice in zip(people, (1, 1, 0), strict=True):
        await h.client.vote(poll["id"], who, [choice])
    svc = h.service
    assert await svc.votes.due() == []  # two days to go
    await close_due_votes(h.app.bot, svc, now=svc.clock() + timedelta(days=2, seconds=1))
    result = await h.client.wait_for(chat, lambda m: "投票结果" in text_of(m))
    assert "周日下午：2 票（67%）" in text_of(result) and "共 3 人投票" in text_of(result)
    [vote] = await svc.votes.newest()
    assert vote.counts == (1, 2) and await svc.votes.ballots(vote.id) == []
    await h.client.wait_for(chat, lambda m: _poll(m) and m["poll"]["is_closed"])

"""#15 item 3: rights follow Telegram. Promotions, demotions and kicks arrive as `chat_member`
updates; a refusal that depends on stale rights re-reads the admins first; acting for a
department follows membership of its group. Through the sandbox, with the real bot."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select

from issues.models import DepartmentMember
from issues.people import chat_person_ids
from tests.security.conftest import TrustHarness


async def _until(check: Callable[[], Awaitable[bool]], timeout: float = 15) -> None:
    for _ in range(int(timeout / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the bot never caught up")


async def _admins(h: TrustHarness, chat: int) -> set[int | None]:
    group = await h.service.get_group(chat)
    assert group is not None
    return {a.user_id for a in group.admins}


async def test_promotion_and_demotion_follow_chat_member_updates(trust_bot: Any) -> None:
    h: TrustHarness = await trust_bot()
    g = await h.group()
    chat, (a, b) = g["chat"], g["residents"]
    await h.bot_admin(chat)
    source = await h.report(chat, a, "3栋门口路灯坏了好几天了")
    await h.client.add_member(chat, b, "administrator")
    await _until(lambda: _has(h, chat, b))
    await h.say(chat, b, "/ack 1")
    await h.reply_from_bot(chat, source, lambda m: "已受理" in h.text(m))
    await h.client.add_member(chat, b, "member")
    await _until(lambda: _lacks(h, chat, b))
    assert "只有" in await h.answer(chat, b, "/resolve 1 修好了")
    assert (await h.service.get_issue(chat, 1)).status == "acknowledged"


async def _has(h: TrustHarness, chat: int, user: int) -> bool:
    return user in await _admins(h, chat)


async def _lacks(h: TrustHarness, chat: int, user: int) -> bool:
    return user not in await _admins(h, chat)


async def test_a_refusal_rereads_admins_an_update_never_told(trust_bot: Any) -> None:
    """Telegram's update about a promotion was lost (the bot was down): the new admin is
    not refused on the strength of the old list."""
    h: TrustHarness = await trust_bot()
    g = await h.group()
    chat, (a, b) = g["chat"], g["residents"]
    source = await h.report(chat, a, "5栋楼下下水道堵了 脏水冒出来了")
    h.sandbox.state.chats[chat].members[b] = "administrator"  # promoted; no update sent
    assert await _lacks(h, chat, b)
    await h.say(chat, b, "/ack 1")
    await h.reply_from_bot(chat, source, lambda m: "已受理" in h.text(m))
    assert await _has(h, chat, b)


async def test_a_kicked_admin_cannot_act_from_another_group(trust_bot: Any) -> None:
    h: TrustHarness = await trust_bot()
    g = await h.group()
    chat, (a, b) = g["chat"], g["residents"]
    await h.bot_admin(chat)
    await h.report(chat, a, "3栋门口路灯坏了好几天了")
    await h.client.add_member(chat, b, "administrator")
    await _until(lambda: _has(h, chat, b))
    elsewhere = await h.new_group("小陈的群", b)
    await h.client.add_member(chat, b, "kicked")
    await _until(lambda: _lacks(h, chat, b))
    issue = await h.service.get_issue(chat, 1)
    refusal = await h.answer(elsewhere, b, f"/done {issue.id} 已处理")
    assert "部门群" in refusal
    assert (await h.service.get_issue(chat, 1)).status == "open"


async def _acts_for(h: TrustHarness, code: str, user: int) -> bool:
    async with h.service.db.sessionmaker() as s:
        return (await s.execute(select(DepartmentMember).where(
            DepartmentMember.department_code == code,
            DepartmentMember.person_id.in_(chat_person_ids(user))))).first() is not None


async def test_acting_for_a_department_follows_its_group(trust_bot: Any) -> None:
    h: TrustHarness = await trust_bot()
    g = await h.group(residents=3)
    chat, owner, (a, first, second) = g["chat"], g["owner"], g["residents"]
    dept = await h.department("chengguan", "城管执法队", first, second)
    await h.bot_admin(dept)
    await h.report(chat, a, "小区门口有人占道经营 摆摊堵路")
    await h.say(chat, owner, "/escalate 1 chengguan")
    await h.client.wait_for(dept, lambda m: "/claim" in h.text(m))
    issue = await h.service.get_issue(chat, 1)
    await h.say(dept, first, f"/claim {issue.id}")
    await _until(lambda: _acts_for(h, "chengguan", first))
    await h.say(dept, second, f"/progress {issue.id} 队员已在路上")
    await _until(lambda: _acts_for(h, "chengguan", second))
    await h.client.add_member(dept, second, "kicked")  # no longer one of the department's
    await _until(lambda: _gone(h, "chengguan", second))
    assert "只有" in await h.answer(chat, second, "/progress 1 我还在处理")


async def _gone(h: TrustHarness, code: str, user: int) -> bool:
    return not await _acts_for(h, code, user)

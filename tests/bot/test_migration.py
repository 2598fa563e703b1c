"""A basic group that becomes a supergroup gets a new chat id: the ledger, the numbering, the
settings and the unit binding follow it (the real bot polling the sandbox, which upgrades a
group as Telegram does: a service message in each chat)."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.bot.conftest import Harness


def _text(m: dict[str, Any]) -> str:
    return str(m.get("text") or "")


async def test_the_group_follows_its_move_to_a_supergroup(harness: Harness) -> None:
    h, c = harness, harness.client
    owner = await c.create_user("王网格", username="wang_wangge")
    resident = await c.create_user("李阿姨")
    old = await c.create_chat("幸福社区3栋群", owner, type="group")
    await c.add_member(old, resident)
    await c.add_bot(old)
    await c.wait_for(old, lambda m: "诉求助手" in _text(m))
    first = await h.say(old, resident, "3栋门口路灯坏了好几天了")
    await h.reply_from_bot(old, first["message_id"], lambda m: "#1" in _text(m))
    code = await h.service.new_access_code()  # binding a unit's group is the district's
    for command, answer in (("/settings digest 21:30", "21:30"),
                            (f"/unit home 幸福社区 社区 {code}", "✅ 本群是")):
        m = await h.say(old, owner, command)
        await h.reply_from_bot(old, m["message_id"], lambda x, a=answer: a in _text(x))

    new = await c.migrate(old)
    for _ in range(100):  # both service messages are handled by now
        if await h.service.get_group(new) is not None:
            break
        await asyncio.sleep(0.1)
    group = await h.service.get_group(new)
    assert group is not None and group.title == "幸福社区3栋群"
    assert await h.service.get_group(old) is None
    assert group.settings["digest_time"] == "21:30"
    assert group.owner is not None and group.owner.user_id == owner
    units = await h.service.org_units()
    assert [chat for _, name, _, chat in units if name == "幸福社区"] == [new]
    second = await h.say(new, resident, "5栋楼下下水道堵了 脏水冒出来了")
    card = await h.reply_from_bot(new, second["message_id"], lambda m: "📌" in _text(m))
    assert "#2" in _text(card)
    m = await h.say(new, owner, "/issue 1")
    shown = await h.reply_from_bot(new, m["message_id"])
    assert "#1" in _text(shown) and "路灯" in _text(shown)

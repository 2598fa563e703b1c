"""A careless or hostile member, end to end: the real bot polling the sandbox over HTTP."""

from __future__ import annotations

from typing import Any

from tests.bot.conftest import Harness


def _text(m: dict[str, Any]) -> str:
    return str(m.get("text") or "")


async def test_a_members_flood_of_commands_is_told_once_and_holds_back_nobody(
        harness: Harness) -> None:
    g = await harness.group()
    chat, owner, (li, zhang) = g["chat"], g["owner"], g["residents"]
    first = await harness.say(chat, zhang, "/nosuch0")
    for k in range(1, 14):
        await harness.say(chat, zhang, f"/nosuch{k}")
    complaint = await harness.say(chat, li, "3栋门口路灯坏了好几天了")
    await harness.reply_from_bot(chat, complaint["message_id"], lambda m: "📌" in _text(m))
    for _ in range(12):  # the owner's commands are the work itself
        await harness.say(chat, owner, "/list")
    await harness.say(chat, owner, "/ack 1")
    await harness.reply_from_bot(chat, complaint["message_id"], lambda m: "已受理" in _text(m))
    said = [_text(m) for m in await harness.client.bot_messages(chat, first["message_id"])]
    assert sum("没有这个命令" in t for t in said) == 10, said
    assert sum("发得太快" in t for t in said) == 1, said  # told once, then left alone

"""Residents' words, names and group titles with `<`, `>` and `&` reach the group intact: the
sandbox parses HTML as Telegram does, so one unescaped piece of user text would be a 400."""

from __future__ import annotations

from tests.bot.conftest import Harness


async def test_user_text_with_html_characters(harness: Harness) -> None:
    c = harness.client
    owner = await c.create_user("王<网格>", username="wang_wangge")
    resident = await c.create_user("李&阿姨<b>")
    chat = await c.create_chat("幸福<社区>&3栋群", owner)
    await c.add_member(chat, resident)
    await c.add_bot(chat)
    said = await harness.say(chat, resident, "3栋门口路灯坏了<好几天>了 & 没人管")
    card = await harness.reply_from_bot(chat, said["message_id"],
                                        lambda m: "📌" in m.get("text", ""))
    assert "3栋门口路灯坏了<好几天>了 & 没人管" in card["text"]
    await harness.say(chat, owner, "/progress 1 已派人<维修> & 明天到")
    await c.wait_for(chat, lambda m: "已派人<维修> & 明天到" in m.get("text", "")
                     and m["from"]["is_bot"])
    mine = await harness.say(chat, resident, "/mine")
    listing = await harness.reply_from_bot(chat, mine["message_id"])
    assert "李&阿姨<b>" in listing["text"]
    # No text was refused by the HTML parser (a 403 is the private answer the resident, who
    # never started the bot, cannot get: the bot then answers in the group).
    refused = [x for x in await c.calls() if x.get("ok") is False and x.get("error_code") != 403]
    assert refused == []

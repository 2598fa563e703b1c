"""How updates reach the bot, through PTB and aiogram: privacy mode as documented, one poller
at a time, snapshots, offset=-1, allowed_updates over every type, reset (issue #19 items 3,
4, 5, 8 and 9)."""

from __future__ import annotations

import asyncio

import pytest

from sandbox.client import SandboxClient
from sandbox.server import Sandbox
from tests.sandbox.clients import Client, Failure
from tests.sandbox.conftest import drain, long_poll_held


async def test_privacy_mode_delivers_what_telegram_does(tg: Client, client: SandboxClient,
                                                        group: dict[str, int]) -> None:
    chat, who = group["chat"], group["resident"]
    await client.set_privacy(False)
    other_bot = await client.create_user("别的机器人", username="other_bot", is_bot=True)
    await client.add_member(chat, other_bot)
    await drain(tg)
    assert (await client.send(chat, who, "3栋路灯坏了"))["update_id"] is None
    # No bot has posted yet: a command without @address is not this bot's.
    assert (await client.send(chat, who, "/report 路灯坏了"))["update_id"] is None
    assert (await client.send(chat, who, "/report@suqiu_bot 路灯坏了"))["update_id"]
    assert (await client.send(chat, who, "/report@suqiu_bot漏水"))["update_id"] is None
    assert (await client.send(chat, who, "@suqiu_bot 路灯坏了"))["update_id"]
    assert (await client.send(chat, who, "/start@other_bot"))["update_id"] is None
    card = await tg.call("send_message", chat_id=chat, text="卡片")
    # Now this bot posted last: unaddressed commands are its own.
    assert (await client.send(chat, who, "/report 路灯坏了"))["update_id"]
    assert (await client.send(chat, who, "补充", reply_to_message_id=card["message_id"]
                              ))["update_id"]
    await client.send(chat, other_bot, "我是别的机器人")
    # The other bot posted last: unaddressed commands are no longer delivered.
    assert (await client.send(chat, who, "/report 路灯坏了"))["update_id"] is None


async def test_other_bots_are_never_delivered(tg: Client, client: SandboxClient,
                                              group: dict[str, int]) -> None:
    other_bot = await client.create_user("别的机器人", username="other_bot", is_bot=True)
    await client.add_member(group["chat"], other_bot)
    await client.add_bot(group["chat"], "administrator")
    assert (await client.send(group["chat"], other_bot, "/report@suqiu_bot 你好"))[
        "update_id"] is None


async def test_second_long_poll_ends_the_first(tg: Client, sandbox: Sandbox,
                                               group: dict[str, int]) -> None:
    offset = await drain(tg)
    before = sandbox.state.poll_generation
    first = asyncio.create_task(tg.call("get_updates", offset=offset, timeout=20))
    await long_poll_held(sandbox, before)
    async with type(tg)(sandbox.token, sandbox.url) as other:  # a second bot instance
        second = asyncio.create_task(other.call("get_updates", offset=offset, timeout=1))
        with pytest.raises(Failure) as err:
            await asyncio.wait_for(first, 5)
        assert err.value.code == 409
        assert err.value.says("Conflict: terminated by other getUpdates request; make sure "
                              "that only one bot instance is running")
        assert await second == []


async def test_set_webhook_ends_a_long_poll(tg: Client, sandbox: Sandbox,
                                            group: dict[str, int]) -> None:
    offset = await drain(tg)
    before = sandbox.state.poll_generation
    poll = asyncio.create_task(tg.call("get_updates", offset=offset, timeout=20))
    await long_poll_held(sandbox, before)
    assert await tg.call("set_webhook", url="http://127.0.0.1:9/hook")
    with pytest.raises(Failure) as err:
        await asyncio.wait_for(poll, 5)
    assert err.value.code == 409
    assert err.value.says("Conflict: terminated by setWebhook request")
    with pytest.raises(Failure) as err:
        await tg.call("get_updates")
    assert err.value.says("Conflict: can't use getUpdates method while webhook is active; "
                          "use deleteWebhook to delete the webhook first")


async def test_updates_are_snapshots(tg: Client, client: SandboxClient,
                                     group: dict[str, int]) -> None:
    offset = await drain(tg)
    sent = await client.send(group["chat"], group["resident"], "3栋路灯坏了")
    await client.edit(group["chat"], sent["message_id"], "3栋和5栋路灯都坏了")
    first, second = await tg.call("get_updates", offset=offset)
    assert first["message"]["text"] == "3栋路灯坏了" and "edit_date" not in first["message"]
    assert second["edited_message"]["text"] == "3栋和5栋路灯都坏了"
    for update in (first, second):
        assert "sandbox_seq" not in str(update)
    card = await tg.call("send_message", chat_id=group["chat"], text="卡片")
    assert "sandbox_seq" not in card


async def test_offset_minus_one_returns_only_the_last(tg: Client, client: SandboxClient,
                                                      group: dict[str, int]) -> None:
    for text in ("一", "二", "三"):
        await client.send(group["chat"], group["resident"], text)
    last = await tg.call("get_updates", offset=-1)
    assert [u["message"]["text"] for u in last] == ["三"]
    # The older ones are gone for good.
    assert [u["message"]["text"] for u in await tg.call("get_updates")] == ["三"]


async def test_allowed_updates_filters_every_type(tg: Client, client: SandboxClient,
                                                  group: dict[str, int]) -> None:
    offset = await drain(tg)
    await tg.call("get_updates", offset=offset, allowed_updates=["poll"])
    assert (await client.send(group["chat"], group["resident"], "路灯坏了"))["update_id"] is None
    poll = await tg.call("send_poll", chat_id=group["chat"], question="满意吗？",
                         options=["满意", "不满意"])
    await client.vote(poll["poll"]["id"], group["resident"], [0])
    got = await tg.call("get_updates", offset=offset)
    assert [next(k for k in u if k != "update_id") for u in got] == ["poll"]
    # An unknown name alone means the default set again.
    await tg.call("get_updates", offset=got[-1]["update_id"] + 1,
                  allowed_updates=["no_such_update"])
    assert (await client.send(group["chat"], group["resident"], "路灯坏了"))["update_id"]


async def test_reset_starts_limits_and_privacy_afresh(client: SandboxClient) -> None:
    sb = Sandbox(per_chat_per_minute=2)
    await sb.start()
    try:
        async with SandboxClient(sb.url) as c:
            from tests.sandbox.clients import PTBClient

            async with PTBClient(sb.token, sb.url) as tg:
                owner = await c.create_user("群主")
                chat = await c.create_chat("群", owner)
                await c.add_bot(chat)
                for _ in range(2):
                    await tg.call("send_message", chat_id=chat, text="日报")
                await c.set_privacy(False)
                await c.reset()
                assert (await c.bot_info())["can_read_all_group_messages"] is True
                owner = await c.create_user("群主")
                chat = await c.create_chat("群", owner)  # the same id as before the reset
                await c.add_bot(chat)
                for _ in range(2):  # the old chat's two sends no longer count
                    await tg.call("send_message", chat_id=chat, text="日报")
    finally:
        await sb.stop()

"""Groups and people through PTB and aiogram: supergroup migration, private chats, member
changes as chat_member / my_chat_member updates, administrators (for issues #15, #16, #17)."""

from __future__ import annotations

import pytest

from sandbox.client import SandboxClient
from tests.sandbox.clients import Client, Failure
from tests.sandbox.conftest import drain


def _kinds(updates: list[dict]) -> list[str]:  # type: ignore[type-arg]
    return [next(k for k in u if k != "update_id") for u in updates]


async def test_group_upgraded_to_supergroup(tg: Client, client: SandboxClient) -> None:
    owner = await client.create_user("王网格")
    resident = await client.create_user("李阿姨")
    old = await client.create_chat("幸福社区3栋群", owner, type="group")
    await client.add_member(old, resident)
    await client.add_bot(old)
    offset = await drain(tg)
    new = await client.migrate(old)
    assert new < -1_000_000_000_000 and old > -1_000_000_000
    got = await tg.call("get_updates", offset=offset)
    assert [u["message"].get("migrate_to_chat_id") for u in got][:1] == [new]
    assert got[1]["message"]["migrate_from_chat_id"] == old
    assert got[1]["message"]["chat"]["type"] == "supergroup"
    with pytest.raises(Failure) as err:
        await tg.call("send_message", chat_id=old, text="日报")
    assert err.value.code == 400 and err.value.migrate_to_chat_id == new
    assert err.value.says("Bad Request: group chat was upgraded to a supergroup chat")
    msg = await tg.call("send_message", chat_id=new, text="日报")
    assert msg["chat"]["id"] == new
    assert (await client.send(new, resident, "路灯坏了"))["update_id"]


async def test_private_chat_needs_start(tg: Client, client: SandboxClient) -> None:
    user = await client.create_user("李阿姨")
    with pytest.raises(Failure) as err:
        await tg.call("send_message", chat_id=user, text="您的诉求 #12 已受理")
    assert err.value.code == 403
    assert err.value.says("Forbidden: bot can't initiate conversation with a user")
    with pytest.raises(Failure) as err:
        await tg.call("send_message", chat_id=987654321, text="x")
    assert err.value.says("Bad Request: chat not found")
    offset = await drain(tg)
    started = await client.start_bot(user)
    (update,) = await tg.call("get_updates", offset=offset)
    msg = update["message"]
    assert msg["chat"] == {"id": user, "first_name": "李阿姨", "type": "private"}
    assert msg["text"] == "/start" and msg["entities"][0]["type"] == "bot_command"
    assert started["chat_id"] == user
    sent = await tg.call("send_message", chat_id=user, text="您的诉求 #12 已受理")
    assert sent["chat"]["type"] == "private"
    assert (await client.send(user, user, "谢谢"))["update_id"]  # no privacy mode in private
    offset = await drain(tg)
    await client.block_bot(user)
    (update,) = await tg.call("get_updates", offset=offset)
    assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    with pytest.raises(Failure) as err:
        await tg.call("send_message", chat_id=user, text="满意吗？")
    assert err.value.code == 403 and err.value.says("Forbidden: bot was blocked by the user")
    await client.block_bot(user, blocked=False)
    assert await tg.call("send_message", chat_id=user, text="满意吗？")


async def test_member_changes_as_updates(tg: Client, client: SandboxClient,
                                         group: dict[str, int]) -> None:
    chat, owner, resident = group["chat"], group["owner"], group["resident"]
    offset = await drain(tg)
    await tg.call("get_updates", offset=offset,
                  allowed_updates=["message", "chat_member", "my_chat_member"])
    # A plain member bot gets no chat_member updates, even when asked for them.
    await client.add_member(chat, resident, "administrator")
    assert "chat_member" not in _kinds(await tg.call("get_updates", offset=offset))
    await client.add_bot(chat, "administrator")
    got = await tg.call("get_updates", offset=offset)
    mine = got[-1]["my_chat_member"]
    assert mine["new_chat_member"]["status"] == "administrator"
    assert mine["new_chat_member"]["can_delete_messages"] is True
    offset = got[-1]["update_id"] + 1
    await client.add_member(chat, resident, "member")  # demote
    newcomer = await client.create_user("新邻居")
    await client.add_member(chat, newcomer)  # add
    await client.add_member(chat, newcomer, "kicked", by=owner)  # ban
    got = await tg.call("get_updates", offset=offset)
    changes = [(u["chat_member"]["old_chat_member"]["status"],
                u["chat_member"]["new_chat_member"]["status"])
               for u in got if "chat_member" in u]
    assert changes == [("administrator", "member"), ("left", "member"), ("member", "kicked")]
    assert [u["message"] for u in got if "message" in u][-1]["left_chat_member"]["id"] == (
        newcomer)
    member = await tg.call("get_chat_member", chat_id=chat, user_id=newcomer)
    assert member["status"] == "kicked"


async def test_administrators_leave_out_other_bots(tg: Client, client: SandboxClient,
                                                   group: dict[str, int]) -> None:
    other_bot = await client.create_user("别的机器人", username="other_bot", is_bot=True)
    await client.add_member(group["chat"], other_bot, "administrator")
    await client.add_bot(group["chat"], "administrator")
    await client.add_member(group["chat"], group["resident"], "administrator")
    admins = await tg.call("get_chat_administrators", chat_id=group["chat"])
    ids = [a["user"]["id"] for a in admins]
    assert other_bot not in ids and group["resident"] in ids and group["owner"] in ids
    me = next(a for a in admins if a["user"]["is_bot"])
    assert me["can_manage_topics"] is False and me["can_pin_messages"] is True
    with_bots = await tg.call("get_chat_administrators", chat_id=group["chat"],
                              return_bots=True)
    assert other_bot in [a["user"]["id"] for a in with_bots]


async def test_leave_chat(tg: Client, client: SandboxClient, group: dict[str, int]) -> None:
    offset = await drain(tg)
    assert await tg.call("leave_chat", chat_id=group["chat"])
    got = await tg.call("get_updates", offset=offset)
    assert got[-1]["my_chat_member"]["new_chat_member"]["status"] == "left"
    with pytest.raises(Failure) as err:
        await tg.call("send_message", chat_id=group["chat"], text="x")
    assert err.value.says("Forbidden: bot is not a member of the supergroup chat")

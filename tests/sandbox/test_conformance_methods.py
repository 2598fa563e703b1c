"""The methods a group bot calls, through PTB and aiogram (issue #19 item 7): media and files,
albums, locations, pins, reactions, deleting, copying, forwarding, captions, polls, forum
topics and webhook answers that carry a method call."""

from __future__ import annotations

import time

import pytest
from aiohttp import web

from sandbox.client import SandboxClient, SandboxError
from sandbox.server import Sandbox
from tests.sandbox.clients import AiogramClient, Client, Failure
from tests.sandbox.conftest import drain, webhook_server

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000002000000030802000000") + b"\0" * 32


async def test_photo_and_document_round_trip(tg: Client, group: dict[str, int]) -> None:
    photo = await tg.call("send_photo", chat_id=group["chat"], photo=tg.file(PNG, "现场.png"),
                          caption="<b>现场</b> 照片", parse_mode="HTML")
    assert photo["caption"] == "现场 照片" and photo["caption_entities"][0]["type"] == "bold"
    assert (photo["photo"][-1]["width"], photo["photo"][-1]["height"]) == (2, 3)
    assert await tg.download(photo["photo"][-1]["file_id"]) == PNG
    doc = await tg.call("send_document", chat_id=group["chat"],
                        document=tg.file(b"a,b\n1,2\n", "台账.csv"), caption="台账")
    assert doc["document"]["file_name"] == "台账.csv"
    assert await tg.download(doc["document"]["file_id"]) == b"a,b\n1,2\n"
    edited = await tg.call("edit_message_caption", chat_id=group["chat"],
                           message_id=doc["message_id"], caption="台账（更新）")
    assert edited["caption"] == "台账（更新）" and "edit_date" in edited
    with pytest.raises(Failure) as err:
        await tg.call("edit_message_caption", chat_id=group["chat"],
                      message_id=doc["message_id"], caption="台账（更新）")
    assert err.value.says("Bad Request: message is not modified: specified new message "
                          "content and reply markup are exactly the same as a current content "
                          "and reply markup of the message")


async def test_media_group(tg: Client, group: dict[str, int]) -> None:
    album = await tg.call("send_media_group", chat_id=group["chat"], media=[
        tg.media("photo", PNG, "1.png", caption="前"), tg.media("photo", PNG, "2.png")])
    assert len(album) == 2 and album[0]["media_group_id"] == album[1]["media_group_id"]
    assert album[0]["caption"] == "前" and "caption" not in album[1]
    with pytest.raises(Failure) as err:
        await tg.call("send_media_group", chat_id=group["chat"],
                      media=[tg.media("photo", PNG, "1.png")])
    assert err.value.code == 400


async def test_location_pin_reaction_delete(tg: Client, client: SandboxClient,
                                            group: dict[str, int]) -> None:
    chat = group["chat"]
    loc = await tg.call("send_location", chat_id=chat, latitude=28.2282, longitude=112.9388)
    assert loc["location"]["latitude"] == pytest.approx(28.2282)
    with pytest.raises(Failure) as err:
        await tg.call("pin_chat_message", chat_id=chat, message_id=loc["message_id"])
    assert err.value.says("Bad Request: not enough rights to manage pinned messages in the chat")
    await client.add_bot(chat, "administrator")
    assert await tg.call("pin_chat_message", chat_id=chat, message_id=loc["message_id"])
    assert (await tg.call("get_chat", chat_id=chat))["pinned_message"]["message_id"] == (
        loc["message_id"])
    assert await tg.call("unpin_chat_message", chat_id=chat, message_id=loc["message_id"])
    assert "pinned_message" not in await tg.call("get_chat", chat_id=chat)
    said = await client.send(chat, group["resident"], "路灯坏了")
    assert await tg.call("set_message_reaction", chat_id=chat, message_id=said["message_id"],
                         reaction=tg.reaction("👍"))
    shown = next(m for m in await client.messages(chat)
                 if m["message_id"] == said["message_id"])
    assert list(shown["sandbox_reactions"].values()) == [[{"type": "emoji", "emoji": "👍"}]]
    extra = await tg.call("send_message", chat_id=chat, text="多余")
    assert await tg.call("delete_messages", chat_id=chat,
                         message_ids=[extra["message_id"], said["message_id"], 9999])
    left = [m["message_id"] for m in await client.messages(chat)]
    assert extra["message_id"] not in left and said["message_id"] not in left
    with pytest.raises(Failure) as err:
        await tg.call("delete_message", chat_id=chat, message_id=9999)
    assert err.value.says("Bad Request: message to delete not found")


async def test_copy_and_forward(tg: Client, client: SandboxClient,
                                group: dict[str, int]) -> None:
    dept_owner = await client.create_user("城管")
    dept = await client.create_chat("城管中队", dept_owner)
    await client.add_bot(dept)
    said = await client.send(group["chat"], group["resident"], "3栋井盖丢了 @wang_wangge")
    fwd = await tg.call("forward_message", chat_id=dept, from_chat_id=group["chat"],
                        message_id=said["message_id"])
    assert fwd["text"] == "3栋井盖丢了 @wang_wangge"
    assert fwd["forward_origin"]["sender_user"]["id"] == group["resident"]
    copied = await tg.call("copy_message", chat_id=dept, from_chat_id=group["chat"],
                           message_id=said["message_id"])
    shown = next(m for m in await client.messages(dept)
                 if m["message_id"] == copied["message_id"])
    assert shown["text"] == "3栋井盖丢了 @wang_wangge" and "forward_origin" not in shown
    with pytest.raises(Failure) as err:
        await tg.call("forward_message", chat_id=dept, from_chat_id=group["chat"],
                      message_id=9999)
    assert err.value.says("Bad Request: message to forward not found")


async def test_profile_photos(tg: Client, group: dict[str, int]) -> None:
    photos = await tg.call("get_user_profile_photos", user_id=group["resident"])
    assert photos["total_count"] == 0 and photos.get("photos", []) == []
    with pytest.raises(Failure) as err:
        await tg.call("get_user_profile_photos", user_id=42)
    assert err.value.says("Bad Request: user not found")


async def test_polls(tg: Client, client: SandboxClient, group: dict[str, int]) -> None:
    chat, resident, owner = group["chat"], group["resident"], group["owner"]
    offset = await drain(tg)
    open_poll = await tg.call("send_poll", chat_id=chat, question="路灯修好了吗？",
                              options=["修好了", "没有"], is_anonymous=False, open_period=60)
    poll = open_poll["poll"]
    assert poll["is_anonymous"] is False and poll["open_period"] == 60
    assert poll["close_date"] - time.time() == pytest.approx(60, abs=5)
    await client.vote(poll["id"], resident, [0])
    await client.vote(poll["id"], owner, [1])
    got = await tg.call("get_updates", offset=offset)
    answers = [u["poll_answer"] for u in got if "poll_answer" in u]
    assert [(a["user"]["id"], a["option_ids"]) for a in answers] == [(resident, [0]),
                                                                      (owner, [1])]
    states = [u["poll"] for u in got if "poll" in u]
    assert [o["voter_count"] for o in states[-1]["options"]] == [1, 1]
    stopped = await tg.call("stop_poll", chat_id=chat, message_id=open_poll["message_id"])
    assert stopped["is_closed"] is True and stopped["total_voter_count"] == 2
    with pytest.raises(Failure) as err:
        await tg.call("stop_poll", chat_id=chat, message_id=open_poll["message_id"])
    assert err.value.says("Bad Request: poll has already been closed")
    offset = await drain(tg)
    anonymous = await tg.call("send_poll", chat_id=chat, question="满意吗？",
                              options=["满意", "不满意"], open_period=600)
    await client.vote(anonymous["poll"]["id"], resident, [1])
    await client.expire_poll(anonymous["poll"]["id"])  # its ten minutes are over
    got = await tg.call("get_updates", offset=offset)
    kinds = [next(k for k in u if k != "update_id") for u in got]
    assert kinds == ["poll", "poll"]  # no poll_answer for an anonymous poll
    assert got[-1]["poll"]["is_closed"] is True
    with pytest.raises(SandboxError, match="closed"):
        await client.vote(anonymous["poll"]["id"], owner, [0])


async def test_poll_closes_when_its_period_ends(tg: Client, group: dict[str, int]) -> None:
    offset = await drain(tg)
    await tg.call("send_poll", chat_id=group["chat"], question="今晚停水知道了吗？",
                  options=["知道了", "不知道"], open_period=1)
    got = await tg.call("get_updates", offset=offset, timeout=5)
    assert got[-1]["poll"]["is_closed"] is True


async def test_forum_topics_round_trip(tg: Client, client: SandboxClient) -> None:
    owner = await client.create_user("王网格")
    chat = await client.create_chat("街道总群", owner, is_forum=True)
    await client.add_bot(chat, "administrator")
    topic = await tg.call("create_forum_topic", chat_id=chat, name="3栋")
    thread = topic["message_thread_id"]
    sent = await tg.call("send_message", chat_id=chat, text="日报", message_thread_id=thread)
    assert sent["message_thread_id"] == thread and sent["is_topic_message"] is True
    offset = await drain(tg)
    said = await client.send(chat, owner, "收到", message_thread_id=thread)
    (update,) = await tg.call("get_updates", offset=offset)
    assert update["message"]["message_thread_id"] == thread
    reply = await tg.call("send_message", chat_id=chat, text="好的",
                          **tg.reply_to(said["message_id"]))
    assert reply["message_thread_id"] == thread
    with pytest.raises(Failure) as err:
        await tg.call("send_message", chat_id=chat, text="x", message_thread_id=424242)
    assert err.value.says("Bad Request: message thread not found")


async def test_webhook_answer_carries_a_method(sandbox: Sandbox, client: SandboxClient,
                                               group: dict[str, int]) -> None:
    async def hook(request: web.Request) -> web.Response:
        update = await request.json()
        msg = update["message"]
        return web.json_response({"method": "sendMessage", "chat_id": msg["chat"]["id"],
                                  "text": f"收到：{msg['text']}",
                                  "reply_parameters": {"message_id": msg["message_id"]}})

    async with webhook_server(hook) as url, AiogramClient(sandbox.token, sandbox.url) as tg:
        await tg.call("set_webhook", url=url, drop_pending_updates=True)
        said = await client.send(group["chat"], group["resident"], "路灯坏了")
        reply = await client.wait_for(group["chat"], lambda m: m.get("text", "").startswith(
            "收到"), timeout=10)
        assert reply["text"] == "收到：路灯坏了"
        assert reply["reply_to_message"]["message_id"] == said["message_id"]
        calls = await client.calls("sendMessage")
        assert calls[-1]["via"] == "webhook reply"

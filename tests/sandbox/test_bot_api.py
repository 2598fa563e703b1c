"""Every sandbox Bot API method, round-tripped through a real python-telegram-bot Bot."""

from __future__ import annotations

import asyncio
import time

import pytest
from telegram import (
    Bot,
    BotCommand,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
    ReplyParameters,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter

from sandbox.client import SandboxClient, SandboxError
from sandbox.server import Sandbox
from tests.sandbox.conftest import long_poll_held


async def test_get_me_reports_privacy_and_username(bot: Bot, client: SandboxClient) -> None:
    me = await bot.get_me()
    assert me.username == "suqiu_bot" and me.is_bot
    assert me.can_read_all_group_messages is True
    await client.set_privacy(False)
    assert (await bot.get_me()).can_read_all_group_messages is False


async def test_wrong_token_is_unauthorized(sandbox: Sandbox) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("123:wrong", base_url=sandbox.bot_api_base):
            pass


async def test_resident_message_arrives_with_entities(bot: Bot, client: SandboxClient,
                                                      group: dict[str, int]) -> None:
    await bot.get_updates()  # drain joins
    sent = await client.send(group["chat"], group["resident"],
                             "😀 @wang_wangge 3栋路灯坏了 /report@suqiu_bot")
    updates = await bot.get_updates(timeout=5)
    msg = updates[-1].message
    assert msg is not None and msg.message_id == sent["message_id"]
    assert msg.from_user is not None and msg.from_user.first_name == "李阿姨"
    mention = next(e for e in msg.entities if e.type == MessageEntity.MENTION)
    # The emoji counts two UTF-16 units, so the mention starts at 3, not 2.
    assert mention.offset == 3
    assert msg.parse_entity(mention) == "@wang_wangge"
    assert any(e.type == MessageEntity.BOT_COMMAND for e in msg.entities)


async def test_html_is_parsed_into_utf16_entities(bot: Bot, group: dict[str, int]) -> None:
    text = (f'<b>#12 · 路灯照明</b> 🚨 <a href="tg://user?id={group["resident"]}">李阿姨</a>'
            " &lt;script&gt; <i>斜</i>")
    msg = await bot.send_message(group["chat"], text, parse_mode="HTML")
    assert msg.text == "#12 · 路灯照明 🚨 李阿姨 <script> 斜"
    kinds = {e.type: e for e in msg.entities}
    assert msg.parse_entity(kinds[MessageEntity.BOLD]) == "#12 · 路灯照明"
    tm = kinds[MessageEntity.TEXT_MENTION]
    assert tm.user is not None and tm.user.id == group["resident"]
    assert tm.offset == 14  # after "🚨 " the offset is one more than the str index
    assert msg.parse_entity(tm) == "李阿姨"


async def test_bad_html_and_limits_are_refused(bot: Bot, group: dict[str, int]) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(group["chat"], "<b>unclosed", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_message(group["chat"], "长" * 4097)
    await bot.send_message(group["chat"], "长" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(group["chat"], "x", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("受理", callback_data="a" * 65)]]))
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(-42, "x")
    with pytest.raises(BadRequest, match=r"(?i)empty"):
        await bot.send_message(group["chat"], "   ")


async def test_reply_keyboard_edit_delete(bot: Bot, client: SandboxClient,
                                          group: dict[str, int]) -> None:
    sent = await client.send(group["chat"], group["resident"], "下水道堵了")
    kb = InlineKeyboardMarkup([[InlineKeyboardButton("受理", callback_data="ack:1"),
                                InlineKeyboardButton("不是诉求", callback_data="no:1")]])
    card = await bot.send_message(group["chat"], "卡片", reply_markup=kb,
                                  reply_parameters=ReplyParameters(sent["message_id"]))
    assert card.reply_to_message is not None
    assert card.reply_to_message.text == "下水道堵了"
    assert card.reply_markup is not None
    assert card.reply_markup.inline_keyboard[0][1].callback_data == "no:1"
    edited = await bot.edit_message_text("卡片 · 已受理", group["chat"], card.message_id,
                                         reply_markup=kb)
    assert isinstance(edited, type(card)) and edited.text == "卡片 · 已受理"
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text("卡片 · 已受理", group["chat"], card.message_id,
                                    reply_markup=kb)
    await bot.edit_message_reply_markup(group["chat"], card.message_id, reply_markup=None)
    transcript = await client.messages(group["chat"])
    shown = next(m for m in transcript if m["message_id"] == card.message_id)
    assert shown["text"] == "卡片 · 已受理" and "reply_markup" not in shown
    assert "edit_date" in shown
    assert await bot.delete_message(group["chat"], card.message_id)
    assert card.message_id not in [m["message_id"] for m in await client.messages(group["chat"])]
    with pytest.raises(BadRequest, match=r"(?i)not found"):
        await bot.send_message(group["chat"], "x", reply_parameters=ReplyParameters(9999))


async def test_callback_query_and_answer(bot: Bot, client: SandboxClient,
                                         group: dict[str, int]) -> None:
    card = await bot.send_message(group["chat"], "卡片", reply_markup=InlineKeyboardMarkup(
        [[InlineKeyboardButton("受理", callback_data="ack:7")]]))
    await bot.get_updates()
    last = (await bot.get_updates())
    offset = last[-1].update_id + 1 if last else 0
    cq_id = await client.press(group["chat"], group["owner"], card.message_id, "ack:7")
    updates = await bot.get_updates(offset=offset, timeout=5)
    cq = updates[-1].callback_query
    assert cq is not None and cq.id == cq_id and cq.data == "ack:7"
    assert cq.from_user.id == group["owner"]
    assert cq.message is not None and cq.message.message_id == card.message_id
    assert await bot.answer_callback_query(cq.id, "只有群主可以操作", show_alert=True)
    answer = await client.callback_answer(cq_id, timeout=1)
    assert answer == {"answered": True, "text": "只有群主可以操作", "show_alert": True}
    with pytest.raises(SandboxError, match="no button"):
        await client.press(group["chat"], group["owner"], card.message_id, "forged")


async def test_chat_info_admins_members(bot: Bot, client: SandboxClient,
                                        group: dict[str, int]) -> None:
    chat = await bot.get_chat(group["chat"])
    assert chat.title == "幸福社区3栋群" and chat.type == "supergroup"
    admins = await bot.get_chat_administrators(group["chat"])
    assert [type(a) for a in admins] == [ChatMemberOwner]
    assert admins[0].user.id == group["owner"]
    assert await bot.get_chat_member_count(group["chat"]) == 3
    await client.add_member(group["chat"], group["resident"], "administrator")
    member = await bot.get_chat_member(group["chat"], group["resident"])
    assert member.status == "administrator"
    assert len(await bot.get_chat_administrators(group["chat"])) == 2


async def test_photo_upload_get_file_download(bot: Bot, group: dict[str, int]) -> None:
    payload = bytes(range(256)) * 8
    msg = await bot.send_photo(group["chat"], photo=payload, caption="<b>现场</b>",
                               parse_mode="HTML")
    assert msg.caption == "现场" and msg.photo
    f = await bot.get_file(msg.photo[-1].file_id)
    assert bytes(await f.download_as_bytearray()) == payload
    again = await bot.send_photo(group["chat"], photo=msg.photo[-1].file_id)
    assert again.photo[-1].file_id == msg.photo[-1].file_id


async def test_resident_photo_and_location(bot: Bot, client: SandboxClient,
                                           group: dict[str, int]) -> None:
    await bot.get_updates()
    await client.send(group["chat"], group["resident"], caption="井盖丢了", photo=True)
    await client.send(group["chat"], group["resident"], location=(28.2282, 112.9388))
    updates = await bot.get_updates(timeout=5)
    photo_msg, loc_msg = [u.message for u in updates[-2:]]
    assert photo_msg is not None and photo_msg.caption == "井盖丢了"
    f = await bot.get_file(photo_msg.photo[-1].file_id)
    assert (await f.download_as_bytearray())[:4] == b"\x89PNG"
    assert loc_msg is not None and loc_msg.location is not None
    assert loc_msg.location.latitude == pytest.approx(28.2282)


async def test_commands_and_unknown_method(bot: Bot, sandbox: Sandbox) -> None:
    await bot.set_my_commands([BotCommand("report", "登记诉求"), BotCommand("help", "说明")])
    assert [c.command for c in await bot.get_my_commands()] == ["report", "help"]
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    # Telegram answers an unknown method 404 "Not Found: method not found" (PTB calls that
    # InvalidToken, as it does against Telegram).
    with pytest.raises(InvalidToken, match="Not Found: method not found"):
        await bot.send_dice(-1)


async def test_not_a_member_is_forbidden(bot: Bot, client: SandboxClient) -> None:
    owner = await client.create_user("群主")
    chat = await client.create_chat("没有机器人的群", owner)
    with pytest.raises(Forbidden):
        await bot.send_message(chat, "hi")


async def test_get_updates_long_polls(bot: Bot, client: SandboxClient, sandbox: Sandbox,
                                      group: dict[str, int]) -> None:
    pending = await bot.get_updates()
    offset = pending[-1].update_id + 1
    start = time.monotonic()
    assert await bot.get_updates(offset=offset, timeout=1) == ()
    assert time.monotonic() - start >= 0.9  # it held the request, it did not spin
    before = sandbox.state.poll_generation
    waiter = asyncio.create_task(bot.get_updates(offset=offset, timeout=20))
    await long_poll_held(sandbox, before)
    assert not waiter.done()
    await client.send(group["chat"], group["resident"], "有人吗")
    got = await asyncio.wait_for(waiter, 10)
    assert got[0].message is not None and got[0].message.text == "有人吗"
    # Confirming the offset drops what was read; limit caps the batch.
    await client.send(group["chat"], group["resident"], "一")
    await client.send(group["chat"], group["resident"], "二")
    nxt = got[0].update_id + 1
    batch = await bot.get_updates(offset=nxt, limit=1)
    assert len(batch) == 1 and batch[0].message.text == "一"  # type: ignore[union-attr]
    assert (await bot.get_updates(offset=batch[0].update_id + 1))[0].message.text == "二"  # type: ignore[union-attr]


async def test_chat_member_updates_only_when_asked(bot: Bot, client: SandboxClient,
                                                   group: dict[str, int]) -> None:
    await bot.get_updates()
    newcomer = await client.create_user("新邻居")
    await client.add_member(group["chat"], newcomer)
    kinds = [u.to_dict().keys() for u in await bot.get_updates()]
    assert not any("chat_member" in k for k in kinds)
    last = (await bot.get_updates())[-1].update_id
    await bot.get_updates(offset=last + 1, allowed_updates=["message", "chat_member"])
    await client.add_bot(group["chat"], "administrator")  # only admins get chat_member
    second = await client.create_user("又一位")
    await client.add_member(group["chat"], second)
    got = await bot.get_updates(offset=last + 1)
    assert any(u.chat_member is not None and u.chat_member.new_chat_member.user.id == second
               for u in got)


async def test_privacy_mode_filters_ordinary_chat(bot: Bot, client: SandboxClient,
                                                  group: dict[str, int]) -> None:
    await client.set_privacy(False)
    last = (await bot.get_updates())[-1].update_id
    chat, who = group["chat"], group["resident"]
    hidden = await client.send(chat, who, "3栋路灯坏了")
    assert hidden["update_id"] is None
    assert (await client.send(chat, who, "/report 路灯坏了"))["update_id"] is None
    await bot.send_message(chat, "本群已开启诉求登记")  # now the bot posted last
    seen = [
        await client.send(chat, who, "/report 路灯坏了"),
        await client.send(chat, who, "/report@suqiu_bot 路灯坏了"),
        await client.send(chat, who, "@suqiu_bot 路灯坏了"),
    ]
    assert (await client.send(chat, who, "/start@other_bot"))["update_id"] is None
    card = await bot.send_message(chat, "卡片")
    seen.append(await client.send(chat, who, "补充", reply_to_message_id=card.message_id))
    got = await bot.get_updates(offset=last + 1)
    assert [u.message.message_id for u in got if u.message] == [s["message_id"] for s in seen]
    # As an admin the bot sees everything again.
    await client.add_bot(chat, "administrator")
    assert (await client.send(chat, who, "下水道堵了"))["update_id"] is not None


async def test_flood_control_gives_429_with_retry_after(client: SandboxClient) -> None:
    sb = Sandbox(per_chat_per_minute=3, overall_per_second=30)
    await sb.start()
    try:
        async with SandboxClient(sb.url) as c, Bot(sb.token, base_url=sb.bot_api_base) as b:
            owner = await c.create_user("群主")
            chat = await c.create_chat("群", owner)
            await c.add_bot(chat)
            for i in range(3):
                await b.send_message(chat, f"第{i}条")
            with pytest.raises(RetryAfter) as err:
                await b.send_message(chat, "第4条")
            assert 1 <= err.value.retry_after.total_seconds() <= 61  # type: ignore[union-attr]
            assert (await c.bot_info())["sent_429"] == 1
    finally:
        await sb.stop()


async def test_overall_flood_limit(client: SandboxClient) -> None:
    sb = Sandbox(per_chat_per_minute=100, overall_per_second=5)
    await sb.start()
    try:
        async with SandboxClient(sb.url) as c, Bot(sb.token, base_url=sb.bot_api_base) as b:
            owner = await c.create_user("群主")
            chats = [await c.create_chat(f"群{i}", owner) for i in range(8)]
            for chat in chats:
                await c.add_bot(chat)
            results = await asyncio.gather(*(b.send_message(ch, "日报") for ch in chats),
                                           return_exceptions=True)
            refused = [r for r in results if isinstance(r, RetryAfter)]
            assert len(refused) >= 3
    finally:
        await sb.stop()


async def test_fault_injection_share_of_errors(bot: Bot, client: SandboxClient,
                                               group: dict[str, int]) -> None:
    await client.set_faults(error_rate=0.5, codes=[500, 429], seed=3)
    outcomes = []
    for _ in range(40):
        try:
            await bot.send_chat_action(group["chat"], "typing")
            outcomes.append("ok")
        except RetryAfter:
            outcomes.append("429")
        except Exception as exc:  # PTB raises NetworkError for 500
            outcomes.append(type(exc).__name__)
    assert 8 <= outcomes.count("ok") <= 32
    assert "429" in outcomes and any(o not in ("ok", "429") for o in outcomes)
    await client.set_faults()
    assert await bot.send_chat_action(group["chat"], "typing")


async def test_webhook_conflict_with_polling(bot: Bot) -> None:
    await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="s3cret")
    with pytest.raises(Conflict):
        await bot.get_updates()
    info = await bot.get_webhook_info()
    assert info.url == "http://127.0.0.1:9/hook"
    await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""


async def test_control_api_bad_input_is_400(client: SandboxClient, group: dict[str, int]) -> None:
    with pytest.raises(SandboxError, match="first_name"):
        await client.create_user("")
    with pytest.raises(SandboxError, match="no such chat"):
        await client.send(-1, group["resident"], "x")
    stranger = await client.create_user("路人")
    with pytest.raises(SandboxError, match="not a member"):
        await client.send(group["chat"], stranger, "x")
    with pytest.raises(SandboxError, match="needs text"):
        await client.send(group["chat"], group["resident"])

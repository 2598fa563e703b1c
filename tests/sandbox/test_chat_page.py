"""The chat page in headless Chromium: a person creates a group, talks, presses buttons."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters

from sandbox.client import SandboxClient
from sandbox.server import Sandbox
from tests.browser import chromium

pytestmark = pytest.mark.browser


async def _next_update(bot: Bot, offset: int, kind: str) -> Any:
    for _ in range(40):
        for u in await bot.get_updates(offset=offset, timeout=1):
            offset = u.update_id + 1
            if getattr(u, kind) is not None:
                return u, offset
    raise AssertionError(f"no {kind} update arrived")


async def test_chat_page_end_to_end(sandbox: Sandbox, client: SandboxClient, bot: Bot) -> None:
    resident = await client.create_user("李阿姨")
    async with chromium() as browser:
        page = await browser.new_page()  # type: ignore[attr-defined]
        await page.goto(sandbox.url + "/")
        # Create a group through the page, with a new owner; the bot joins it.
        await page.click("#new-chat-btn")
        await page.fill("#chat-dialog [name=title]", "幸福社区3栋群")
        await page.fill("#chat-dialog [name=new_owner]", "王网格")
        await page.click("#chat-dialog button[value=ok]")
        await page.wait_for_selector("#chat-list li.active")
        assert await page.inner_text("#chat-title") == "幸福社区3栋群"
        chat = (await client.chats())[0]
        chat_id = chat["id"]
        assert any(m["user"]["id"] == sandbox.bot_id for m in chat["members"])
        # Add the resident through the page and speak as her.
        await page.click("#add-member-btn")
        await page.select_option("#member-dialog [name=existing]", str(resident))
        await page.click("#member-dialog button[value=ok]")
        await page.wait_for_selector(f"#identity option[value='{resident}']", state="attached")
        await page.select_option("#identity", str(resident))
        await page.fill("#input", "3栋门口路灯坏了好几天了😡")
        await page.press("#input", "Enter")
        await page.wait_for_selector("text=3栋门口路灯坏了好几天了😡")
        update, offset = await _next_update(bot, 0, "message")
        while update.message.text != "3栋门口路灯坏了好几天了😡":
            update, offset = await _next_update(bot, offset, "message")
        assert update.message.from_user.id == resident

        # The bot answers with formatting, a text_mention, a quote and buttons.
        owner_id = next(m["user"]["id"] for m in chat["members"] if m["status"] == "creator")
        card = await bot.send_message(
            chat_id,
            f'<b>#1 · 路灯照明</b>\n负责人：<a href="tg://user?id={owner_id}">王网格</a> '
            "&lt;b&gt;不是标签&lt;/b&gt;",
            parse_mode="HTML", reply_parameters=ReplyParameters(update.message.message_id),
            reply_markup=InlineKeyboardMarkup([[
                InlineKeyboardButton("受理", callback_data="ack:1"),
                InlineKeyboardButton("不是诉求", callback_data="no:1"),
            ]]))
        bubble = page.locator(f"#m{card.message_id}")
        await bubble.locator("b", has_text="#1 · 路灯照明").wait_for()
        assert await bubble.locator(".mention").inner_text() == "王网格"
        assert "<b>不是标签</b>" in await bubble.locator(".text").inner_text()
        assert "3栋门口路灯坏了" in await bubble.locator(".quote").inner_text()

        # Pressing a button reaches the bot as a callback query from the current identity.
        await bubble.locator(".keyboard button", has_text="受理").click()
        cq_update, offset = await _next_update(bot, offset, "callback_query")
        cq = cq_update.callback_query
        assert cq.data == "ack:1" and cq.from_user.id == resident
        await bot.answer_callback_query(cq.id, "只有群主或管理员可以受理", show_alert=True)
        await page.wait_for_selector("#alert-dialog[open]")
        assert "只有群主" in await page.inner_text("#alert-text")
        await page.click("#alert-dialog button[value=ok]")

        # Editing the card updates it in place.
        await bot.edit_message_text("<b>#1 · 路灯照明</b> · 已受理", chat_id, card.message_id,
                                    parse_mode="HTML")
        await bubble.locator("text=已受理").wait_for()
        assert await bubble.locator(".keyboard").count() == 0
        assert "已编辑" in await bubble.locator(".meta").inner_text()

        # A sample photo with a caption and a location arrive at the bot.
        await page.fill("#input", "井盖丢了")
        await page.click("#sample-photo-btn")
        photo_update, offset = await _next_update(bot, offset, "message")
        assert photo_update.message.photo and photo_update.message.caption == "井盖丢了"
        await page.click("#location-btn")
        await page.click("#location-dialog button[value=ok]")
        loc_update, offset = await _next_update(bot, offset, "message")
        assert loc_update.message.location.latitude == pytest.approx(28.2282)
        await page.wait_for_selector(".location")
        await page.wait_for_selector("img.photo")
        await asyncio.sleep(0.3)
        await page.screenshot(path="/tmp/suqiu-chat.png", full_page=True)


async def test_chat_page_new_things(sandbox: Sandbox, client: SandboxClient, bot: Bot) -> None:
    """A newcomer promotes an admin, answers the bot's poll, starts the bot privately and
    upgrades a basic group, all from the page."""
    owner = await client.create_user("王网格")
    resident = await client.create_user("李阿姨")
    chat = await client.create_chat("老小区群", owner, type="group")
    await client.add_member(chat, resident)
    await client.add_bot(chat, "administrator")
    await bot.get_updates(allowed_updates=["message", "poll", "poll_answer", "chat_member",
                                           "my_chat_member"])
    async with chromium() as browser:
        page = await browser.new_page()  # type: ignore[attr-defined]
        await page.goto(f"{sandbox.url}/#chat={chat}")
        await page.wait_for_selector("#member-list li")
        # Promote 李阿姨 from her row.
        row = page.locator("#member-list li", has_text="李阿姨")
        await row.hover()
        await row.locator("button", has_text="设为管理员").click()
        await page.wait_for_selector("#member-list .role.administrator")
        assert (await client.chat(chat))["members"][1]["status"] == "administrator"
        # Answer the bot's poll as 李阿姨.
        poll = await bot.send_poll(chat, "路灯修好了吗？", ["修好了", "没有"], is_anonymous=False)
        await page.select_option("#identity", str(resident))
        await page.locator(f"#m{poll.message_id} .poll button", has_text="修好了").click()
        await page.locator(f"#m{poll.message_id} .poll", has_text="1 人已投").wait_for()
        kinds = [u.to_dict().keys() for u in await bot.get_updates(timeout=2)]
        assert any("poll_answer" in k for k in kinds)
        # Start the bot privately as 李阿姨; the bot may now write to her.
        await page.click("#private-btn")
        await page.wait_for_selector("#chat-title:has-text('与机器人私聊')")
        await bot.send_message(resident, "您的诉求 #1 已受理")
        await page.wait_for_selector("text=您的诉求 #1 已受理")
        # Back in the group, upgrade it to a supergroup.
        await page.goto(f"{sandbox.url}/#chat={chat}")
        await page.click("#migrate-btn")
        await page.wait_for_selector("#chat-sub:has-text('超级群')")
        new_id = (await client.chat(chat))["migrate_to_chat_id"]
        assert str(new_id) in await page.inner_text("#chat-sub")
        await page.screenshot(path="/tmp/suqiu-chat-new.png", full_page=True)

"""The one error handler, through the sandbox: a failure reaches the log and the operators'
admin chat, never the residents' group; a refusal reaches the person who asked."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any

import pytest

from tests.bot.conftest import Harness


def _text(m: dict[str, Any]) -> str:
    return str(m.get("text") or "")


async def _admin_chat(harness: Harness) -> int:
    c = harness.client
    operator = await c.create_user("运维")
    chat = await c.create_chat("诉求助手运维群", operator)
    await c.add_bot(chat)
    await c.wait_for(chat, lambda m: "诉求助手" in _text(m))
    data = harness.app.bot_data
    settings = data.require_settings()
    layers = settings.layers
    bot = {**(layers.raw.get("bot") or {}), "admin_chat": chat}
    data.settings = dataclasses.replace(
        settings, layers=dataclasses.replace(layers, raw={**layers.raw, "bot": bot}))
    return chat


@pytest.mark.parametrize("detail", ["数据库连接断了", "很长的错误" * 2000])
async def test_a_failure_goes_to_the_admin_chat_and_never_to_the_group(
        harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        detail: str) -> None:
    admin = await _admin_chat(harness)
    g = await harness.group()
    chat, resident = g["chat"], g["residents"][0]

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(detail)

    monkeypatch.setattr(harness.service, "list_issues", broken)
    asked = await harness.say(chat, resident, "/list")
    report = await harness.client.wait_for(admin, lambda m: "RuntimeError" in _text(m))
    assert "诉求助手出错了" in _text(report) and f"chat {chat}" in _text(report)
    assert len(_text(report)) <= 4096  # a 10,000-character error still gets through
    assert "error while handling an update" in caplog.text  # the log has it first
    # The resident's group hears nothing of it (the next command is still answered).
    monkeypatch.undo()
    later = await harness.say(chat, resident, "/list")
    await harness.reply_from_bot(chat, later["message_id"])
    said = await harness.client.bot_messages(chat, after_id=asked["message_id"])
    assert all("出错" not in _text(m) for m in said)


async def test_without_an_admin_chat_a_failure_is_only_logged(
        harness: Harness, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    g = await harness.group()
    chat, resident = g["chat"], g["residents"][0]

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("磁盘满了")

    monkeypatch.setattr(harness.service, "list_issues", broken)
    with caplog.at_level(logging.ERROR, logger="bot.errors"):
        asked = await harness.say(chat, resident, "/list")
        for _ in range(100):
            if "磁盘满了" in caplog.text:
                break
            await asyncio.sleep(0.05)
    assert "磁盘满了" in caplog.text
    later = await harness.say(chat, resident, "/help")  # answered after anything /list caused
    await harness.reply_from_bot(chat, later["message_id"])
    said = await harness.client.bot_messages(chat, after_id=asked["message_id"])
    assert [m["reply_to_message"]["message_id"] for m in said] == [later["message_id"]]

"""The one error handler: a failure reaches the log first, then the operators' admin chat
(settings bot.admin_chat), never the residents' group; a refusal reaches whoever asked."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from tests.offline import Group, OfflineBot


def _admin_chat(bot: OfflineBot, chat_id: int, known: bool = True) -> int:
    """Settings bot.admin_chat = chat_id (a chat the bot is in, unless `known` is False)."""
    if known:
        bot.telegram.groups[chat_id] = Group(chat_id, "诉求助手运维群")
    data = bot.app.bot_data
    settings = data.require_settings()
    layers = settings.layers
    section = {**(layers.raw.get("bot") or {}), "admin_chat": chat_id}
    data.settings = dataclasses.replace(
        settings, layers=dataclasses.replace(layers, raw={**layers.raw, "bot": section}))
    return chat_id


def _break(bot: OfflineBot, monkeypatch: pytest.MonkeyPatch, detail: str) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(detail)

    monkeypatch.setattr(bot.service, "list_issues", broken)


@pytest.mark.parametrize("detail", ["数据库连接断了", "很长的错误" * 2000])
async def test_a_failure_goes_to_the_admin_chat_and_never_to_the_group(
        bot: OfflineBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        detail: str) -> None:
    admin = _admin_chat(bot, -1000000000999)
    group, _, (resident, _) = await bot.group()
    _break(bot, monkeypatch, detail)
    with caplog.at_level(logging.ERROR, logger="bot.errors"):
        asked = await bot.say(group, resident, "/list")
    assert "error while handling an update" in caplog.text  # the log has it
    [report] = [p["text"] for p in bot.sent() if p["chat_id"] == admin]
    assert "诉求助手出错了" in report and "RuntimeError" in report and "<pre>" in report
    assert f"chat {group.id}" in report and len(report) <= 4096  # even for a 10,000-char error
    assert bot.replies_to(asked) == []
    assert all(p["chat_id"] != group.id or "出错" not in p["text"] for p in bot.sent())


async def test_without_an_admin_chat_a_failure_is_only_logged(
        bot: OfflineBot, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    group, _, (resident, _) = await bot.group()
    before = len(bot.sent())
    _break(bot, monkeypatch, "磁盘满了")
    with caplog.at_level(logging.ERROR, logger="bot.errors"):
        await bot.say(group, resident, "/list")
    assert "磁盘满了" in caplog.text
    assert len(bot.sent()) == before


async def test_an_admin_chat_that_refuses_the_report_leaves_only_the_log(
        bot: OfflineBot, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    _admin_chat(bot, -1000000000404, known=False)  # a chat the bot is not in
    group, _, (resident, _) = await bot.group()
    _break(bot, monkeypatch, "又坏了")
    await bot.say(group, resident, "/list")  # the error handler itself must not raise
    assert "又坏了" in caplog.text and "could not send the error report" in caplog.text
    assert "诉求" in bot.reply_to(await bot.say(group, resident, "/help"))  # still serving


async def test_a_failure_under_a_button_tells_only_the_presser(
        bot: OfflineBot, monkeypatch: pytest.MonkeyPatch) -> None:
    group, owner, (resident, _) = await bot.group()
    await bot.say(group, resident, "3栋门口路灯坏了好几天了")
    before = len(bot.sent())

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("写入失败")

    monkeypatch.setattr(bot.service, "acknowledge", broken)
    await bot.press(owner, bot.card(1), "ack:1")
    alert = bot.alerts()[-1]
    assert alert.get("show_alert") and "出错" in alert["text"]
    assert len(bot.sent()) == before

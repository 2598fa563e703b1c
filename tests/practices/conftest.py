"""A sandbox and the real bot polling it, with the settings a practice needs (flood limits
on or off, district admins, fast clocks), and helpers to build a unit tree of groups."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.serve.polling import start_polling, stop_bot
from issues.service import IssueService
from sandbox.client import SandboxClient
from sandbox.server import Sandbox
from tests.bot.conftest import Harness, assert_chinese, bot_settings, sandbox_app
from tests.ledgers import migrated_sqlite

REAL_LIMITS = {"overall_per_second": 30, "group_per_minute": 20, "max_retries": 5}


def text_of(m: dict[str, Any]) -> str:
    return str(m.get("text") or "")


@dataclass
class Practice(Harness):
    official: int  # a district admin, creator of the groups a test builds

    async def bare_group(self, title: str, residents: int = 1) -> int:
        """A group the official created, with residents and the bot (registered)."""
        c = self.client
        chat = await c.create_chat(title, self.official)
        for n in range(residents):
            await c.add_member(chat, await c.create_user(f"{title}居民{n + 1}"))
        await c.add_bot(chat)
        await c.wait_for(chat, lambda m: "诉求助手" in text_of(m))
        return chat

    async def said(self, chat: int, who: int, text: str,
                   pred: Callable[[dict[str, Any]], bool] = lambda m: True,
                   timeout: float = 20) -> dict[str, Any]:
        """Send and wait for the bot's reply to it."""
        sent = await self.say(chat, who, text)
        return await self.reply_from_bot(chat, sent["message_id"], pred, timeout=timeout)


Start = Callable[..., Awaitable[Practice]]


@pytest.fixture
async def practice(tmp_path: Path) -> AsyncIterator[Start]:
    """`await practice(flood=…, **settings)`: the sandbox, the bot and a client."""
    made: list[tuple[Sandbox, Any, SandboxClient]] = []

    async def start(flood: bool = False, clock: Callable[[], datetime] | None = None,
                    **extra: Any) -> Practice:
        sandbox = Sandbox(flood_limits=flood)
        await sandbox.start()
        client = SandboxClient(sandbox.url)
        official = await client.create_user("王书记", username="wang_shuji")
        extra.setdefault("trust", {"district_admins": [official]})
        settings = bot_settings(migrated_sqlite(tmp_path / "bot.db"), **extra)
        if flood:
            settings = bot_settings(settings.database_url, **{
                **extra, "bot": {"poll_timeout": 2, "rate_limits": REAL_LIMITS}})
        app = sandbox_app(settings, sandbox, clock)
        await start_polling(app, settings)
        made.append((sandbox, app, client))
        service: IssueService = app.bot_data.service
        return Practice(sandbox, client, app, service, official)

    try:
        yield start
        for _, _, client in made:
            await assert_chinese(client)  # every text the bot sent reads as Chinese
    finally:
        for sandbox, app, client in made:
            await client.close()
            await stop_bot(app)
            await sandbox.stop()

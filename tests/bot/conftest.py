"""End-to-end fixtures: a sandbox, the real bot polling it, a real database, a client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_application
from bot.serve.polling import start_polling, stop_bot
from bot.settings import bot_settings as bot_settings_of
from issues.db import Database
from issues.service import IssueService
from issues.settings import Settings, load_settings
from nlp import summarize
from sandbox.client import SandboxClient
from sandbox.server import Sandbox
from tests.chinese import english_in_calls
from tests.ledgers import migrated_sqlite


@dataclass
class Harness:
    sandbox: Sandbox
    client: SandboxClient
    app: Any
    service: IssueService

    async def group(self, title: str = "幸福社区3栋群", owner_username: str | None = "wang_wangge",
                    residents: int = 2) -> dict[str, Any]:
        """A group with an owner (creator), residents, and the bot as a member."""
        c = self.client
        owner = await c.create_user("王网格", username=owner_username)
        people = [await c.create_user(name) for name in ("李阿姨", "张师傅", "小陈")[:residents]]
        chat = await c.create_chat(title, owner)
        for p in people:
            await c.add_member(chat, p)
        await c.add_bot(chat)
        await c.wait_for(chat, lambda m: "诉求助手" in (m.get("text") or ""))
        return {"chat": chat, "owner": owner, "residents": people}

    async def say(self, chat: int, who: int, text: str, **kw: Any) -> dict[str, Any]:
        return await self.client.send(chat, who, text, **kw)

    async def reply_from_bot(self, chat: int, to_message: int,
                             pred: Callable[[dict[str, Any]], bool] = lambda m: True,
                             timeout: float = 20) -> dict[str, Any]:
        bot_id = self.sandbox.bot_id
        return await self.client.wait_for(
            chat, lambda m: m["from"]["id"] == bot_id
            and (m.get("reply_to_message") or {}).get("message_id") == to_message and pred(m),
            timeout=timeout)


def bot_settings(db_url: str, **extra: Any) -> Any:
    overrides = {"database_url": db_url, "schedule": {"enabled": False},
                 "bot": {"poll_timeout": 2, "rate_limits": {"overall_per_second": 1000,
                                                            "group_per_minute": 1000,
                                                            "max_retries": 5}}}
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(overrides.get(key), dict):
            overrides[key] = {**overrides[key], **value}
        else:
            overrides[key] = value
    return load_settings(overrides=overrides, env={})


def sandbox_app(settings: Settings, sandbox: Sandbox,
                clock: Callable[[], datetime] | None = None) -> Any:
    """The real application, talking to the sandbox; given a clock, its service reads that
    clock (the application still disposes of the database it is given)."""
    app = build_application(settings, token=sandbox.token, base_url=sandbox.bot_api_base,
                            base_file_url=sandbox.bot_file_base)
    if clock is not None:
        db = Database(settings.database_url)
        app.bot_data.db, app.bot_data.service = db, IssueService(db, settings, clock=clock,
                                                                  summarize=summarize)
    return app


@pytest.fixture
async def harness(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    """The bot on a sandbox; settings overrides by indirect parametrization."""
    sandbox = Sandbox(flood_limits=False)
    await sandbox.start()
    settings = bot_settings(migrated_sqlite(tmp_path / "bot.db"),
                            **getattr(request, "param", {}))
    app = sandbox_app(settings, sandbox)
    await start_polling(app, settings)
    client = SandboxClient(sandbox.url)
    try:
        yield Harness(sandbox, client, app, app.bot_data.service)
        await assert_chinese(client,
                             bot_settings_of(app.bot_data.require_settings()).admin_chat_id)
    finally:
        await client.close()
        await stop_bot(app)
        await sandbox.stop()


async def assert_chinese(client: SandboxClient, operators: int | None = None) -> None:
    """Every text the bot sent in this test reads as Chinese (tests/chinese.py)."""
    leaks = english_in_calls(await client.calls(), operators)
    assert leaks == [], "English in what the bot sent: " + "; ".join(
        f"{method}: {words} in {text[:80]!r}" for method, text, words in leaks)

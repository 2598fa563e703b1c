"""Fixtures for the trust suite (#15): the real bot polling the sandbox, with a district admin
known before the bot starts (the settings list Telegram user ids), and the dashboard app."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_application
from bot.serve.polling import start_polling, stop_bot
from issues.db import Database
from issues.service import IssueService
from issues.settings import load_settings
from sandbox.client import SandboxClient
from sandbox.server import Sandbox
from tests.bot.conftest import Harness, bot_settings
from tests.ledgers import migrated_sqlite
from web.app import make_app


@dataclass
class TrustHarness(Harness):
    district_admin: int = 0

    def text(self, m: dict[str, Any]) -> str:
        return str(m.get("text") or "")

    async def answer(self, chat: int, who: int, text: str, timeout: float = 20) -> str:
        """Send `text` as `who` and return the bot's reply to it."""
        sent = await self.say(chat, who, text)
        return self.text(await self.reply_from_bot(chat, sent["message_id"], timeout=timeout))

    async def bot_admin(self, chat: int) -> None:
        """Make the bot an admin: Telegram sends `chat_member` updates only to admins."""
        await self.client.add_member(chat, self.sandbox.bot_id, "administrator")

    async def department(self, code: str = "chengguan", title: str = "城管执法队",
                         *members: int) -> int:
        """A department's group, registered by the district admin who created it."""
        dept = await self.new_group(title, self.district_admin, *members)
        assert "部门群" in await self.answer(dept, self.district_admin, f"/dept add {code}")
        return dept

    async def report(self, chat: int, who: int, text: str, number: int = 1) -> int:
        """Post a complaint and wait for its card; the complaint's message id."""
        sent = await self.say(chat, who, text)
        await self.reply_from_bot(chat, sent["message_id"], lambda m: f"#{number}" in self.text(m))
        return int(sent["message_id"])

    async def new_group(self, title: str, owner: int, *members: int) -> int:
        c = self.client
        chat = await c.create_chat(title, owner)
        for m in members:
            await c.add_member(chat, m)
        await c.add_bot(chat)
        await c.wait_for(chat, lambda m: "诉求助手" in (m.get("text") or ""))
        return chat


BotFactory = Callable[..., Any]
Seed = Callable[[IssueService], Awaitable[None]]


@contextlib.asynccontextmanager
async def dashboard_as(db_url: str, seed: Seed, token: str = "admin-secret",
                       **overrides: Any) -> AsyncIterator[TestClient]:
    """The dashboard over a ledger `seed` filled, logged in with `token` (the admin's)."""
    settings = load_settings(overrides={"database_url": db_url, **overrides},
                             env={"SUQIU_DASHBOARD_ADMIN_TOKEN": "admin-secret",
                                  "SUQIU_DASHBOARD_TOKEN": "read-secret"})
    db = Database(db_url)
    svc = IssueService(db, settings)
    await seed(svc)
    client = TestClient(TestServer(make_app(settings, svc)))
    await client.start_server()
    await client.post("/login", data={"token": token, "next": "/"})
    try:
        yield client
    finally:
        await client.close()
        await db.dispose()


@pytest.fixture
async def trust_bot(tmp_path: Path) -> AsyncIterator[BotFactory]:
    """`await trust_bot(**settings)`: a sandbox, a district admin (a sandbox user listed in
    `trust.district_admins`) and the bot with those settings."""
    started: list[tuple[Any, Sandbox, SandboxClient]] = []

    async def start(flood_limits: bool = False, **extra: Any) -> TrustHarness:
        sandbox = Sandbox(flood_limits=flood_limits)
        await sandbox.start()
        client = SandboxClient(sandbox.url)
        admin = await client.create_user("区管理员", username="district_admin")
        trust = {"district_admins": [admin], **extra.pop("trust", {})}
        settings = bot_settings(migrated_sqlite(tmp_path / "bot.db"), trust=trust,
                                **extra)
        app = build_application(settings, token=sandbox.token, base_url=sandbox.bot_api_base,
                                base_file_url=sandbox.bot_file_base)
        await start_polling(app, settings)
        started.append((app, sandbox, client))
        return TrustHarness(sandbox, client, app, app.bot_data.service, admin)

    yield start
    for app, sandbox, client in started:
        await client.close()
        await stop_bot(app)
        await sandbox.stop()

"""A fresh sandbox per test, a PTB Bot and a control-API client pointed at it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from aiohttp import web
from telegram import Bot

from sandbox.client import SandboxClient
from sandbox.server import Sandbox
from tests.sandbox.clients import AiogramClient, Client, PTBClient


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    sb = Sandbox(seed=7)
    await sb.start()
    try:
        yield sb
    finally:
        await sb.stop()


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.url) as c:
        yield c


@pytest.fixture
async def bot(sandbox: Sandbox) -> AsyncIterator[Bot]:
    async with Bot(sandbox.token, base_url=sandbox.bot_api_base,
                   base_file_url=sandbox.bot_file_base) as b:
        yield b


@pytest.fixture
async def group(client: SandboxClient) -> dict[str, int]:
    """A supergroup with an owner, a resident without username, and the bot as member."""
    owner = await client.create_user("王网格", username="wang_wangge")
    resident = await client.create_user("李阿姨")
    chat = await client.create_chat("幸福社区3栋群", owner)
    await client.add_member(chat, resident)
    await client.add_bot(chat)
    return {"chat": chat, "owner": owner, "resident": resident}


@pytest.fixture(params=["ptb", "aiogram"])
async def tg(request: pytest.FixtureRequest, sandbox: Sandbox) -> AsyncIterator[Client]:
    """The same scenario through python-telegram-bot and through aiogram 3."""
    cls = PTBClient if request.param == "ptb" else AiogramClient
    async with cls(sandbox.token, sandbox.url) as c:
        yield c


@asynccontextmanager
async def webhook_server(
        handler: Callable[[web.Request], Awaitable[web.Response]]) -> AsyncIterator[str]:
    """A local HTTP endpoint for webhook deliveries; yields its URL."""
    server = web.Application()
    server.router.add_post("/hook", handler)
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        await runner.cleanup()


async def drain(tg: Client) -> int:
    """Confirm every pending update; returns the offset to read from next."""
    updates = await tg.call("get_updates")
    if not updates:
        return 0
    offset = updates[-1]["update_id"] + 1
    await tg.call("get_updates", offset=offset)
    return offset


async def long_poll_held(sandbox: Sandbox, before: int, timeout: float = 10) -> None:
    """Wait until a getUpdates sent after the sandbox's long-poll generation was `before` is
    held by it (a fixed sleep is too short on a busy machine and too long on an idle one)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while sandbox.state.poll_generation <= before:
        assert loop.time() < deadline, "the long poll never reached the sandbox"
        await asyncio.sleep(0.01)

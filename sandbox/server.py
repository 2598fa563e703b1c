"""The sandbox server: Bot API + control API + chat page on one aiohttp app."""

from __future__ import annotations

import asyncio
import contextlib
from importlib import resources
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox.botapi import BotApi
from sandbox.control import ControlApi, control_errors
from sandbox.state import FloodControl, SandboxState
from sandbox.webhook import deliver_forever

# The chat page is package data: found the same in a checkout and in a wheel.
STATIC = Path(str(resources.files("sandbox") / "static"))


class Sandbox:
    """A local stand-in for the Telegram Bot API; see sandbox/README.md."""

    def __init__(self, *, bot_username: str = "suqiu_bot", bot_first_name: str = "诉求助手",
                 token: str | None = None, can_read_all_group_messages: bool = True,
                 flood_limits: bool = True, per_chat_per_minute: int = 20,
                 overall_per_second: int = 30, seed: int | None = None) -> None:
        self.state = SandboxState(bot_username=bot_username, bot_first_name=bot_first_name,
                                  token=token,
                                  can_read_all_group_messages=can_read_all_group_messages,
                                  seed=seed)
        flood = FloodControl(per_chat_per_minute, overall_per_second) if flood_limits else None
        self.api = BotApi(self.state, flood)
        self.control = ControlApi(self.state, flood)
        self.app = self._make_app()
        self._runner: web.AppRunner | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self.url = ""

    @property
    def token(self) -> str:
        return self.state.token

    @property
    def bot_id(self) -> int:
        return self.state.bot_id

    @property
    def bot_username(self) -> str:
        return str(self.state.bot_user["username"])

    @property
    def bot_api_base(self) -> str:
        return f"{self.url}/bot"

    @property
    def bot_file_base(self) -> str:
        return f"{self.url}/file/bot"

    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[control_errors], client_max_size=50 * 1024 * 1024)
        app.add_routes(self.control.routes())
        app.add_routes([
            web.route("*", "/bot{token}/{method}", self.api.handle),
            web.get("/file/bot{token}/{path:.+}", self.api.download),
            web.get("/", self._index),
        ])
        if STATIC.is_dir():
            app.router.add_static("/static/", STATIC)
        return app

    async def _index(self, request: web.Request) -> web.StreamResponse:
        page = STATIC / "index.html"
        if not page.exists():
            return web.Response(text="聊天页面尚未构建（sandbox/static/index.html 不存在）。",
                                content_type="text/plain", charset="utf-8")
        return web.FileResponse(page, headers={"Cache-Control": "no-cache"})

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state.closing = False
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        addresses = self._runner.addresses  # the port the system chose when port=0
        real_port = addresses[0][1] if addresses else port
        self.url = f"http://{host}:{real_port}"
        self._webhook_task = asyncio.create_task(
            deliver_forever(self.state, self.api))

    async def stop(self) -> None:
        for timer in self.state.timers:
            timer.cancel()
        if self._webhook_task:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        # End the long polls and waits in progress (a getUpdates the stopped bot abandoned
        # would otherwise hold the server's shutdown for its whole timeout).
        self.state.closing = True
        await self.state.notify()
        if self._runner:
            await self._runner.cleanup()

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def create_demo(self) -> dict[str, Any]:
        """The group 幸福社区3栋群 with its owner, three residents and the bot."""
        from sandbox.client import SandboxClient

        async with SandboxClient(self.url) as c:
            owner = await c.create_user("王网格", username="wang_wangge")
            residents = [
                await c.create_user("李阿姨"),
                await c.create_user("张师傅", username="zhang_shifu"),
                await c.create_user("小陈", username="xiaochen"),
            ]
            chat_id = await c.create_chat("幸福社区3栋群", owner)
            for uid in residents:
                await c.add_member(chat_id, uid)
            await c.add_bot(chat_id)
        return {"chat_id": chat_id, "owner_id": owner, "resident_ids": residents}

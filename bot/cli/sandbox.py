"""`suqiu sandbox`: the Telegram emulator, the bot and the dashboard in one process.

This is how a new user meets Suqiu without a token: `make run` ends here and prints one line
per service. The bot polls the emulator exactly as it would poll Telegram.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import secrets
import signal
from pathlib import Path

from aiohttp import web

from bot.app import build_application
from bot.serve.polling import start_polling, stop_bot
from issues.settings import load_settings
from sandbox.server import Sandbox
from web.app import make_app

log = logging.getLogger(__name__)


async def _run(args: argparse.Namespace) -> None:
    db_path = Path(args.db or "data/sandbox.db")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    if args.db is None:
        # The emulated Telegram lives in memory and starts empty; a ledger kept from the last
        # run would point at chats and cards that no longer exist. --db keeps one on purpose.
        for leftover in (db_path, db_path.with_name(db_path.name + "-wal"),
                         db_path.with_name(db_path.name + "-shm")):
            leftover.unlink(missing_ok=True)
    env = dict(os.environ)
    env.pop("TELEGRAM_BOT_TOKEN", None)  # the sandbox mints its own token
    # Without a dashboard token of the user's, mint one for this session and print a login
    # link with it; a token the user set is a secret and is never printed.
    minted = not env.get("SUQIU_DASHBOARD_TOKEN")
    if minted:
        env["SUQIU_DASHBOARD_TOKEN"] = secrets.token_urlsafe(16)
    settings = load_settings(
        overrides={"database_url": f"sqlite+aiosqlite:///{db_path}"}, env=env
    )
    sandbox = Sandbox()
    await sandbox.start(args.host, args.port)
    application = build_application(settings, token=sandbox.token,
                                    base_url=sandbox.bot_api_base,
                                    base_file_url=sandbox.bot_file_base)
    await start_polling(application, settings)
    dash = web.AppRunner(make_app(settings, application.bot_data.require_service()),
                         access_log=None)
    await dash.setup()
    await web.TCPSite(dash, args.host, args.dashboard_port).start()
    chat_url = f"{sandbox.url}/"
    if args.demo:
        demo = await sandbox.create_demo()
        chat_url = f"{sandbox.url}/#chat={demo['chat_id']}"
    print(f"chat: {chat_url}", flush=True)
    login = f"http://{args.host}:{args.dashboard_port}/"
    print(f"dashboard: {login}?token={settings.dashboard_token}" if minted
          else f"dashboard: {login}login", flush=True)
    print(f"bot api: {sandbox.bot_api_base}", flush=True)
    print("按 Ctrl+C 退出 (press Ctrl+C to stop)", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await stop_bot(application)
    await dash.cleanup()
    await sandbox.stop()


def sandbox_main(args: argparse.Namespace) -> int:
    asyncio.run(_run(args))
    return 0

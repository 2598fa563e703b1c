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
import socket
import sys
from pathlib import Path

from aiohttp import web

from bot.app import build_application
from bot.cli.photos import photo_fetcher
from bot.serve.polling import start_polling, stop_bot
from issues.db import Database, check_schema
from issues.settings import load_settings
from sandbox.server import Sandbox
from web.app import make_app

log = logging.getLogger(__name__)


def busy_port_message(host: str, port: int, what: str) -> str:
    """What to do when a port is taken (most often: a sandbox is already running)."""
    return (f"端口 {host}:{port}（{what}）已被占用，可能已有一个 suqiu sandbox 在运行。"
            f"请先关掉它，或换一个端口：suqiu sandbox --port {port + 10} --dashboard-port "
            f"{port + 11}（make run PORT={port + 10}）。什么文件都没有动。\n"
            f"Port {host}:{port} ({what}) is in use; nothing was changed.")


def _reserve(host: str, port: int) -> socket.socket:
    """Bind the dashboard's port now, before any file is touched; aiohttp serves on it later."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def _fresh_ledger(db_path: Path) -> None:
    """The emulated Telegram lives in memory and starts empty; a ledger kept from the last
    run would point at chats and cards that no longer exist. --db keeps one on purpose."""
    for leftover in (db_path, db_path.with_name(db_path.name + "-wal"),
                     db_path.with_name(db_path.name + "-shm")):
        leftover.unlink(missing_ok=True)


async def _wait_for_a_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def _emulator_alone(args: argparse.Namespace) -> int:
    """Telegram's stand-in for bots run apart (`--no-bot`): a district's rehearsal, `suqiu
    run --webhook` workers behind a balancer on PostgreSQL, with no token from BotFather.
    Prints what each worker's environment needs; its ledger is the workers'."""
    sandbox = Sandbox()
    try:
        await sandbox.start(args.host, args.port)
    except OSError:
        await sandbox.stop()
        print(busy_port_message(args.host, args.port, "聊天页面和 bot API"), file=sys.stderr)
        return 1
    if args.demo:
        demo = await sandbox.create_demo()
        print(f"chat: {sandbox.url}/#chat={demo['chat_id']}", flush=True)
    else:
        print(f"chat: {sandbox.url}/", flush=True)
    print("# 每个 worker 的环境 (each worker's environment; the token is the sandbox's own):",
          flush=True)
    print(f"export TELEGRAM_BOT_TOKEN={sandbox.token}", flush=True)
    print(f"export SUQIU_TELEGRAM_API_URL={sandbox.bot_api_base}", flush=True)
    print(f"export SUQIU_TELEGRAM_FILE_URL={sandbox.bot_file_base}", flush=True)
    print("按 Ctrl+C 退出 (press Ctrl+C to stop)", flush=True)
    await _wait_for_a_signal()
    await sandbox.stop()
    return 0


async def _run(args: argparse.Namespace, db_path: Path, fresh: bool) -> int:
    # A ledger kept with --db is a real one: like every worker, the sandbox does not migrate
    # it (it stops with SchemaBehind and the `suqiu db upgrade --db FILE` to run). A fresh
    # ledger, the default, is the sandbox's own local trial: it creates its schema itself.
    url = f"sqlite+aiosqlite:///{db_path}"
    if not fresh:
        await check_schema(url)
    # Both ports are bound before any file is touched: a second sandbox started by mistake
    # must not delete the first one's ledger on its way to failing.
    try:
        dash_sock = _reserve(args.host, args.dashboard_port)
    except OSError:
        print(busy_port_message(args.host, args.dashboard_port, "仪表盘 dashboard"),
              file=sys.stderr)
        return 1
    sandbox = Sandbox()
    try:
        await sandbox.start(args.host, args.port)
    except OSError:
        dash_sock.close()
        await sandbox.stop()
        print(busy_port_message(args.host, args.port, "聊天页面和 bot API"), file=sys.stderr)
        return 1

    db_path.parent.mkdir(parents=True, exist_ok=True)
    if args.db is None:
        _fresh_ledger(db_path)
    if fresh:
        ledger = Database(url)
        await ledger.upgrade()
        await ledger.dispose()
    env = dict(os.environ)
    env.pop("TELEGRAM_BOT_TOKEN", None)  # the sandbox mints its own token
    # Without a dashboard token of the user's, mint one for this session and print a login
    # link with it; a token the user set is a secret and is never printed.
    minted = not env.get("SUQIU_DASHBOARD_TOKEN")
    if minted:
        env["SUQIU_DASHBOARD_TOKEN"] = secrets.token_urlsafe(16)
    settings = load_settings(overrides={"database_url": url}, env=env)
    application = build_application(settings, token=sandbox.token,
                                    base_url=sandbox.bot_api_base,
                                    base_file_url=sandbox.bot_file_base)
    await start_polling(application, settings)
    # Not warmed up (web.warm): a community's demo ledger is small, and figures computed at
    # the start would be served for their minute, hiding the complaints the visitor has just
    # posted when they first open the dashboard.
    dash = web.AppRunner(make_app(settings, application.bot_data.require_service(),
                                  photos=photo_fetcher(application.bot)),
                         access_log=None)
    await dash.setup()
    await web.SockSite(dash, dash_sock).start()
    chat_url = f"{sandbox.url}/"
    if args.demo:
        demo = await sandbox.create_demo()
        chat_url = f"{sandbox.url}/#chat={demo['chat_id']}"
    print(f"chat: {chat_url}", flush=True)
    login = f"http://{args.host}:{args.dashboard_port}/"
    print(f"dashboard: {login}?token={settings.dashboard_token}" if minted
          else f"dashboard: {login}login", flush=True)
    print(f"bot api: {sandbox.bot_api_base}", flush=True)
    print(f"导出台账 (export the ledger): suqiu export --db {db_path} -o 台账.xlsx "
          "--format xlsx", flush=True)
    print("按 Ctrl+C 退出 (press Ctrl+C to stop)", flush=True)
    await _wait_for_a_signal()
    await stop_bot(application)
    await dash.cleanup()
    await sandbox.stop()
    return 0


def sandbox_main(args: argparse.Namespace) -> int:
    if args.no_bot:  # no ledger of its own: the workers have theirs
        return asyncio.run(_emulator_alone(args))
    db_path = Path(args.db or "data/sandbox.db")
    return asyncio.run(_run(args, db_path, fresh=args.db is None or not db_path.exists()))

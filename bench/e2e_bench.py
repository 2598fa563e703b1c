"""Suqiu against a bare python-telegram-bot echo bot, on the same sandbox, in the same run.

A burst of mixed group chat (mostly chit-chat, some complaints) across many groups. For each
bot: updates processed per second (first post → last update handled and confirmed) and reply
latency from a resident's post to the bot's reply (p50/p99; Suqiu replies to complaints, the
echo bot to everything). Prints JSON with both and the ratios.

    .venv/bin/python bench/e2e_bench.py [--messages 400 --groups 20]
Targets: throughput_ratio ≥ 0.5, p99_ratio ≤ 2.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.app import build_application
from bot.runner import start_polling, stop_bot
from issues.settings import load_settings
from sandbox.client import SandboxClient
from sandbox.server import Sandbox

CHAT = ["哈哈哈", "收到", "好的谢谢", "今天天气真好", "晚上吃什么", "明天几点集合", "👍",
        "谁家的快递放门口了", "周末去爬山吗", "早上好", "辛苦了", "在吗", "晚安"]
COMPLAINT = ["{n}栋门口路灯坏了好几天了", "{n}栋楼下下水道堵了 脏水冒出来了",
             "{n}栋电梯又坏了 天天爬楼", "{n}栋门口垃圾桶满了两天冇人收"]


def _echo_app(sandbox: Sandbox) -> Application:  # type: ignore[type-arg]
    app = Application.builder().token(sandbox.token).base_url(sandbox.bot_api_base).build()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


async def _setup(client: SandboxClient, groups: int, tag: str) -> list[tuple[int, int]]:
    out = []
    for g in range(groups):
        owner = await client.create_user(f"群主{tag}{g}")
        resident = await client.create_user(f"居民{tag}{g}")
        chat = await client.create_chat(f"{tag}{g}号群", owner)
        await client.add_member(chat, resident)
        out.append((chat, resident))
    return out


async def _run(sandbox: Sandbox, client: SandboxClient, chats: list[tuple[int, int]],
               messages: list[tuple[int, str, bool]], echo: bool) -> dict[str, float]:
    """Post the burst; return throughput and latency of the replies the bot should send."""
    for chat, _ in chats:
        await client.add_bot(chat)
    await asyncio.sleep(3.0)  # joins handled
    start_calls = len(sandbox.state.calls)
    posted: dict[tuple[int, int], float] = {}
    expected = 0
    t0 = time.perf_counter()
    wall0 = time.time()
    for idx, text, is_complaint in messages:
        chat, resident = chats[idx]
        r = await client.send(chat, resident, text)
        posted[(chat, r["message_id"])] = time.time()
        expected += 1 if (echo or is_complaint) else 0
    deadline = time.perf_counter() + 300
    replies: dict[tuple[int, int], float] = {}
    while time.perf_counter() < deadline:
        for c in list(sandbox.state.calls)[start_calls:]:
            if c.get("method") != "sendMessage" or not c.get("ok"):
                continue
            p = c.get("params", {})
            rp = p.get("reply_parameters") or {}
            mid = rp.get("message_id") if isinstance(rp, dict) else None
            key = (int(p.get("chat_id", 0)), int(mid or p.get("reply_to_message_id") or 0))
            if key in posted and key not in replies:
                replies[key] = c["at"]
        if len(replies) >= expected and not sandbox.state.updates:
            break
        await asyncio.sleep(0.02)
    elapsed = time.perf_counter() - t0
    lat = sorted((replies[k] - posted[k]) * 1000 for k in replies)
    return {"updates_per_s": round(len(messages) / elapsed, 1),
            "p50_ms": round(statistics.median(lat), 1) if lat else None,
            "p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 1) if lat else None,
            "replies": len(replies), "expected_replies": expected,
            "wall_s": round(time.time() - wall0, 2)}


def _burst(n: int, groups: int, seed: int) -> list[tuple[int, str, bool]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        g = rng.randrange(groups)
        if rng.random() < 0.2:
            out.append((g, rng.choice(COMPLAINT).format(n=i + 1), True))
        else:
            out.append((g, rng.choice(CHAT), False))
    return out


async def main(args: argparse.Namespace) -> dict[str, Any]:
    sandbox = Sandbox(flood_limits=False)
    await sandbox.start()
    client = SandboxClient(sandbox.url)
    burst = _burst(args.messages, args.groups, 1)
    result: dict[str, Any] = {"messages": args.messages, "groups": args.groups}
    try:
        echo_chats = await _setup(client, args.groups, "E")
        echo = _echo_app(sandbox)
        async with echo:
            await echo.start()
            assert echo.updater is not None
            await echo.updater.start_polling(timeout=5)
            result["echo"] = await _run(sandbox, client, echo_chats, burst, echo=True)
            await echo.updater.stop()
            await echo.stop()
        with tempfile.TemporaryDirectory() as tmp:
            settings = load_settings(overrides={
                "database_url": f"sqlite+aiosqlite:///{tmp}/bench.db",
                "schedule": {"enabled": False},
                "bot": {"poll_timeout": 5, "rate_limits": {"overall_per_second": 100000,
                                                           "group_per_minute": 100000}},
            }, env={})
            app = build_application(settings, token=sandbox.token,
                                    base_url=sandbox.bot_api_base)
            await start_polling(app, settings)
            suqiu_chats = await _setup(client, args.groups, "S")
            result["suqiu"] = await _run(sandbox, client, suqiu_chats, burst, echo=False)
            await stop_bot(app)
    finally:
        await client.close()
        await sandbox.stop()
    s, e = result["suqiu"], result["echo"]
    result["throughput_ratio"] = round(s["updates_per_s"] / e["updates_per_s"], 2)
    result["p99_ratio"] = round(s["p99_ms"] / e["p99_ms"], 2) if s["p99_ms"] and e["p99_ms"] \
        else None
    return result


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--messages", type=int, default=400)
    p.add_argument("--groups", type=int, default=20)
    print(json.dumps(asyncio.run(main(p.parse_args())), ensure_ascii=False))

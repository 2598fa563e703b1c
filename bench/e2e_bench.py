"""Suqiu against a bare python-telegram-bot echo bot, on the same sandbox, in the same run.

A burst of mixed group chat (mostly chit-chat, some complaints) across many groups. For each
bot: updates processed per second (first post → last update handled and confirmed) and reply
latency from a resident's post to the bot's reply (p50/p99; Suqiu replies to complaints, the
echo bot to everything). Prints JSON with both and the ratios.

Each bot runs as its own process, as it would in production (`suqiu run` polling the sandbox,
SQLite); the sandbox and the residents posting share this process. Before, everything shared
one event loop, and the bench measured how long the bot's database calls waited behind the
sandbox's own HTTP work rather than the bot.

    .venv/bin/python bench/e2e_bench.py [--messages 400 --groups 20]
Targets: burst throughput_ratio ≥ 0.5, p99_ratio ≤ 2; paced (`--rate` 100/s, 1,000 messages)
p50_ratio ≤ 3 and p99_ratio ≤ 3.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from sandbox.client import SandboxClient
from sandbox.server import Sandbox
from tests.ledgers import migrated_sqlite

ROOT = Path(__file__).resolve().parent.parent

CHAT = ["哈哈哈", "收到", "好的谢谢", "今天天气真好", "晚上吃什么", "明天几点集合", "👍",
        "谁家的快递放门口了", "周末去爬山吗", "早上好", "辛苦了", "在吗", "晚安"]
COMPLAINT = ["{n}栋门口路灯坏了好几天了", "{n}栋楼下下水道堵了 脏水冒出来了",
             "{n}栋电梯又坏了 天天爬楼", "{n}栋门口垃圾桶满了两天冇人收"]


def _echo_main(token: str, base_url: str) -> None:
    """The baseline: PTB's own polling, replying to every text with the same text."""
    app = Application.builder().token(token).base_url(base_url).build()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.run_polling(timeout=5, allowed_updates=Update.ALL_TYPES)


async def _start_bot(sandbox: Sandbox, argv: list[str],
                     env: dict[str, str]) -> asyncio.subprocess.Process:
    """Start a bot process and wait until it polls the sandbox."""
    before = len(sandbox.state.calls)
    proc = await asyncio.create_subprocess_exec(
        *argv, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    for _ in range(600):
        if any(c.get("method") == "getUpdates" for c in list(sandbox.state.calls)[before:]):
            return proc
        if proc.returncode is not None:
            raise RuntimeError(f"{argv} exited with {proc.returncode}")
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{argv} did not start polling")


async def _stop_bot(proc: asyncio.subprocess.Process) -> None:
    proc.send_signal(signal.SIGINT)  # graceful: confirm what was handled, then exit
    try:
        await asyncio.wait_for(proc.wait(), 30)
    except TimeoutError:
        proc.kill()
        await proc.wait()


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
               messages: list[tuple[int, str, bool]], echo: bool,
               rate: float = 0) -> dict[str, float | None]:
    """Post the messages (as fast as possible, or `rate` per second); return throughput and
    latency of the replies the bot should send."""
    start_calls = len(sandbox.state.calls)
    posted: dict[tuple[int, int], float] = {}
    expected = 0
    t0 = time.perf_counter()
    wall0 = time.time()
    for n, (idx, text, is_complaint) in enumerate(messages):
        if rate:
            await asyncio.sleep(max(0.0, t0 + n / rate - time.perf_counter()))
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
            if isinstance(rp, str):  # as the form field came (the sandbox records it raw)
                rp = json.loads(rp)
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


async def _join(client: SandboxClient, chats: list[tuple[int, int]]) -> None:
    for chat, _ in chats:
        # An administrator, as a district sets Suqiu up: with privacy mode on (the sandbox's
        # default, as Telegram's) a bot that is a mere member never sees plain chat.
        await client.add_bot(chat, status="administrator")
    await asyncio.sleep(3.0)  # joins handled


async def _both(sandbox: Sandbox, client: SandboxClient, chats: list[tuple[int, int]],
                args: argparse.Namespace, echo: bool) -> dict[str, Any]:
    """The burst, then the same mix posted at a steady rate (new buildings: no seconds)."""
    await _join(client, chats)
    burst = await _run(sandbox, client, chats, _burst(args.messages, args.groups, 1, 0), echo)
    paced = await _run(sandbox, client, chats,
                       _burst(args.paced_messages, args.groups, 2, 10_000), echo,
                       rate=args.rate)
    return {"burst": burst, "paced": paced}


def _burst(n: int, groups: int, seed: int, first: int) -> list[tuple[int, str, bool]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        g = rng.randrange(groups)
        if rng.random() < 0.2:
            out.append((g, rng.choice(COMPLAINT).format(n=first + i + 1), True))
        else:
            out.append((g, rng.choice(CHAT), False))
    return out


async def main(args: argparse.Namespace) -> dict[str, Any]:
    sandbox = Sandbox(flood_limits=False)
    sandbox.state.calls = deque()  # every call of the run: the latencies are read from them
    await sandbox.start()
    client = SandboxClient(sandbox.url)
    result: dict[str, Any] = {"messages": args.messages, "groups": args.groups,
                              "paced_messages": args.paced_messages}
    runs: dict[str, dict[str, Any]] = {}
    try:
        echo_chats = await _setup(client, args.groups, "E")
        echo = await _start_bot(sandbox, [sys.executable, __file__, "--echo-bot",
                                          sandbox.token, sandbox.bot_api_base], {})
        try:
            runs["echo"] = await _both(sandbox, client, echo_chats, args, echo=True)
        finally:
            await _stop_bot(echo)
        with tempfile.TemporaryDirectory() as tmp:
            cfg = Path(tmp) / "bench.yaml"
            cfg.write_text("schedule: {enabled: false}\n"
                           "bot:\n  poll_timeout: 5\n"
                           "  rate_limits: {overall_per_second: 100000, "
                           "group_per_minute: 100000}\n"
                           # a few residents stand for a district: no per-person limit
                           "trust: {intake_limit: {reports: 100000, per: 1m}}\n")
            suqiu = await _start_bot(sandbox, [sys.executable, "-m", "bot.cli", "run"], {
                "TELEGRAM_BOT_TOKEN": sandbox.token,
                "SUQIU_TELEGRAM_API_URL": sandbox.bot_api_base,
                "SUQIU_DATABASE_URL": migrated_sqlite(Path(tmp) / "bench.db"),
                "SUQIU_CONFIG": str(cfg)})
            try:
                suqiu_chats = await _setup(client, args.groups, "S")
                runs["suqiu"] = await _both(sandbox, client, suqiu_chats, args, echo=False)
            finally:
                await _stop_bot(suqiu)
    finally:
        await client.close()
        await sandbox.stop()
    s, e = runs["suqiu"]["burst"], runs["echo"]["burst"]
    result.update(suqiu=s, echo=e)
    result["throughput_ratio"] = round(s["updates_per_s"] / e["updates_per_s"], 2)
    result["p99_ratio"] = _ratio(s["p99_ms"], e["p99_ms"])
    s, e = runs["suqiu"]["paced"], runs["echo"]["paced"]
    result["paced"] = {"rate_per_s": args.rate, "suqiu": s, "echo": e,
                       "p50_ratio": _ratio(s["p50_ms"], e["p50_ms"]),
                       "p99_ratio": _ratio(s["p99_ms"], e["p99_ms"])}
    return result


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--messages", type=int, default=400)
    p.add_argument("--groups", type=int, default=20)
    p.add_argument("--rate", type=float, default=100.0,
                   help="messages per second in the paced run")
    p.add_argument("--paced-messages", type=int, default=1000,
                   help="messages of the paced run (10 s at 100/s: some 200 complaints, "
                   "enough for a steady median on a shared machine)")
    p.add_argument("--echo-bot", nargs=2, metavar=("TOKEN", "BASE_URL"),
                   help=argparse.SUPPRESS)  # the baseline's own process
    a = p.parse_args()
    if a.echo_bot:
        _echo_main(*a.echo_bot)
    else:
        print(json.dumps(asyncio.run(main(a)), ensure_ascii=False))

"""A burst of complaints; the bot process is killed with SIGKILL in the middle and started
again. Afterwards every complaint has exactly one issue and a card: none is lost.

A card that Telegram accepted in the last milliseconds before the kill, before its message id
was recorded, cannot be told apart from one that was never sent (the Bot API has no way to
read a chat's history), so it is sent again: at most one such repeat per chat, the message in
flight at the moment of the kill. Everything else is sent once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from issues.db import Database
from issues.service import IssueService
from issues.settings import load_settings
from sandbox.client import SandboxClient
from sandbox.server import Sandbox

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _start_bot(sandbox: Sandbox, db_url: str, config: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": sandbox.token,
           "SUQIU_TELEGRAM_API_URL": sandbox.bot_api_base,
           "SUQIU_TELEGRAM_FILE_URL": sandbox.bot_file_base,
           "SUQIU_DATABASE_URL": db_url, "SUQIU_CONFIG": str(config)}
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def _cards(client: SandboxClient, chat: int, bot_id: int) -> dict[int, int]:
    """Resident message id → number of issue cards replying to it."""
    out: dict[int, int] = {}
    for m in await client.messages(chat):
        if m["from"]["id"] == bot_id and "📌" in (m.get("text") or ""):
            rid = m["reply_to_message"]["message_id"]
            out[rid] = out.get(rid, 0) + 1
    return out


async def _count(client: SandboxClient, chats: list[tuple[int, int]], bot_id: int) -> int:
    return sum([len(await _cards(client, c, bot_id)) for c, _ in chats])


async def test_sigkill_in_the_middle_of_a_burst(tmp_path: Path) -> None:
    config = tmp_path / "site.yaml"
    config.write_text("schedule: {enabled: false}\nbot:\n  poll_timeout: 2\n  rate_limits: "
                      "{overall_per_second: 1000, group_per_minute: 1000, max_retries: 5}\n")
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'restart.db'}"
    sandbox = Sandbox(flood_limits=False)
    await sandbox.start()
    client = SandboxClient(sandbox.url)
    proc = _start_bot(sandbox, db_url, config)
    try:
        chats: list[tuple[int, int]] = []
        for g in range(5):
            owner = await client.create_user(f"群主{g}")
            resident = await client.create_user(f"居民{g}")
            chat = await client.create_chat(f"{g}号小区群", owner)
            await client.add_member(chat, resident)
            await client.add_bot(chat)
            chats.append((chat, resident))
        complaints: list[tuple[int, int]] = []
        for n in range(60):
            chat, resident = chats[n % 5]
            m = await client.send(chat, resident, f"{n + 1}栋门口路灯坏了好几天了")
            complaints.append((chat, m["message_id"]))
        # Let the bot work through part of the burst, then kill it without warning.
        for _ in range(300):
            done = await _count(client, chats, sandbox.bot_id)
            if done >= 15:
                break
            await asyncio.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert done < 60, "the bot finished before it could be killed"
        proc = _start_bot(sandbox, db_url, config)
        for _ in range(600):
            done = await _count(client, chats, sandbox.bot_id)
            if done >= 60:
                break
            await asyncio.sleep(0.1)
        cards: dict[tuple[int, int], int] = {}
        for chat, _ in chats:
            for rid, n in (await _cards(client, chat, sandbox.bot_id)).items():
                cards[(chat, rid)] = n
        assert sorted(cards) == sorted(complaints), "a complaint got no card"
        repeats: dict[int, int] = {}
        for (chat, _), n in cards.items():
            assert n <= 2, "a card was sent three times"
            repeats[chat] = repeats.get(chat, 0) + (n - 1)
        assert all(r <= 1 for r in repeats.values()), f"more than the in-flight card: {repeats}"
    finally:
        proc.kill()
        proc.wait(timeout=10)
        await client.close()
        await sandbox.stop()
    settings = load_settings(overrides={"database_url": db_url}, env={})
    db = Database(db_url)
    svc = IssueService(db, settings)
    try:
        seen: set[int] = set()
        for chat, mid in complaints:
            issue: Any = await svc.find_by_source_message(chat, mid)
            assert issue is not None and issue.source_message_id == mid
            seen.add(issue.id)
        assert len(seen) == 60
    finally:
        await db.dispose()

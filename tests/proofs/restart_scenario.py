"""A burst of complaints, SIGKILL in the middle, a restart: what came out.

Shared by tests/proofs/test_restart.py (small, asserted in the suite) and
bench/restart_bench.py (1,000 complaints across 50 groups, printed as JSON).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from issues.db import Database
from issues.service import IssueService
from issues.settings import load_settings
from sandbox.client import SandboxClient
from sandbox.server import Sandbox
from tests.ledgers import migrated_sqlite

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Outcome:
    groups: int
    complaints: int
    cards_before_kill: int
    complaints_with_card: int
    complaints_with_issue: int
    distinct_issues: int
    repeated_cards: int
    max_repeats_in_a_chat: int
    max_cards_for_one_message: int
    wall_s: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


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


async def run(workdir: Path, groups: int, complaints: int, kill_after: int,
              timeout: float = 300) -> Outcome:
    """Post `complaints` across `groups`, kill the bot once `kill_after` cards are out, start
    it again and wait (up to `timeout` s) until every complaint has a card."""
    config = workdir / "site.yaml"
    # One resident per group stands for many here: no per-person intake limit.
    config.write_text("schedule: {enabled: false}\nbot:\n  poll_timeout: 2\n  rate_limits: "
                      "{overall_per_second: 1000, group_per_minute: 1000, max_retries: 5}\n"
                      "trust: {intake_limit: {reports: 100000, per: 1m}}\n")
    db_url = migrated_sqlite(workdir / "restart.db")  # as `suqiu db upgrade` leaves it
    sandbox = Sandbox(flood_limits=False)
    await sandbox.start()
    client = SandboxClient(sandbox.url)
    proc = _start_bot(sandbox, db_url, config)
    started = time.perf_counter()
    try:
        chats: list[tuple[int, int]] = []
        for g in range(groups):
            owner = await client.create_user(f"群主{g}")
            resident = await client.create_user(f"居民{g}")
            chat = await client.create_chat(f"{g}号小区群", owner)
            await client.add_member(chat, resident)
            await client.add_bot(chat)
            chats.append((chat, resident))
        posted: list[tuple[int, int]] = []
        for n in range(complaints):
            chat, resident = chats[n % groups]
            m = await client.send(chat, resident, f"{n + 1}栋门口路灯坏了好几天了")
            posted.append((chat, m["message_id"]))
        # Let the bot work through part of the burst, then kill it without warning.
        done = 0
        for _ in range(int(timeout / 0.05)):
            done = await _count(client, chats, sandbox.bot_id)
            if done >= kill_after:
                break
            await asyncio.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        before = done
        proc = _start_bot(sandbox, db_url, config)
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if await _count(client, chats, sandbox.bot_id) >= complaints:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # anything sent twice would arrive now
        cards: dict[tuple[int, int], int] = {}
        for chat, _ in chats:
            for rid, n in (await _cards(client, chat, sandbox.bot_id)).items():
                cards[(chat, rid)] = n
    finally:
        proc.kill()
        proc.wait(timeout=10)
        await client.close()
        await sandbox.stop()
    wall = time.perf_counter() - started
    repeats: dict[int, int] = {}
    for (chat, _), n in cards.items():
        repeats[chat] = repeats.get(chat, 0) + (n - 1)
    settings = load_settings(overrides={"database_url": db_url}, env={})
    db = Database(db_url)
    svc = IssueService(db, settings)
    try:
        issues = [await svc.find_by_source_message(chat, mid) for chat, mid in posted]
    finally:
        await db.dispose()
    return Outcome(
        groups=groups, complaints=complaints, cards_before_kill=before,
        complaints_with_card=sum(1 for k in posted if k in cards),
        complaints_with_issue=sum(1 for i in issues if i is not None),
        distinct_issues=len({i.id for i in issues if i is not None}),
        repeated_cards=sum(repeats.values()),
        max_repeats_in_a_chat=max(repeats.values(), default=0),
        max_cards_for_one_message=max(cards.values(), default=0),
        wall_s=round(wall, 1),
    )

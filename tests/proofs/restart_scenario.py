"""A burst of complaints, SIGKILL in the middle: what came out.

Two set-ups: one bot polling on SQLite, killed and started again (`run`); two webhook workers
on PostgreSQL behind a balancer, one of them killed for good (`run(..., webhook_db=...)`),
whose stored updates the other takes over once its lease runs out. Shared by
tests/proofs/test_restart.py (small, asserted in the suite) and bench/restart_bench.py
(1,000 complaints across 50 groups, printed as JSON).
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

from aiohttp import web

from issues.db import Database
from issues.service import IssueService
from issues.settings import load_settings
from sandbox.client import SandboxClient
from sandbox.server import Sandbox
from tests.ledgers import migrated_sqlite
from tests.proofs.balancer import balancer, free_port

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


def _start_bot(sandbox: Sandbox, db_url: str, config: Path,
               webhook: str | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": sandbox.token,
           "SUQIU_TELEGRAM_API_URL": sandbox.bot_api_base,
           "SUQIU_TELEGRAM_FILE_URL": sandbox.bot_file_base,
           "SUQIU_DATABASE_URL": db_url, "SUQIU_CONFIG": str(config)}
    if webhook:
        env.update(SUQIU_WEBHOOK_URL=webhook, SUQIU_WEBHOOK_SECRET="shared-secret")
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Polling:
    """One bot polling, on SQLite: killed, then started again."""

    def __init__(self, sandbox: Sandbox, workdir: Path) -> None:
        self.sandbox, self.config = sandbox, workdir / "site.yaml"
        self.db_url = migrated_sqlite(workdir / "restart.db")  # as `suqiu db upgrade` leaves it
        self.config.write_text(CONFIG)
        self.procs: list[subprocess.Popen[bytes]] = []

    async def start(self) -> None:
        self.procs = [_start_bot(self.sandbox, self.db_url, self.config)]

    async def kill(self) -> None:
        self.procs[0].send_signal(signal.SIGKILL)
        self.procs[0].wait(timeout=10)
        self.procs = [_start_bot(self.sandbox, self.db_url, self.config)]

    async def close(self) -> None:
        for p in self.procs:
            p.kill()
            p.wait(timeout=10)


class Webhooks(Polling):
    """Two webhook workers on one PostgreSQL behind a balancer: one is killed for good."""

    def __init__(self, sandbox: Sandbox, workdir: Path, db_url: str) -> None:
        super().__init__(sandbox, workdir)
        self.db_url, self.workdir = db_url, workdir
        self.lb: web.AppRunner | None = None

    async def start(self) -> None:
        upgrade = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "db", "upgrade", cwd=ROOT,
            env={**os.environ, "SUQIU_DATABASE_URL": self.db_url},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert await asyncio.wait_for(upgrade.wait(), 120) == 0
        ports = [free_port(), free_port()]
        self.lb, lb_port = await balancer(ports)
        for n, port in enumerate(ports):
            cfg = self.workdir / f"w{n}.yaml"
            cfg.write_text(CONFIG + f"  webhook_listen: 127.0.0.1\n  webhook_port: {port}\n")
            self.procs.append(_start_bot(self.sandbox, self.db_url, cfg,
                                         f"http://127.0.0.1:{lb_port}/telegram/webhook"))
        client = SandboxClient(self.sandbox.url)
        try:
            for _ in range(600):  # both workers up and the webhook set
                info = await client.bot_info()
                if info["webhook"] and info["webhook"]["has_secret"]:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(2.0)
        finally:
            await client.close()

    async def kill(self) -> None:
        self.procs[0].send_signal(signal.SIGKILL)
        self.procs[0].wait(timeout=10)

    async def close(self) -> None:
        await super().close()
        if self.lb is not None:
            await self.lb.cleanup()


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


# One resident per group stands for many here: no per-person intake limit.
CONFIG = ("schedule: {enabled: false}\ntrust: {intake_limit: {reports: 100000, per: 1m}}\n"
          "bot:\n  poll_timeout: 2\n  inbox_lease: 2s\n"
          "  rate_limits: {overall_per_second: 1000, group_per_minute: 1000, max_retries: 5}\n")


async def run(workdir: Path, groups: int, complaints: int, kill_after: int,
              timeout: float = 300, webhook_db: str | None = None) -> Outcome:
    """Post `complaints` across `groups`, kill a bot once `kill_after` cards are out (and
    start it again, when polling) and wait (up to `timeout` s) until every complaint has a
    card. With `webhook_db` (a PostgreSQL URL): two webhook workers, one killed."""
    sandbox = Sandbox(flood_limits=False)
    await sandbox.start()
    client = SandboxClient(sandbox.url)
    bots = (Webhooks(sandbox, workdir, webhook_db) if webhook_db
            else Polling(sandbox, workdir))
    db_url = bots.db_url
    await bots.start()
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
        await bots.kill()
        before = done
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
        await bots.close()
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

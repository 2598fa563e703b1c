"""Two bot processes in webhook mode behind one address, on one PostgreSQL: every complaint
opens one issue with one card, and each group's digest is posted once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from sandbox.client import SandboxClient
from sandbox.server import Sandbox
from tests import pgserver
from tests.proofs.balancer import balancer, free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _dsn(server: pgserver.PostgresServer | str, db: str) -> str:
    return server.dsn(db) if not isinstance(server, str) else f"{server.rsplit('/', 1)[0]}/{db}"


async def test_two_webhook_workers_on_postgresql(pg_server: Any, tmp_path: Path) -> None:
    conn = await asyncpg.connect(_dsn(pg_server, "postgres"))
    await conn.execute("DROP DATABASE IF EXISTS two_workers")
    await conn.execute("CREATE DATABASE two_workers")
    await conn.close()
    db_url = _dsn(pg_server, "two_workers").replace("postgresql://", "postgresql+asyncpg://")
    sandbox = Sandbox(flood_limits=False)
    await sandbox.start()
    client = SandboxClient(sandbox.url)
    worker_ports = [free_port(), free_port()]
    lb, lb_port = await balancer(worker_ports)
    procs = []
    # The digest time is 23:59 until the test moves it to 00:00: so the day's digest is not
    # already due (and done, with nothing to say) when the groups join.
    local = datetime.now(ZoneInfo("Asia/Shanghai"))
    if local.hour == 23 and local.minute >= 57:
        await asyncio.sleep((60 - local.minute) * 60 - local.second + 5)
    try:
        # One worker migrates first, so the two never race on the schema.
        env0 = {**os.environ, "SUQIU_DATABASE_URL": db_url}
        upgrade = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "db", "upgrade", cwd=ROOT, env=env0,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert await asyncio.wait_for(upgrade.wait(), 120) == 0
        for n, port in enumerate(worker_ports):
            cfg = tmp_path / f"w{n}.yaml"
            cfg.write_text(f"bot:\n  webhook_listen: 127.0.0.1\n  webhook_port: {port}\n"
                           "  rate_limits: {overall_per_second: 1000, group_per_minute: 1000}\n"
                           "schedule: {reminder_interval: 0.5s, digest_time: '23:59'}\n")
            env = {**os.environ, "TELEGRAM_BOT_TOKEN": sandbox.token,
                   "SUQIU_TELEGRAM_API_URL": sandbox.bot_api_base,
                   "SUQIU_DATABASE_URL": db_url, "SUQIU_CONFIG": str(cfg),
                   "SUQIU_WEBHOOK_URL": f"http://127.0.0.1:{lb_port}/telegram/webhook",
                   "SUQIU_WEBHOOK_SECRET": "shared-secret"}
            procs.append(await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "run", cwd=ROOT, env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for _ in range(200):
            info = await client.bot_info()
            if info["webhook"] and info["webhook"]["has_secret"]:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        chats = []
        for g in range(3):
            owner = await client.create_user(f"群主{g}")
            resident = await client.create_user(f"居民{g}")
            chat = await client.create_chat(f"{g}号群", owner)
            await client.add_member(chat, resident)
            await client.add_bot(chat)
            await client.wait_for(chat, lambda m: "诉求助手" in (m.get("text") or ""),
                                  timeout=30)
            chats.append((chat, owner, resident))
        sent = []
        for n in range(12):
            chat, _, resident = chats[n % 3]
            m = await client.send(chat, resident, f"{n + 1}栋门口路灯坏了好几天了")
            sent.append((chat, m["message_id"]))
        for chat, mid in sent:
            await client.wait_for(chat, lambda m, mid=mid: "📌" in (m.get("text") or "")
                                  and (m.get("reply_to_message") or {}).get("message_id")
                                  == mid, timeout=60)
        # Both workers run the scheduler: each group's digest must still come once.
        for chat, owner, _ in chats:
            m = await client.send(chat, owner, "/settings digest 00:00")
            await client.wait_for(chat, lambda x: "日报时间已改为" in (x.get("text") or ""),
                                  timeout=30)
        for chat, _, _ in chats:
            await client.wait_for(chat, lambda x: "今日诉求日报" in (x.get("text") or ""),
                                  timeout=60)
        await asyncio.sleep(3)  # a few more ticks of both workers
        for chat, _, _ in chats:
            msgs = await client.bot_messages(chat)
            cards = [x for x in msgs if "📌" in (x.get("text") or "")]
            digests = [x for x in msgs if "今日诉求日报" in (x.get("text") or "")]
            assert len(cards) == 4, [x.get("text") for x in msgs]
            assert len({x["reply_to_message"]["message_id"] for x in cards}) == 4
            assert len(digests) == 1
        conn = await asyncpg.connect(_dsn(pg_server, "two_workers"))
        assert await conn.fetchval("SELECT count(*) FROM issues") == 12
        assert await conn.fetchval("SELECT count(*) FROM reports") == 12
        await conn.close()
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                await asyncio.wait_for(p.wait(), 15)
            except TimeoutError:
                p.kill()
                await p.wait()
        await client.close()
        await lb.cleanup()
        await sandbox.stop()

"""The daily digest for many groups through the sandbox with Telegram's flood limits on.

Prints {"groups", "msgs_per_s", "limit_per_s", "ratio", "http_429", "wall_s", "peak_rss_mb"}.
Target: ratio ≥ 0.8 of the 30 messages/s limit and zero 429s.

    .venv/bin/python bench/digest_bench.py [--groups 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import build_application
from bot.jobs.scheduler import scheduled_posts
from bot.serve.polling import boot, stop_bot
from issues.db import Database
from issues.service import IssueService
from issues.settings import load_settings
from issues.views import PersonRef
from nlp.types import Detection
from sandbox.client import SandboxClient
from sandbox.server import Sandbox

LIMIT = 30


async def main(args: argparse.Namespace) -> dict[str, Any]:
    sandbox = Sandbox(flood_limits=True, overall_per_second=LIMIT, per_chat_per_minute=20)
    await sandbox.start()
    client = SandboxClient(sandbox.url)
    tmp = tempfile.mkdtemp()
    url = f"sqlite+aiosqlite:///{tmp}/digest.db"
    settings = load_settings(overrides={"database_url": url, "schedule": {"enabled": False}},
                             env={})
    db = Database(url)
    await db.upgrade()
    setup = IssueService(db, settings, clock=lambda: datetime.now(UTC) - timedelta(hours=2))
    owner = await client.create_user("群主")
    resident = PersonRef(900001, "居民", None)
    det = Detection(True, "streetlight", 0.9, False, "3栋门口", "3栋门口路灯坏了")
    for g in range(args.groups):
        chat = await client.create_chat(f"{g}号群", owner)
        await client.add_bot(chat)
        await setup.register_group(chat, f"{g}号群", PersonRef(owner, "群主", None), [])
        await setup.update_group_settings(chat, owner, digest_time="00:00",
                                          progress_time="23:59")
        await setup.intake(chat, 1, resident, "3栋门口路灯坏了", det)
    await db.dispose()
    app = build_application(settings, token=sandbox.token, base_url=sandbox.bot_api_base)
    await boot(app)
    svc: IssueService = app.bot_data.require_service()
    groups = {g.chat_id: g for g in await svc.list_groups()}
    before = int((await client.bot_info())["calls"].get("sendMessage", 0))
    t0 = time.perf_counter()
    await scheduled_posts(app.bot, svc, groups)
    wall = time.perf_counter() - t0
    info = await client.bot_info()
    sent = int(info["calls"].get("sendMessage", 0)) - before
    await stop_bot(app)
    await client.close()
    await sandbox.stop()
    rate = sent / wall if wall else 0.0
    return {"groups": args.groups, "digests_sent": sent, "msgs_per_s": round(rate, 2),
            "limit_per_s": LIMIT, "ratio": round(rate / LIMIT, 3),
            "http_429": int(info["sent_429"]), "wall_s": round(wall, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--groups", type=int, default=2000)
    print(json.dumps(asyncio.run(main(p.parse_args()))))

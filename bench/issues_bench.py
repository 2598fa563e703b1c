"""Issue core at scale: intake rate through the service, and the list / statistics / overdue
queries at a small and a large ledger, on SQLite and (when it can start) PostgreSQL.

Intake is measured two ways: `intake_per_s` for bursts as the bot hands them over (the up to
100 messages of one getUpdates batch, from many groups, handled side by side, which the service
writes in shared transactions) and `intake_sequential_per_s` for one message at a time.

Prints {"sqlite": {"intake_per_s", "intake_sequential_per_s",
"queries": {NAME: {"small_ms", "large_ms", "ratio"}}}, "postgresql": {...}}.
Targets: intake ≥ 1,000/s on SQLite; each query at the large size within 2× its small-size
time and under 50 ms on SQLite.

    .venv/bin/python bench/issues_bench.py [--small 10000 --large 1000000 --no-pg]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select

from bench.databases import on_both
from issues.db import Database
from issues.models import Group, Issue, Person
from issues.service import IssueService
from issues.settings import load_settings
from issues.views import IssueFilter, PersonRef
from nlp.types import CATEGORIES, Detection

CATS = [c for c in CATEGORIES if c != "other"]
GROUPS = 200
NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


async def _fill(db: Database, total: int) -> None:
    """Bulk rows (core executemany), spread over groups, categories, statuses and a year."""
    async with db.sessionmaker() as s, s.begin():
        have = (await s.execute(select(Issue.id).order_by(Issue.id.desc()).limit(1))).scalar()
        start = int(have or 0)
        pid = (await s.execute(select(Person.id).limit(1))).scalar()
        gids = list((await s.execute(select(Group.id).order_by(Group.id))).scalars())
    statuses = ["open", "acknowledged", "in_progress", "resolved", "closed", "closed"]
    batch = 20_000
    for base in range(start, total, batch):
        rows = []
        for n in range(base, min(total, base + batch)):
            created = NOW - timedelta(minutes=(total - n) * 525_600 // total)
            st = statuses[n % len(statuses)]
            rows.append({
                "group_id": gids[n % len(gids)], "number": 10_000_000 + n,
                "category": CATS[n % len(CATS)], "summary": f"{n}栋门口路灯坏了",
                "text": f"{n}栋门口路灯坏了好几天了", "location_text": f"{n}栋门口",
                "urgent": False, "confidence": 0.8, "status": st, "reporter_id": pid,
                "escalation_level": 0, "report_count": 1, "created_at": created,
                "updated_at": created, "ack_due_at": created + timedelta(hours=4),
                "resolve_due_at": created + timedelta(days=3),
                "ack_warn_at": created + timedelta(hours=3),
                "resolve_warn_at": created + timedelta(days=2.25),
                "acknowledged_at": created + timedelta(hours=1) if st != "open" else None,
                "resolved_at": created + timedelta(days=1) if st in ("resolved", "closed")
                else None, "version": 1,
            })
        async with db.sessionmaker() as s, s.begin():
            await s.execute(insert(Issue), rows)


async def _time(fn: Callable[[], Awaitable[Any]], repeat: int = 5) -> float:
    await fn()
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        await fn()
        best = min(best, time.perf_counter() - t)
    return best * 1000


async def _queries(svc: IssueService, chat: int) -> dict[str, float]:
    month = NOW - timedelta(days=30)
    return {
        "list_newest": await _time(lambda: svc.list_issues(IssueFilter(), 1, 20)),
        "list_group_open": await _time(lambda: svc.list_issues(
            IssueFilter(chat_id=chat, status="open"), 1, 20)),
        "list_category_month": await _time(lambda: svc.list_issues(
            IssueFilter(category="streetlight", since=month), 1, 20)),
        "stats_group_month": await _time(lambda: svc.stats(chat, month, NOW)),
        "overdue_escalation": await _time(lambda: svc.due_for_escalation(NOW)),
        "reminder_crossings": await _time(lambda: svc.crossed_lights(
            NOW - timedelta(minutes=1), NOW)),
    }


async def bench(url: str, small: int, large: int) -> dict[str, Any]:
    settings = load_settings(overrides={"database_url": url}, env={})
    db = Database(url)
    await db.upgrade()
    svc = IssueService(db, settings, clock=lambda: NOW)
    owner = PersonRef(1, "网格员", None)
    for g in range(GROUPS):
        await svc.register_group(-(1000 + g), f"{g}号群", owner, [owner])
    def one(i: int) -> Awaitable[Any]:
        return svc.intake(-(1000 + i % GROUPS), i + 1, PersonRef(10 + i % 50, "居民", None),
                          f"{i}栋门口路灯坏了", Detection(True, CATS[i % len(CATS)], 0.9, False,
                                                         f"{i}栋门口", f"{i}栋门口路灯坏了"))

    # One at a time: a quiet day, each message alone.
    n = 1000
    t = time.perf_counter()
    for i in range(n):
        await one(i)
    sequential = n / (time.perf_counter() - t)
    # Bursts: what the bot hands over from one getUpdates batch (up to 100 messages from
    # many groups, handled side by side).
    n, wave = 4000, 100
    t = time.perf_counter()
    for w in range(1000, 1000 + n, wave):
        await asyncio.gather(*(one(i) for i in range(w, w + wave)))
    intake = n / (time.perf_counter() - t)
    await _fill(db, small)
    q_small = await _queries(svc, -1000)
    await _fill(db, large)
    q_large = await _queries(svc, -1000)
    await db.dispose()
    return {"intake_per_s": round(intake, 1), "intake_sequential_per_s": round(sequential, 1),
            "issues": {"small": small, "large": large},
            "queries": {k: {"small_ms": round(q_small[k], 2), "large_ms": round(q_large[k], 2),
                            "ratio": round(q_large[k] / q_small[k], 2)} for k in q_small}}


async def main(args: argparse.Namespace) -> dict[str, Any]:
    return await on_both(lambda url: bench(url, args.small, args.large), postgres=not args.no_pg)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--small", type=int, default=10_000)
    p.add_argument("--large", type=int, default=1_000_000)
    p.add_argument("--no-pg", action="store_true")
    print(json.dumps(asyncio.run(main(p.parse_args()))))

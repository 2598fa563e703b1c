"""A district on one database: the minute tick, the dashboard, a ledger page and the export,
on SQLite and on PostgreSQL.

The ledger is bench/district.py's: 2,000 groups under five levels and 1,000,000 issues over a
year, with a storm of 5,000 complaints whose lights all turned red in the ten minutes before
the bench's clock. What is measured, each through the code the bot and the dashboard run:

- the catch-up tick: the first tick after ten minutes without one (a restart, say), with every
  reminder of those ten minutes due: `reminders_due` (counted from the ledger) against
  `reminders_sent` (posted by the tick), `catchup_tick_ms`;
- the minute tick after it (`tick_ms`, `statements_per_tick`) and one at 19:45 local, when
  every group's progress post of the day is out (`evening_tick_ms`);
- the dashboard over real HTTP: `/` (`overview_ms`), `/screen`, `/api/stats.json` and ledger
  pages (`ledger_page_ms` is the first page of the whole ledger; `ledger_pages` has others).
  The overview's, the screen's and stats.json's figures may be a minute old when served
  (issues.fresh), so each request of those keys starts with that cache emptied: they are
  figures computed afresh. The app starts as `suqiu run` starts it, warming up (web.warm:
  `warm_up_ms`, before it takes requests); `first_request_ms` is the very first request of
  each page after that start (computed afresh too), `cached_ms` what a page takes served from
  the minute's cache (the wall screen's refreshes);
- the export of the last 90 days as CSV (`export_rows_per_s`), and of the last week as XLSX
  (`export_xlsx_rows_per_s`, for information: the target is the CSV's).

The bot's Telegram calls go to a stand-in that only counts them: the tick's own cost is
measured, not Telegram's flood limits (30 messages a second make 5,000 reminders take three
minutes whatever the tick does). Times are the median of several runs after a warm-up.

Prints {"sqlite": {"tick_ms", "overview_ms", "screen_ms", "stats_json_ms", "ledger_page_ms",
"export_rows_per_s", "reminders_due", "reminders_sent", "statements_per_tick", …},
"postgresql": {…}}. Targets: the minute tick ≤ 1,000 ms; overview, /screen, /api/stats.json
and a ledger page ≤ 300 ms each, the first after the start too; every due reminder sent in one
tick; export ≥ 20,000 rows/s.

    .venv/bin/python bench/district_bench.py [--issues 1000000 --groups 2000 --no-pg]

The SQLite ledger is generated once and kept in bench/.cache/ (about 1.5 GB; delete it to
start over); PostgreSQL's is generated on each run in a private server that the bench starts
and stops (tests/pgserver.py).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from aiohttp.test_utils import TestServer
from sqlalchemy import event, func, insert, or_, select

from bench.district import District, DistrictSpec, build, cached_sqlite
from bot.jobs import scheduler
from issues import lights
from issues.db import Database
from issues.models import Delivery, Issue
from issues.service import IssueService
from issues.settings import Settings, load_settings
from web.app import make_app

TOKEN = "district-bench-admin"
TARGETS = {"tick_ms": 1000, "overview_ms": 300, "screen_ms": 300, "stats_json_ms": 300,
           "ledger_page_ms": 300}


class Statements:
    """Counts the SQL statements an engine runs."""

    def __init__(self, db: Database) -> None:
        self.n = 0
        event.listen(db.engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.n += 1


class CountingBot:
    """Stands in for PTB's Bot in the tick: answers every call at once and counts it."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self._ids = itertools.count(1_000_000)

    def __getattr__(self, method: str) -> Callable[..., Awaitable[Any]]:
        async def call(*_: Any, **__: Any) -> Any:
            self.calls[method] = self.calls.get(method, 0) + 1
            return SimpleNamespace(message_id=next(self._ids))

        return call


async def _times(fn: Callable[[], Awaitable[Any]], repeat: int,
                 before: Callable[[], None] | None = None) -> list[float]:
    """Milliseconds of each of `repeat` calls, `before` run ahead of each (untimed)."""
    out = []
    for _ in range(repeat):
        if before is not None:
            before()
        t = time.perf_counter()
        await fn()
        out.append(round((time.perf_counter() - t) * 1000, 1))
    return out


async def _median(fn: Callable[[], Awaitable[Any]], repeat: int = 5,
                  before: Callable[[], None] | None = None) -> float:
    return statistics.median(await _times(fn, repeat, before))


def _afresh(svc: IssueService) -> Callable[[], None]:
    """Forget the figures kept for a minute (issues.fresh): the next request computes them."""
    def forget() -> None:
        svc.statistics._fresh.clear()
        svc.supervisor._fresh.clear()

    return forget


async def _count(db: Database, where: Any) -> int:
    async with db.sessionmaker() as s:
        return int((await s.execute(select(func.count()).select_from(Issue).where(where))
                    ).scalar_one())


async def _sent_reminders(db: Database) -> int:
    async with db.sessionmaker() as s:
        return int((await s.execute(select(func.count()).select_from(Delivery).where(
            Delivery.key.like("remind:%"), Delivery.status == "sent",
            Delivery.message_id.is_not(None)))).scalar_one())


async def _tick(svc: IssueService, bot: Any, clock: list[datetime], at: datetime,
                stmts: Statements,
                ) -> tuple[float, int]:
    clock[0] = at
    before = stmts.n
    t = time.perf_counter()
    await scheduler.tick(bot, svc)
    return round((time.perf_counter() - t) * 1000, 1), stmts.n - before


async def _mark_progress_sent(db: Database, district: District, day: str,
                              at: datetime) -> None:
    """Today's progress posts went out at 18:00 (the tick that sent them is not measured)."""
    async with db.sessionmaker() as s, s.begin():
        await s.execute(insert(Delivery), [
            {"key": f"progress:{chat}:{day}", "chat_id": chat, "status": "sent",
             "message_id": 1, "claimed_at": at, "sent_at": at, "attempts": 1}
            for chat in district.resident_chats])


async def measure(db: Database, settings: Settings, district: District) -> dict[str, Any]:
    spec = district.spec
    now = spec.now
    clock = [now]
    svc = IssueService(db, settings, clock=lambda: clock[0])
    stmts = Statements(db)
    bot = CountingBot()
    out: dict[str, Any] = {"issues": spec.issues, "groups": spec.groups,
                           "generated_s": district.seconds}
    assert district.storm_window is not None
    since, _ = district.storm_window
    mark = svc.mark_reminders_scanned
    await mark(since)  # the last tick looked up to ten minutes ago
    out["reminders_due"] = await _count(db, or_(lights.crossed("red", since, now),
                                                lights.crossed("yellow", since, now)))
    out["catchup_tick_ms"], out["statements_catchup_tick"] = await _tick(
        svc, bot, clock, now, stmts)
    out["reminders_sent"] = await _sent_reminders(db)
    out["tick_ms"], out["statements_per_tick"] = await _tick(
        svc, bot, clock, now + timedelta(seconds=60), stmts)
    out["telegram_calls"] = dict(bot.calls)
    zone = ZoneInfo(settings.timezone)
    local = now.astimezone(zone)
    evening = local.replace(hour=19, minute=45).astimezone(now.tzinfo)
    await _mark_progress_sent(db, district, local.date().isoformat(),
                              local.replace(hour=18, minute=0).astimezone(now.tzinfo))
    await mark(evening - timedelta(seconds=60))
    await _tick(svc, bot, clock, evening - timedelta(seconds=60), stmts)  # the afternoon
    out["evening_tick_ms"], out["statements_evening_tick"] = await _tick(
        svc, bot, clock, evening, stmts)
    clock[0] = now + timedelta(seconds=90)
    out.update(await _web(svc, settings, district))
    out["met"] = {k: out[k] <= v for k, v in TARGETS.items()} | {
        "first_request_ms": all(out["first_request_ms"][k.removesuffix("_ms")] <= v
                                for k, v in TARGETS.items() if k != "tick_ms"),
        "reminders": out["reminders_sent"] == out["reminders_due"],
        "export_rows_per_s": out["export_rows_per_s"] >= 20_000}
    return out


async def _web(svc: IssueService, settings: Settings, district: District) -> dict[str, Any]:
    settings = replace(settings, dashboard_admin_token=TOKEN)
    server = TestServer(make_app(settings, svc, warm=True))
    t = time.perf_counter()
    await server.start_server()
    out: dict[str, Any] = {"warm_up_ms": round((time.perf_counter() - t) * 1000, 1)}
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        async with aiohttp.ClientSession(headers=headers) as http:
            async def get(path: str) -> bytes:
                async with http.get(server.make_url(path)) as resp:
                    body = await resp.read()
                    if resp.status != 200:
                        raise RuntimeError(f"{path}: {resp.status} {body[:200]!r}")
                    return body

            # The first request of each page after the start; then each page computed afresh
            # (the headline keys), then served from the minute's cache (the wall screen's
            # refreshes).
            forget = _afresh(svc)
            pages = {"overview": "/", "screen": "/screen", "stats_json": "/api/stats.json",
                     "ledger_page": "/issues"}
            out["first_request_ms"] = {
                name: (await _times(partial(get, path), 1, forget))[0]
                for name, path in pages.items()}
            for name, path in pages.items():
                out[f"{name}_ms"] = await _median(partial(get, path), 5, forget)
            out["cached_ms"] = {name: await _median(partial(get, path))
                                for name, path in pages.items() if name != "ledger_page"}
            busy = district.resident_chats[0]
            month = (district.spec.now - timedelta(days=30)).date().isoformat()
            out["ledger_pages"] = {
                name: await _median(partial(get, path), repeat=3) for name, path in (
                    ("page_50", "/issues?page=50"), ("red", "/issues?light=red"),
                    ("busy_group", f"/issues?group={busy}"),
                    ("category_month", f"/issues?category=garbage&since={month}"),
                    ("text", "/issues?q=电梯"))}
            since = (district.spec.now - timedelta(days=90)).date().isoformat()
            t = time.perf_counter()
            body = await get(f"/export.csv?since={since}")
            seconds = time.perf_counter() - t
            rows = body.count(b"\n") - 1
            out["export_rows"] = rows
            out["export_rows_per_s"] = round(rows / seconds)
            # The XLSX of the last week (openpyxl's write-only workbook: no target of its own).
            week = f"/export.xlsx?since={(district.spec.now - timedelta(days=7)).date()}"
            t = time.perf_counter()
            await get(week)
            seconds = time.perf_counter() - t
            rows = (await get(week.replace(".xlsx", ".csv"))).count(b"\n") - 1
            out["export_xlsx_rows"] = rows
            out["export_xlsx_rows_per_s"] = round(rows / seconds)
    finally:
        await server.close()
    return out


async def on_sqlite(spec: DistrictSpec, settings: Settings) -> dict[str, Any]:
    cached, district = await cached_sqlite(spec, settings, log=_log)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "district.db"
        shutil.copy(cached, path)
        url = f"sqlite+aiosqlite:///{path}"
        db = Database(url)
        try:
            await db.upgrade()  # the cached file may predate a migration
            return await measure(db, replace(settings, database_url=url), district)
        finally:
            await db.dispose()


async def on_postgresql(spec: DistrictSpec, settings: Settings) -> dict[str, Any]:
    from tests import pgserver

    server = pgserver.start()
    try:
        import asyncpg

        conn = await asyncpg.connect(server.dsn("postgres"))
        await conn.execute("CREATE DATABASE district")
        await conn.close()
        url = server.url("district")
        db = Database(url)
        try:
            await db.upgrade()
            district = await build(db, settings, spec)
            _log(f"postgresql: generated {spec.issues:,} issues in {district.seconds} s")
            return await measure(db, replace(settings, database_url=url), district)
        finally:
            await db.dispose()
    finally:
        server.stop()


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    spec = DistrictSpec(groups=args.groups, issues=args.issues, storm=args.storm)
    settings = load_settings(env={})
    out: dict[str, Any] = {}
    if not args.no_sqlite:
        out["sqlite"] = await on_sqlite(spec, settings)
        _log(json.dumps(out["sqlite"]))
    if not args.no_pg:
        out["postgresql"] = await on_postgresql(spec, settings)
    return out


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--issues", type=int, default=1_000_000)
    p.add_argument("--groups", type=int, default=2000)
    p.add_argument("--storm", type=int, default=5000)
    p.add_argument("--no-pg", action="store_true")
    p.add_argument("--no-sqlite", action="store_true")
    print(json.dumps(asyncio.run(main(p.parse_args())), ensure_ascii=False))

"""Supervision figures at district scale: 2,000 groups under district → street → community →
grid, 1,000,000 issues over a year (bench/district.py, shared with the district bench), on
SQLite and PostgreSQL.

For each key (every org level, group, department, holder) it times one report for this month
with the previous month beside it (the dashboard's /api/stats.json): `compute_ms`, computing it
afresh (median of 3 after a warm-up), and `served_ms`, what a page waits for a report at most a
minute old (the dashboard's max_age); and counts the statements of one computation. Prints
{"sqlite": {"groups", "issues", "fill_s", "by": {KEY: {"compute_ms", "compute_min_ms",
"served_ms", "statements", "rows", "load_avg"}}}, "postgresql": {...}} (the machine's load
average beside each key: on a shared machine the times follow it). SQLite reads
bench/district.py's cached district (made once, minutes); PostgreSQL is filled each run.
Target: ≤ 300 ms, statements the same for every size (the suite checks that with 3 and 33
groups).

    .venv/bin/python bench/supervision_bench.py [--groups 2000 --issues 1000000]
                                               [--no-pg | --no-sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event

from bench.databases import on_both
from bench.district import DistrictSpec, build, cached_sqlite
from issues.db import Database
from issues.service import IssueService
from issues.settings import load_settings
from issues.supervision import BY
from issues.supervision_figures import Period


def _month(now: datetime) -> Period:
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start.replace(year=start.year + 1, month=1) if start.month == 12
           else start.replace(month=start.month + 1))
    return Period(start, end)


async def bench(url: str, spec: DistrictSpec, fill_s: float | None = None) -> dict[str, Any]:
    """Times the reports on `url`: a fresh database filled here, or (`fill_s` given) a
    district already built (SQLite's cached copy, only read)."""
    settings = load_settings(overrides={"database_url": url}, env={})
    db = Database(url)
    if fill_s is None:
        await db.upgrade()
        t = time.perf_counter()
        await build(db, settings, spec)
        fill_s = time.perf_counter() - t
    if not db.is_sqlite:
        async with db.engine.connect() as conn:
            await conn.exec_driver_sql("ANALYZE")
    svc = IssueService(db, settings, clock=lambda: spec.now)
    seen: list[int] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute",
                 lambda *a: seen.append(1))
    out: dict[str, Any] = {}
    period = _month(spec.now)
    for by in BY:
        report = await svc.supervision(by, period)  # warm-up
        cold = []
        for _ in range(3):
            seen.clear()
            t = time.perf_counter()
            await svc.supervision(by, period)  # max_age 0: computed every time
            cold.append((time.perf_counter() - t) * 1000)
        statements = len(seen)
        served = []
        for _ in range(5):  # what a page gets: a report at most a minute old
            t = time.perf_counter()
            await svc.supervision(by, period, max_age=60)
            served.append((time.perf_counter() - t) * 1000)
        out[by] = {"compute_ms": round(statistics.median(cold), 1),
                   "compute_min_ms": round(min(cold), 1),
                   "served_ms": round(statistics.median(served), 2),
                   "statements": statements, "rows": len(report.rows),
                   "load_avg": round(os.getloadavg()[0], 1)}
    await db.dispose()
    return {"groups": spec.groups, "issues": spec.issues, "fill_s": round(fill_s, 1),
            "by": out}


async def main(args: argparse.Namespace) -> dict[str, Any]:
    spec = DistrictSpec(groups=args.groups, issues=args.issues)
    out: dict[str, Any] = {}
    if not args.no_sqlite:  # the district bench's cached SQLite district (bench/.cache/)
        settings = load_settings(overrides={"database_url": "sqlite://"}, env={})
        path, district = await cached_sqlite(spec, settings)
        out["sqlite"] = await bench(f"sqlite+aiosqlite:///{path}", spec, district.seconds)
    if not args.no_pg:
        out |= await on_both(lambda url: bench(url, spec), sqlite=False)
    return out


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--groups", type=int, default=2000)
    p.add_argument("--issues", type=int, default=1_000_000)
    p.add_argument("--no-pg", action="store_true")
    p.add_argument("--no-sqlite", action="store_true")
    print(json.dumps(asyncio.run(main(p.parse_args())), ensure_ascii=False))

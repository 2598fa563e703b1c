"""`suqiu db upgrade` and `suqiu nlp feedback`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from issues.db import Database
from issues.service import IssueService
from issues.settings import load_settings


def db_upgrade_main(args: argparse.Namespace) -> int:
    settings = load_settings()

    async def run() -> tuple[str | None, str | None]:
        db = Database(settings.database_url)
        try:
            return await db.upgrade()
        finally:
            await db.dispose()

    before, after = asyncio.run(run())
    safe_url = settings.database_url.split("@")[-1]  # never print a password
    if before == after:
        print(f"数据库已是最新版本（{after}），无需升级：{safe_url}")
    elif before is None:
        print(f"已建好数据库（版本 {after}）：{safe_url}")
    else:
        print(f"数据库已从版本 {before} 升级到 {after}：{safe_url}")
    return 0


def feedback_main(args: argparse.Namespace) -> int:
    settings = load_settings()

    async def run() -> list[dict[str, object]]:
        db = Database(settings.database_url)
        try:
            await db.require_current()
            return await IssueService(db, settings).feedback_rows()
        finally:
            await db.dispose()

    rows = asyncio.run(run())
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")  # noqa: SIM115
    try:
        for row in rows:
            out.write(json.dumps({"text": row["text"], "label": row["label"]},
                                 ensure_ascii=False) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    print(f"导出 {len(rows)} 条标注样本", file=sys.stderr)
    return 0

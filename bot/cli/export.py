"""`suqiu export`: the ledger (台账) as CSV or XLSX, from the database the operator means.

The writing itself is the dashboard's (`web.export`); this adds what a person at a terminal
needs: dates and statuses already checked by the parser, and when nothing was exported from
the default database while a sandbox ledger exists, the command that exports that one.
"""

from __future__ import annotations

import argparse
import os
from datetime import date
from pathlib import Path

SANDBOX_DB = Path("data/sandbox.db")


def export_main(args: argparse.Namespace) -> int:
    from issues.db import SchemaBehind
    from web.export import export_main as write_export

    if args.what == "hotline":
        from bot.cli.hotline import export_main as export_hotline

        return export_hotline(args)
    args.since = _iso(args.since)
    args.until = _iso(args.until)
    try:
        rows = write_export(args)
    except SchemaBehind:  # the default ledger was never set up; the sandbox's may be meant
        _sandbox_hint(args)
        raise
    if rows == 0:
        _sandbox_hint(args)
    return 0


def _sandbox_hint(args: argparse.Namespace) -> None:
    if args.db_file is None and not os.environ.get("SUQIU_DATABASE_URL") \
            and SANDBOX_DB.is_file():
        print(f"（这个数据库里没有诉求。沙盒的台账在 {SANDBOX_DB}：suqiu export --db "
              f"{SANDBOX_DB} -o {args.output}）")


def _iso(day: date | str | None) -> str | None:
    return day.isoformat() if isinstance(day, date) else day

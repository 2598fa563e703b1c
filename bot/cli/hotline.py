"""`suqiu import hotline FILE`: 12345 orders (CSV or JSON) into the ledger, each in the group
that owns its place; the running bot posts their cards (bot.jobs.practices). `suqiu export
hotline -o FILE`: what became of each order, to send back to the hotline (CSV or JSON by the
file's suffix)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, time
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.cli import CliError
from issues.db import Database
from issues.errors import IssueError
from issues.hotline import parse_orders
from issues.service import IssueService
from issues.settings import load_settings
from nlp import summarize
from web.hotline import imported_json, outcome_row, outcomes_text

T = TypeVar("T")


def _kind(path: str, given: str | None) -> str:
    kind = given or Path(path).suffix.lower().lstrip(".")
    if kind not in ("csv", "json"):
        raise CliError(f"{path}：请用 .csv 或 .json 文件，或用 --format csv/json 指明格式")
    return kind


def _with_service(work: Callable[[IssueService], Awaitable[T]]) -> T:
    settings = load_settings()

    async def run() -> T:
        db = Database(settings.database_url)
        try:
            await db.require_current()
            return await work(IssueService(db, settings, summarize=summarize))
        finally:
            await db.dispose()

    return asyncio.run(run())


def import_main(args: argparse.Namespace) -> int:
    kind = _kind(args.file, args.format)
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise CliError(f"读不了文件 {args.file}：{exc.strerror}") from None
    try:
        orders = parse_orders(data, kind, load_settings().practices.hotline.columns)
    except IssueError as err:
        raise CliError(f"{args.file}：{_problem(err)}") from None

    async def work(svc: IssueService) -> dict[str, object]:
        return imported_json(await svc.hotline.import_orders(orders))

    done = _with_service(work)
    failed = done["failed"]
    assert isinstance(failed, list)
    print(f"{len(orders)} 条工单：新建 {done['created']} 条，已导入过 {done['existing']} 条，"
          f"失败 {len(failed)} 条。新工单的卡片由运行中的机器人发到各群。")
    for f in failed:
        print(f"  工单 {f['order']}：{_ERRORS.get(f['error'], f['error'])}", file=sys.stderr)
    return 1 if failed else 0


_ERRORS = {
    "hotline_unrouted": "没有哪个群负责这个地点（practices.hotline.routes），"
                        "也没有设置 fallback_group",
    "hotline_group": "路由表里的群名找不到或不唯一",
    "group_unknown": "路由表里的群（chat id）还没有登记",
    "empty_text": "工单内容是空的",
}


def _problem(err: IssueError) -> str:
    p = err.params
    return {
        "hotline_row": f"第 {p.get('line')} 行缺少工单号（number）或内容（text）",
        "hotline_time": f"第 {p.get('line')} 行的时间看不懂：{p.get('value')}",
        "hotline_json": f"不是有效的 JSON（第 {p.get('line')} 行）",
        "hotline_encoding": "文件不是 UTF-8 编码",
        "hotline_too_many": f"一次最多导入 {p.get('limit')} 条",
        "hotline_too_big": "文件太大",
    }.get(err.code, err.code)


def export_main(args: argparse.Namespace) -> int:
    kind = _kind(args.output, None)
    settings = load_settings()
    tz = settings.timezone
    since = datetime.combine(args.since, time(), ZoneInfo(tz)) if args.since else None

    async def work(svc: IssueService) -> str:
        rows = [outcome_row(o, tz) for o in await svc.hotline.outcomes(since)]
        return outcomes_text(rows, kind)

    text = _with_service(work)
    Path(args.output).write_text(text, encoding="utf-8")
    print(f"已导出热线工单的办理情况到 {args.output}。")
    return 0

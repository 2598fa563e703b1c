"""The ledger (台账) as CSV (UTF-8 with BOM, so Excel shows Chinese) or XLSX, with Chinese
headers; from the dashboard and from `suqiu export`."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from issues.views import LEVEL_NAMES, LEVELS, LIGHT_NAMES, IssueView

HEADERS = ["编号", "全局编号", "群", "类别", "摘要", "内容", "地点", "纬度", "经度", "状态",
           "紧急", "报告人", "负责人", "承办部门", "层级", "同类反映", "受理时限", "办结时限",
           "提交时间", "受理时间", "办结时间", "评价", "亮灯"]
WIDTHS = [7, 9, 18, 10, 24, 40, 16, 10, 10, 9, 6, 10, 10, 10, 7, 9, 17, 17, 17, 17, 17, 6, 7]


def _t(at: datetime | None, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M") if at else ""


def row(i: IssueView, tz: str) -> list[object]:
    return [
        f"#{i.number}", i.id, i.group_title, i.category_name, i.summary, i.text[:2000],
        i.location_text or "", i.lat if i.lat is not None else "",
        i.lon if i.lon is not None else "", i.status_name, "是" if i.urgent else "",
        i.reporter.name, i.assignee.name if i.assignee else "", i.department_name or "",
        LEVEL_NAMES[LEVELS[i.escalation_level]], i.report_count, _t(i.ack_due_at, tz),
        _t(i.resolve_due_at, tz), _t(i.created_at, tz), _t(i.acknowledged_at, tz),
        _t(i.resolved_at, tz), i.rating or "", LIGHT_NAMES.get(i.light or "", ""),
    ]


def to_csv(issues: list[IssueView], tz: str) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADERS)
    for i in issues:
        w.writerow(row(i, tz))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(issues: list[IssueView], tz: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "诉求台账"
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="2F80ED")
        cell.alignment = Alignment(horizontal="center")
    for i in issues:
        ws.append(row(i, tz))
    for n, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[ws.cell(1, n).column_letter].width = width
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_main(args: argparse.Namespace) -> int:
    """Write the export `args` asks for; returns the number of issues written (the CLI,
    `bot.cli.export`, turns that into its exit status and hints)."""
    from issues.db import Database
    from issues.service import IssueService
    from issues.settings import load_settings
    from issues.views import IssueFilter

    settings = load_settings()
    zone = ZoneInfo(settings.timezone)

    def day(text: str | None) -> datetime | None:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=zone) if text else None

    async def run() -> list[IssueView]:
        db = Database(settings.database_url)
        try:
            await db.upgrade()
            f = IssueFilter(status=args.status, category=args.category, chat_id=args.group,
                            since=day(args.since), until=day(args.until))
            return await IssueService(db, settings).ledger_rows(f)
        finally:
            await db.dispose()

    issues = asyncio.run(run())
    data = to_xlsx(issues, settings.timezone) if args.format == "xlsx" else to_csv(
        issues, settings.timezone)
    with open(args.output, "wb") as fh:
        fh.write(data)
    print(f"已导出 {len(issues)} 条诉求到 {args.output}")
    return len(issues)

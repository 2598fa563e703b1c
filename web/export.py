"""The ledger (台账) as CSV (UTF-8 with BOM, so Excel shows Chinese) or XLSX, with Chinese
headers; from the dashboard and from `suqiu export`.

In the XLSX times are real dates and durations (Excel sorts them and computes 用时 with them),
the header row has an autofilter, ratings are words, and a second sheet holds the supervision
figures of the same selection. The CSV carries the same columns, times as
`YYYY-MM-DD HH:MM` in the group's timezone and durations as decimal hours.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from tqdm import tqdm

from issues.supervision_figures import Figures as Unit
from issues.views import LEVELS, IssueView, PersonRef, Stats
from web.cells import as_text, csv_cells
from web.names import LEVEL_NAMES, LIGHT_NAMES, STATUS_NAMES, rating_word

# (header, width, kind): kind says how XLSX stores the value and CSV writes it ("text" is
# anyone's words, neutralised in CSV; "word" one of ours: a status, a category, yes/no).
COLUMNS: list[tuple[str, int, str]] = [
    ("诉求编号", 22, "text"), ("全区编号", 9, "int"), ("群", 18, "text"), ("群内编号", 8, "int"),
    ("类别", 10, "word"), ("摘要", 24, "text"), ("内容", 40, "text"), ("地点", 16, "text"),
    ("纬度", 10, "float"), ("经度", 10, "float"), ("状态", 9, "word"), ("紧急", 6, "word"),
    ("报告人", 10, "text"), ("负责人", 12, "text"), ("承办部门", 10, "word"),
    ("层级", 7, "word"), ("同类反映", 8, "int"), ("提交时间", 17, "time"),
    ("受理时限", 17, "time"), ("受理时间", 17, "time"), ("受理用时", 10, "duration"),
    ("按时受理", 8, "word"), ("办结时限", 17, "time"), ("办结时间", 17, "time"),
    ("办结用时", 10, "duration"), ("按时办结", 8, "word"), ("办理结果", 30, "text"),
    ("回访评价", 9, "word"), ("亮灯", 7, "word"), ("标记", 12, "word"),
]
HEADERS = [c[0] for c in COLUMNS]
TIME_FORMAT = "yyyy-mm-dd hh:mm"
DURATION_FORMAT = "[h]:mm"


def _on_time(done: datetime | None, due: datetime) -> str:
    return "" if done is None else "是" if done <= due else "否"


def _result(i: IssueView) -> str:
    """办理结果: what the resolution said (办结说明), or why it was rejected."""
    if i.status == "rejected":
        return f"不予受理：{i.reject_reason or ''}".rstrip("：")
    if i.status not in ("resolved", "closed"):
        return ""
    return i.resolution_note or STATUS_NAMES[i.status]


def rows(issues: Iterable[IssueView], tz: str,
         owners: dict[int, PersonRef | None] | None = None,
         time: Callable[[datetime | None], object] | None = None) -> Iterator[list[object]]:
    """Each issue as typed values: local naive datetimes, timedeltas, ints, floats, text (the
    CSV and the XLSX alike; `time` writes the times instead, as the CSV does). What every row
    shares (the zone, the names) is looked up once per batch: a million-row export adds up
    each lookup made per row."""
    zone = ZoneInfo(tz)
    owners = owners or {}
    statuses, levels, lights = dict(STATUS_NAMES), dict(LEVEL_NAMES), dict(LIGHT_NAMES)

    def naive(at: datetime | None) -> datetime | None:
        if at is None:
            return None
        local = at.astimezone(zone)
        return datetime.combine(local.date(), local.time())  # twice replace()'s speed

    t = time or naive
    for i in issues:
        created, acked, resolved = i.created_at, i.acknowledged_at, i.resolved_at
        owner = owners.get(i.chat_id)
        assignee = i.assignee.name if i.assignee else f"{owner.name}（群主）" if owner else ""
        yield [
            i.reference, i.id, i.group_title, i.number, i.category_name,
            i.summary, i.text[:2000], i.location_text or "", i.lat, i.lon, statuses[i.status],
            "是" if i.urgent else "", i.reporter.name, assignee, i.department_name or "",
            levels[LEVELS[i.escalation_level]], i.report_count, t(created),
            t(i.ack_due_at), t(acked), acked - created if acked else None,
            _on_time(acked, i.ack_due_at), t(i.resolve_due_at), t(resolved),
            resolved - created if resolved else None, _on_time(resolved, i.resolve_due_at),
            _result(i), rating_word(i.rating), lights[i.light] if i.light else "", marks(i),
        ]


def marks(i: IssueView) -> str:
    """曾超时 (a deadline was missed) and 已升级 (sent beyond the grid): kept after escalation
    and after the issue is done, so late and escalated issues stay visible in the ledger."""
    return _MARKS[i.was_late, i.escalated]


# (was late, escalated) → the marks column (a lookup per row, not a join).
_MARKS = {(late, up): "、".join(word for word, on in (("曾超时", late), ("已升级", up)) if on)
          for late in (False, True) for up in (False, True)}


class CsvTimes:
    """UTC times as the CSV writes them, `YYYY-MM-DD HH:MM` in the zone: each day's text made
    once, the minute's taken from a table (a datetime's isoformat per cell was most of the
    time a row took to format)."""

    def __init__(self, tz: str) -> None:
        self.zone = ZoneInfo(tz)
        self.days: dict[date, str] = {}

    def __call__(self, at: datetime | None) -> str:
        if at is None:
            return ""
        local = at.astimezone(self.zone)
        day = local.date()
        text = self.days.get(day)
        if text is None:
            text = self.days[day] = f"{day.isoformat()} "
        return text + _CLOCK[local.hour * 60 + local.minute]


_CLOCK = [f"{h:02d}:{m:02d}" for h in range(24) for m in range(60)]  # a day's minutes


def _csv_hours(value: Any) -> str:
    """A duration (a timedelta, or None) in decimal hours."""
    return "" if value is None else f"{value.total_seconds() / 3600:.2f}"


# The columns CSV writes otherwise than `rows` gives them (the csv module writes None as an
# empty cell): anyone's text neutralised (web.cells), durations in hours.
CSV_TEXT = [n for n, (_, _, kind) in enumerate(COLUMNS) if kind == "text"]
CSV_HOURS = [n for n, (_, _, kind) in enumerate(COLUMNS) if kind == "duration"]


@dataclass(frozen=True)
class Figure:
    """One supervision figure for the second sheet: name, value, what it counts."""

    name: str
    value: object
    note: str = ""


def satisfaction(rate: float | None, rated: int, least: int) -> tuple[object, str]:
    """满意度 as the dashboard publishes it (figures.satisfaction_min_ratings): a rate only
    from `least` ratings up, else a dash; and the count either way."""
    if rated < least:
        return "—", f"{rated} 条评价，不足 {least} 条，暂不计算"
    return rate, f"满意或基本满意 ÷ 评价数（{rated} 条评价）"


def figures_of(s: Stats, least: int) -> list[Figure]:
    """The published figures of a selection (the issues received in its window); `least`:
    the ratings a 满意度 needs."""
    def hours(v: float | None) -> float | None:
        return None if v is None else round(v, 2)

    return [
        Figure("收到", s.received, "期间收到的诉求（不含误识别）"),
        Figure("受理", s.answered, "其中已受理的"),
        Figure("办结", s.resolved, "其中已办结或已关闭的"),
        Figure("不予受理", s.rejected),
        Figure("办结率", s.resolution_rate, "办结 ÷（收到 − 不予受理）"),
        Figure("满意度", *satisfaction(s.satisfaction_rate, s.rated, least)),
        Figure("受理用时中位数（小时）",
               hours(None if s.median_ack_minutes is None else s.median_ack_minutes / 60),
               "从提交到受理，中位数"),
        Figure("办结用时中位数（小时）", hours(s.median_resolve_hours), "从提交到办结，中位数"),
        Figure("红灯（超时）", s.overdue.get("red", 0), "导出时已超过时限的未办结诉求"),
        Figure("黄灯（临期）", s.overdue.get("yellow", 0), "导出时已用去 75% 时限的未办结诉求"),
    ]


UNIT_COLUMNS = ["收到", "按时受理率", "按时办结率", "受理用时中位数（小时）",
                "受理用时P90（小时）", "办结用时中位数（小时）", "办结用时P90（小时）",
                "红灯（现在）", "黄灯（现在）", "重新打开", "重复投诉", "满意", "基本满意",
                "不满意", "满意度", "评价数"]


def _unit_table(sheet: Worksheet, level: str, rows: list[Unit], least: int) -> None:
    """The supervision figures per unit (or group, department, holder) below the headline
    figures; a holder who owns a group is marked （群主）, as on the page."""
    def hours(seconds: float | None) -> float | None:
        return None if seconds is None else round(seconds / 3600, 2)

    sheet.append([])
    sheet.append([_styled(sheet, h, font=Font(bold=True)) for h in (level, *UNIT_COLUMNS)])
    for f in rows:
        values: list[object] = [
            f"{f.name}（群主）" if f.owner else f.name, f.received, f.ack_rate,
            f.resolve_rate, hours(f.ack_p50_s), hours(f.ack_p90_s), hours(f.resolve_p50_s),
            hours(f.resolve_p90_s), f.red, f.yellow, f.reopened, f.repeat, f.satisfied,
            f.basic, f.unsatisfied, satisfaction(f.satisfaction_rate, f.rated, least)[0],
            f.rated]
        sheet.append([_text(sheet, v) if n == 0 else  # a name may start like a formula
                      _styled(sheet, v, number_format="0.0%") if n in (2, 3, 15) else v
                      for n, v in enumerate(values)])


def csv_header() -> bytes:
    """The BOM (so Excel reads UTF-8) and the header line."""
    buf = io.StringIO()
    csv.writer(buf).writerow([f"{h}（小时）" if kind == "duration" else h
                              for h, _, kind in COLUMNS])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def csv_rows(issues: Iterable[IssueView], tz: str,
             owners: dict[int, PersonRef | None] | None = None) -> bytes:
    """The lines of some issues: an export is written a batch at a time, each row as it
    comes (a row kept until the batch is written is one more object for the collector to
    walk, a batch of them makes it walk the whole heap)."""
    buf = io.StringIO()
    write_row = csv.writer(buf).writerow
    for values in rows(issues, tz, owners, CsvTimes(tz)):
        csv_cells(values, CSV_TEXT)
        for n in CSV_HOURS:
            values[n] = _csv_hours(values[n])
        write_row(values)
    return buf.getvalue().encode("utf-8")


# The number format of each ledger column that has one (times and durations), else None.
XLSX_FORMATS = [TIME_FORMAT if kind == "time" else DURATION_FORMAT
                if kind == "duration" else None for _, _, kind in COLUMNS]


def _styled(ws: Worksheet, value: object, **style: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value)
    for name, v in style.items():
        setattr(cell, name, v)
    return cell


def _text(ws: Worksheet, value: object) -> object:
    """A value that stays text: openpyxl would write a string starting with = as a formula
    (web.cells: such a value must never run when the ledger is opened)."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(ws, value)
        as_text([cell])
        return cell
    return value


def _sheet(wb: Workbook, title: str, headers: list[str], widths: list[int]) -> Worksheet:
    """A write-only sheet: widths and frozen header first (a streamed sheet takes nothing
    once its rows have begun), then the header row."""
    ws = wb.create_sheet(title)
    for n, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(n)].width = width
    ws.freeze_panes = "A2"
    ws.append([_styled(ws, h, font=Font(bold=True, color="FFFFFF"),
                       fill=PatternFill("solid", fgColor="1D5FBF"),
                       alignment=Alignment(horizontal="center")) for h in headers])
    return ws


class XlsxLedger:
    """The ledger as XLSX, written a batch at a time: openpyxl's write-only workbook puts
    rows in a temporary file as they come, so a district's year is never held in memory."""

    def __init__(self, tz: str, owners: dict[int, PersonRef | None] | None = None) -> None:
        self.tz, self.owners = tz, owners
        self.wb = Workbook(write_only=True)
        self.ws = _sheet(self.wb, "诉求台账", HEADERS, [w for _, w, _ in COLUMNS])
        self.rows = 0

    def add(self, issues: Iterable[IssueView]) -> None:
        ws = self.ws
        for values in rows(issues, self.tz, self.owners):
            ws.append([_text(ws, v) if fmt is None or v is None else
                       _styled(ws, v, number_format=fmt)
                       for v, fmt in zip(values, XLSX_FORMATS, strict=True)])
            self.rows += 1

    def finish(self, figures: list[Figure] | None = None,
               units: tuple[str, list[Unit]] | None = None, least: int = 0) -> bytes:
        """The workbook, with the headline and supervision figures on a second sheet (a
        unit's 满意度 from `least` ratings up, as `figures_of`'s)."""
        self.ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{self.rows + 1}"
        if figures is not None:
            sheet = _sheet(self.wb, "督办指标", ["指标", "数值", "说明"], [24, 12, 48])
            for f in figures:
                rate = isinstance(f.value, float) and f.name in ("办结率", "满意度")
                sheet.append([f.name, _styled(sheet, f.value, number_format="0.0%")
                              if rate else f.value, f.note])
            if units is not None:
                _unit_table(sheet, *units, least)
        out = io.BytesIO()
        self.wb.save(out)
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

    async def run() -> int:
        """The rows are read a batch at a time (keyset) and written as they come, under a
        progress bar (an XLSX workbook's file once all rows are in)."""
        db = Database(settings.database_url)
        try:
            await db.require_current()
            until = day(args.until)
            f = IssueFilter(status=args.status, category=args.category, chat_id=args.group,
                            holder_user_id=args.holder, since=day(args.since),
                            until=until + timedelta(days=1) if until else None)
            svc = IssueService(db, settings)
            owners = {g.chat_id: g.owner for g in await svc.list_groups()}
            book = XlsxLedger(settings.timezone, owners) if args.format == "xlsx" else None
            written = 0
            with open(args.output, "wb") as fh, tqdm(  # noqa: ASYNC230 (the CLI's own loop)
                    total=await svc.count_issues(f), unit="条", desc="导出", disable=None,
                    file=sys.stderr) as bar:
                if book is None:
                    fh.write(csv_header())
                async for batch in svc.ledger_stream(f):
                    if book is not None:
                        book.add(batch)
                    else:
                        fh.write(csv_rows(batch, settings.timezone, owners))
                    bar.update(len(batch))
                    written += len(batch)
                if book is not None:
                    stats = await svc.statistics.selection(f)
                    fh.write(book.finish(figures_of(stats, settings.satisfaction_min_ratings)))
            return written
        finally:
            await db.dispose()

    written = asyncio.run(run())
    print(f"已导出 {written} 条诉求到 {args.output}")
    return written

"""`suqiu replay EXPORT.json`: what Suqiu would have caught in a group's past chat.

A group owner exports the group from Telegram Desktop (result.json) and sees, before adding
the bot, what it would have opened last month. With --apply the messages also go through
intake into the database, so duplicates merge exactly as they would have live.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from nlp import detect
from nlp.types import CATEGORIES, Detection


@dataclass(frozen=True)
class ExportedMessage:
    """One ordinary message of a Telegram Desktop export, flattened to plain text."""

    message_id: int
    date: datetime
    sender: str
    sender_id: int
    text: str


# (message, detection, what happened: a key of OUTCOMES, the issue's number)
Outcomes = list[tuple["ExportedMessage", Detection, str, int]]


class ExportError(ValueError):
    """The file is not a Telegram Desktop chat export."""


def _flatten(text: Any) -> str:
    """Export text is a string or a list of strings and {"type", "text"} entity pieces."""
    if isinstance(text, str):
        return text
    if isinstance(text, list):
        return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in text)
    return ""


def _sender_id(raw: object) -> int:
    digits = "".join(ch for ch in str(raw or "") if ch.isdigit())
    return int(digits) if digits else 0


def _date(msg: dict[str, Any]) -> datetime:
    if msg.get("date_unixtime"):
        return datetime.fromtimestamp(int(msg["date_unixtime"]), UTC)
    try:
        return datetime.fromisoformat(str(msg.get("date"))).replace(tzinfo=UTC)
    except ValueError:
        return datetime.fromtimestamp(0, UTC)


def read_export(path: Path) -> tuple[dict[str, Any], list[ExportedMessage]]:
    """Parse result.json; service messages and media without text are left out."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExportError(f"无法读取导出文件 {path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        raise ExportError(f"{path} 不是 Telegram Desktop 的群聊导出 (result.json)")
    out = []
    for msg in data["messages"]:
        if not isinstance(msg, dict) or msg.get("type") != "message":
            continue
        text = _flatten(msg.get("text")) or _flatten(msg.get("caption"))
        if not text.strip():
            continue
        out.append(ExportedMessage(
            message_id=int(msg.get("id", 0)),
            date=_date(msg),
            sender=str(msg.get("from") or "匿名"),
            sender_id=_sender_id(msg.get("from_id")),
            text=text,
        ))
    return data, out


def _detections(
    messages: list[ExportedMessage], progress: bool
) -> Iterator[tuple[ExportedMessage, Detection]]:
    bar = tqdm(messages, desc="检测", unit="条", file=sys.stderr, disable=not progress)
    for msg in bar:
        yield msg, detect(msg.text)


def replay_main(args: argparse.Namespace) -> int:
    try:
        data, messages = read_export(Path(args.file))
    except ExportError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    found = [(m, d) for m, d in _detections(messages, sys.stderr.isatty()) if d.is_issue]
    opened: Outcomes
    if args.apply:
        opened = asyncio.run(_apply(data, found))
    else:
        opened = [(m, d, "would_open", 0) for m, d in found]
    _print_report(str(data.get("name") or args.file), len(messages), opened, args.apply)
    return 0


async def _apply(
    data: dict[str, Any], found: list[tuple[ExportedMessage, Detection]]
) -> Outcomes:
    """Run each detection through intake, as the live bot would, and say what happened."""
    from issues.db import Database
    from issues.service import IssueService
    from issues.settings import load_settings
    from issues.views import PersonRef

    settings = load_settings()
    db = Database(settings.database_url)
    service = IssueService(db, settings)
    chat_id = -abs(int(data.get("id") or 1))
    title = str(data.get("name") or "导入的群")
    results = []
    try:
        await db.require_current()
        await service.register_group(chat_id, title, owner=None, admins=[])
        for msg, det in tqdm(found, desc="建档", unit="条", file=sys.stderr,
                             disable=not sys.stderr.isatty()):
            reporter = PersonRef(msg.sender_id or None, msg.sender, None)
            res = await service.intake(chat_id, msg.message_id, reporter, msg.text, det,
                                       at=msg.date)
            outcome = "opened" if res.created else ("seconded" if res.seconded else "existing")
            results.append((msg, det, outcome, res.issue.number))
    finally:
        await db.dispose()
    return results


# What happened to each detection, as the operator reads it.
OUTCOMES = {"would_open": "将新建", "opened": "新建 #{number}", "seconded": "并入 #{number}",
            "existing": "早已登记 #{number}"}


def _print_report(
    name: str, total: int, opened: Outcomes, applied: bool
) -> None:
    by_cat = Counter(d.category for _, d, _, _ in opened)
    urgent = sum(1 for _, d, _, _ in opened if d.urgent)
    print(f"群聊: {name}")
    print(f"文字消息 {total} 条，识别为诉求 {len(opened)} 条（紧急 {urgent} 条）")
    if applied:
        new = sum(1 for _, _, code, _ in opened if code == "opened")
        print(f"已写入数据库: 新建 {new} 件，合并为 +1 的 {len(opened) - new} 条")
    print()
    print("按类别:")
    for code, n in by_cat.most_common():
        print(f"  {CATEGORIES.get(code, code):<8} {n:>5}")
    print()
    print("明细:")
    for msg, det, code, number in opened:
        outcome = OUTCOMES[code].format(number=number)
        flag = "⚠紧急 " if det.urgent else ""
        when = msg.date.strftime("%Y-%m-%d %H:%M")
        place = f" · {det.location}" if det.location else ""
        print(f"  {when} {msg.sender}: {flag}[{det.category_name}] {det.summary}{place}"
              f"（{outcome}）")

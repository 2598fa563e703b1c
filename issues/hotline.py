"""12345 hotline orders in the groups' ledger.

An order (number, time, text, category, address, caller's phone) from a CSV or JSON file
(`suqiu import hotline FILE`) or from the dashboard's API becomes a report on the "12345"
channel with the order number as its external id, so importing a file twice opens each issue
once. It goes to the group that owns its place: the first route of the operator's table
(`practices.hotline.routes`: a pattern matched against the address, else the text) names the
group, and `fallback_group` takes the rest. Its category is ours when the order's category
(or one level of its path) is one of our codes or names or a word of
`practices.hotline.categories`; otherwise "other". What became of each order (status, its
progress, the resolution and the caller's rating) is exported back per order (`outcomes`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from issues.errors import InvalidInput, IssueError
from issues.intake import Intake
from issues.ledger import Ledger
from issues.lifecycle import OPEN_STATUSES
from issues.models import Event, Group, Issue, Report
from issues.unit_of_work import Room
from issues.views import Channel, IssueView, NewReport

# Column names a file may use for each field (case and spaces ignored).
FIELDS: dict[str, tuple[str, ...]] = {
    "number": ("number", "order", "order_no", "order_number", "orderno", "id"),
    "time": ("time", "at", "created", "created_at", "received_at"),
    "text": ("text", "content", "description", "body"),
    "category": ("category", "type", "service"),
    "address": ("address", "place", "location"),
    "phone": ("phone", "caller", "tel", "telephone", "mobile"),
}
MAX_ORDERS = 10_000  # one file or request
MAX_BYTES = 20_000_000
_LEVELS = re.compile(r"\s*[/>＞|｜\\-]\s*")
EXPORTED_EVENTS = ("acknowledge", "progress", "resolve", "reject", "reopen")


@dataclass(frozen=True)
class Order:
    number: str
    text: str
    at: datetime | None = None
    category: str = ""
    address: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Imported:
    """One order's fate: its issue (created now, or found from an earlier import), or the
    error code that kept it out."""

    number: str
    issue: IssueView | None
    created: bool
    error: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What became of an order, to send back to the hotline."""

    number: str
    issue: IssueView
    steps: tuple[tuple[datetime, str, str], ...]  # (when, event kind, note)


def _key(name: str) -> str:
    return re.sub(r"[\s_-]+", "_", name.strip().lower())


def _field(row: dict[str, Any], name: str) -> str:
    for alias in FIELDS[name]:
        for key, value in row.items():
            if _key(str(key)) == alias and value not in (None, ""):
                return str(value).strip()
    return ""


def _time(text: str) -> datetime | None:
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text.strip().replace("/", "-").replace(" ", "T", 1))
    except ValueError:
        raise InvalidInput("hotline_time", value=text[:40]) from None
    return at


def _order(row: object, line: int, columns: Mapping[str, str]) -> Order:
    if not isinstance(row, dict):
        raise InvalidInput("hotline_row", line=line)
    row = {columns.get(str(k).strip(), k): v for k, v in row.items()}
    number, text = _field(row, "number"), _field(row, "text")
    if not number or not text:
        raise InvalidInput("hotline_row", line=line)
    try:
        at = _time(_field(row, "time"))
    except InvalidInput as err:
        raise InvalidInput("hotline_time", line=line, **err.params) from None
    return Order(number[:150], text, at, _field(row, "category"), _field(row, "address")[:200],
                 _field(row, "phone")[:40])


def parse_orders(data: bytes | str, kind: str,
                 columns: Mapping[str, str] | None = None) -> list[Order]:
    """The orders of a CSV (a header row naming the fields) or JSON file (a list of
    objects, or {"orders": [...]}); a bad row stops the whole file with its line. `columns`
    renames a hotline system's own column names (`practices.hotline.columns`) to ours."""
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise InvalidInput("hotline_too_big", limit=MAX_BYTES)
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput("hotline_encoding") from None
    if kind == "json":
        try:
            raw = json.loads(data)
        except json.JSONDecodeError as exc:
            raise InvalidInput("hotline_json", line=exc.lineno) from None
        rows = raw.get("orders") if isinstance(raw, dict) else raw
        if not isinstance(rows, list):
            raise InvalidInput("hotline_json", line=1)
        numbered: Iterable[tuple[int, object]] = enumerate(rows, 1)
    elif kind == "csv":
        reader = csv.DictReader(io.StringIO(data))
        numbered = ((reader.line_num, row) for row in reader)
    else:
        raise InvalidInput("hotline_format", kind=kind)
    orders = [_order(row, line, columns or {}) for line, row in numbered]
    if len(orders) > MAX_ORDERS:
        raise InvalidInput("hotline_too_many", limit=MAX_ORDERS)
    return orders


@dataclass(eq=False)
class Hotline(Room):
    ledger: Ledger
    intake: Intake

    def category(self, given: str) -> str:
        """Our category for the order's: a code, a name or a mapped word, at any level of
        its path, the most specific level first; "other" when none is known."""
        names = {c.name: code for code, c in self.settings.categories.items()}
        words = self.settings.practices.hotline.categories
        for level in reversed([x for x in _LEVELS.split(given.strip()) if x]):
            code = level if level in self.settings.categories else (
                names.get(level) or words.get(level))
            if code in self.settings.categories:
                return str(code)
        return "other"

    async def route(self, order: Order) -> int:
        """The chat id of the group owning the order's place."""
        hot = self.settings.practices.hotline
        target = next((r.group for r in hot.routes if r.pattern.search(order.address)), None)
        if target is None:
            target = next((r.group for r in hot.routes if r.pattern.search(order.text)),
                          hot.fallback_group)
        if target is None:
            raise InvalidInput("hotline_unrouted", number=order.number)
        if isinstance(target, int):
            return target

        async def run(s: AsyncSession) -> int:
            chats = (await s.execute(select(Group.chat_id).where(
                Group.title == target, Group.department_code.is_(None)))).scalars().all()
            if len(chats) != 1:
                raise InvalidInput("hotline_group", group=target, found=len(chats))
            return int(chats[0])

        return await self.uow.read(run)

    async def import_orders(self, orders: Sequence[Order]) -> list[Imported]:
        """Each order as a report in its group; an order that cannot be taken is reported
        with its error and the others go on."""
        out: list[Imported] = []
        now = self.clock()
        for order in orders:
            try:
                chat_id = await self.route(order)
                at = order.at
                if at is not None and at.tzinfo is None:  # the district's own clock
                    at = at.replace(tzinfo=ZoneInfo(self.settings.timezone))
                report = NewReport(Channel.HOTLINE, self.category(order.category), order.text,
                                   Channel.HOTLINE.value, reporter_id=order.phone or None,
                                   external_id=order.number, location=order.address or None)
                result = await self.intake.submit_report(
                    chat_id, report, at=min(at, now) if at is not None else None)
            except IssueError as err:
                out.append(Imported(order.number, None, False, err.code))
                continue
            out.append(Imported(order.number, result.issue, result.created))
        return out

    async def outcomes(self, since: datetime | None = None, numbers: Sequence[str] = (),
                       newest: int = 0) -> list[Outcome]:
        """Every order's issue as it stands (of orders received since `since`, or those
        numbered), with its steps, oldest order first; with `newest`, only that many of the
        latest, newest first (the dashboard's list)."""
        async def run(s: AsyncSession) -> list[Outcome]:
            q = (select(Report.external_id, Issue).join(Issue, Issue.id == Report.issue_id)
                 .where(Report.channel == str(Channel.HOTLINE)))
            if since is not None:
                q = q.where(Report.created_at >= since)
            if numbers:
                q = q.where(Report.external_id.in_(list(numbers)))
            if newest:
                q = q.order_by(Report.created_at.desc(), Report.id.desc()).limit(newest)
            else:
                q = q.order_by(Report.created_at, Report.id)
            rows = (await s.execute(q)).all()
            views = await self.ledger.views(s, [r[1] for r in rows])
            steps: dict[int, list[tuple[datetime, str, str]]] = {}
            ids = [r[1].id for r in rows]
            for start in range(0, len(ids), 500):
                for e in (await s.execute(select(Event).where(
                        Event.issue_id.in_(ids[start:start + 500]),
                        Event.kind.in_(EXPORTED_EVENTS)).order_by(Event.at, Event.id))
                          ).scalars():
                    steps.setdefault(e.issue_id, []).append((e.at, e.kind, e.note or ""))
            return [Outcome(number, v, tuple(steps.get(v.id, ())))
                    for (number, _), v in zip(rows, views, strict=True)]

        return await self.uow.read(run)

    async def waiting_cards(self, since: datetime, limit: int = 100) -> list[IssueView]:
        """Issues opened since `since` by another channel (a hotline order imported from the
        command line, an Open311 request served by another process) whose card is not in
        their group yet, oldest first: the bot posts them."""
        async def run(s: AsyncSession) -> list[IssueView]:
            rows = (await s.execute(select(Issue).where(
                Issue.card_message_id.is_(None), Issue.created_at >= since,
                Issue.status.in_(OPEN_STATUSES),
                exists().where(Report.issue_id == Issue.id,
                               Report.channel != str(Channel.TELEGRAM)),
            ).order_by(Issue.created_at, Issue.id).limit(limit))).scalars().all()
            return await self.ledger.views(s, rows)

        return await self.uow.read(run)

"""The statements of an intake (`issues.intake_batch`), with their values as parameters, and
the reads that come before its decisions (the groups, the reports handled before): built
once, since building one costs more than running it (every complaint runs them all). Writes go
through the tables (Core): the ORM's bulk paths cost more than the statements.

Most batches hold one complaint, so the reads come in two shapes: `IN` lists for a batch of
several, plain `=` for a batch of one (`statements(alone=True)`): SQLAlchemy renders an
expanding `IN` anew at every execution, which took longer than the SQLite work behind it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, cast

from sqlalchemy import (
    Executable,
    Table,
    bindparam,
    insert,
    select,
    update,
)

from issues.intake_items import IntakeItem, ReportKey
from issues.lifecycle import OPEN_STATUSES
from issues.models import Event, Group, Issue, Report
from issues.unit_of_work import among, among_values, run

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_ISSUES = cast(Table, Issue.__table__)
_REPORTS = cast(Table, Report.__table__)
_EVENTS = cast(Table, Event.__table__)
_GROUPS = cast(Table, Group.__table__)


@dataclass(frozen=True)
class Statements:
    """Reads: the groups by chat, the reports seen before, the open issues a report could
    join; writes: the next numbers, the issues, their reports and events."""

    groups: Executable
    seen: Executable
    nearby: Executable
    number: Executable
    insert_issues: Executable
    insert_reports: Executable
    insert_events: Executable


@cache
def statements(alone: bool = False) -> Statements:
    """The statements for a batch of several reports, or of one (`alone`)."""
    g = _GROUPS.c
    key = (Report.channel, Report.scope, Report.external_id)
    return Statements(
        groups=select(Group.id, Group.chat_id, Group.title)
        .where(among(Group.chat_id, "chats", alone)),
        seen=select(*key, Report.issue_id).where(among(key, "keys", alone)),
        # The open issues a report could join, newest first, each with who reported it.
        nearby=select(Issue.id, Issue.group_id, Issue.category, Issue.location_text,
                      Issue.created_at, Report.person_id)
        .outerjoin(Report, Report.issue_id == Issue.id).where(
            among(Issue.group_id, "groups", alone), among(Issue.category, "categories", alone),
            Issue.status.in_(OPEN_STATUSES), Issue.created_at >= bindparam("since"),
        ).order_by(Issue.created_at.desc(), Issue.id.desc()),
        number=update(_GROUPS).where(g.id == bindparam("group"))
        .values(last_number=g.last_number + bindparam("k")).returning(g.last_number),
        insert_issues=insert(_ISSUES).returning(_ISSUES.c.id, sort_by_parameter_order=True),
        insert_reports=insert(_REPORTS), insert_events=insert(_EVENTS),
    )


def groups_of(s: Session, items: Sequence[IntakeItem], known: dict[int, tuple[int, str]],
              timezone: str, alone: bool) -> dict[int, tuple[int, str]]:
    """chat id → (group id, title); a group the bot has not met yet is created. `known`
    keeps the groups met before (a group's row stays for good, so its id is asked once);
    the title is the one the message came with (Telegram's, current), else the ledger's."""
    missing = {i.chat_id for i in items} - known.keys()
    if missing:
        # rows that were there before this transaction: kept (one created here is not
        # kept until it commits, which it may not)
        known.update({c: (g, t) for g, c, t in run(
            s, statements(alone).groups, among_values("chats", missing, alone)).all()})
    found = {}
    for item in items:
        if item.chat_id in found:
            continue
        if item.chat_id in known:
            gid, title = known[item.chat_id]
            found[item.chat_id] = (gid, item.group_title[:200] or title)
            continue
        title = item.group_title[:200] or str(item.chat_id)
        gid = (s.execute(insert(Group).values(
            chat_id=item.chat_id, title=title, timezone=timezone,
            settings={}, last_number=0, created_at=item.at).returning(Group.id))).scalar_one()
        found[item.chat_id] = (gid, title)
    return found


def seen_before(s: Session, items: Sequence[IntakeItem], alone: bool) -> dict[ReportKey, int]:
    """The issue of each report of the batch handled before."""
    params = among_values("keys", [i.key for i in items], alone)
    return {(c, sc, e): i for c, sc, e, i in run(s, statements(alone).seen, params).all()}

"""The statements of an intake (`issues.intake_batch`), with their values as parameters: built
once, since building one costs more than running it (every complaint runs them all). Writes go
through the tables (Core): the ORM's bulk paths cost more than the statements."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import cast

from sqlalchemy import Executable, Table, bindparam, insert, select, tuple_, update

from issues.lifecycle import OPEN_STATUSES
from issues.models import Event, Group, Issue, Report

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
def statements() -> Statements:
    g = _GROUPS.c
    return Statements(
        groups=select(Group.id, Group.chat_id, Group.title)
        .where(Group.chat_id.in_(bindparam("chats", expanding=True))),
        seen=select(Report.channel, Report.scope, Report.external_id, Report.issue_id)
        .where(tuple_(Report.channel, Report.scope, Report.external_id)
               .in_(bindparam("keys", expanding=True))),
        # The open issues a report could join, newest first, each with who reported it.
        nearby=select(Issue.id, Issue.group_id, Issue.category, Issue.location_text,
                      Issue.created_at, Report.person_id)
        .outerjoin(Report, Report.issue_id == Issue.id).where(
            Issue.group_id.in_(bindparam("groups", expanding=True)),
            Issue.category.in_(bindparam("categories", expanding=True)),
            Issue.status.in_(OPEN_STATUSES), Issue.created_at >= bindparam("since"),
        ).order_by(Issue.created_at.desc(), Issue.id.desc()),
        number=update(_GROUPS).where(g.id == bindparam("group"))
        .values(last_number=g.last_number + bindparam("k")).returning(g.last_number),
        insert_issues=insert(_ISSUES).returning(_ISSUES.c.id, sort_by_parameter_order=True),
        insert_reports=insert(_REPORTS), insert_events=insert(_EVENTS),
    )

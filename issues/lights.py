"""The SLA light as SQL, so a ledger of a million issues is counted and filtered by the
database instead of being loaded to compute `sla.light` row by row.

Same rule as `issues.sla`: the running clock is the acknowledge clock while open, the resolve
clock while acknowledged or in progress; red from its due time, yellow from its warn time
(stored with the due time, see `sla.warn_at`). Conditions are written per clock so that
indexes carry them: red and "turned yellow since" are ranges of (status, due) and
(status, warn) indexes, a group's counts ranges of its (group, status, due) indexes.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import ColumnElement, and_, extract, func, or_
from sqlalchemy.orm import InstrumentedAttribute

from issues.lifecycle import OPEN_STATUSES
from issues.models import Issue

_Col = InstrumentedAttribute[datetime]
_Col_opt = InstrumentedAttribute[datetime | None]


def clocks() -> list[tuple[tuple[str, ...], _Col, _Col_opt]]:
    """Each clock: the statuses it runs in, its due column and its warn column."""
    return [(OPEN_STATUSES[:1], Issue.ack_due_at, Issue.ack_warn_at),
            (OPEN_STATUSES[1:], Issue.resolve_due_at, Issue.resolve_warn_at)]


def seconds_between(later: _Col_opt, earlier: _Col, sqlite: bool) -> ColumnElement[float]:
    """later - earlier in seconds, computed by the database (SQLite has no interval
    arithmetic: differences of Julian day numbers, which keep milliseconds; PostgreSQL: the
    epoch of the interval)."""
    if sqlite:
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return cast(ColumnElement[float], extract("epoch", later - earlier))  # numeric, as seconds


def parts(name: str, now: datetime) -> list[ColumnElement[bool]]:
    """One condition per clock for a light ("red", "yellow" or "green"); they never overlap,
    so counts add up."""
    out = []
    for statuses, due, warn in clocks():
        running = Issue.status.in_(statuses)
        if name == "red":
            out.append(and_(running, due <= now))
        elif name == "yellow":
            out.append(and_(running, due > now, warn <= now))
        else:
            out.append(and_(running, due > now, or_(warn.is_(None), warn > now)))
    return out


def light_is(name: str, now: datetime) -> ColumnElement[bool]:
    """The condition for one light: "red", "yellow" or "green"."""
    return or_(*parts(name, now))


def crossed(name: str, since: datetime, now: datetime) -> ColumnElement[bool]:
    """Issues whose light turned `name` ("yellow" or "red") in (since, now]."""
    out = []
    for statuses, due, warn in clocks():
        running = Issue.status.in_(statuses)
        if name == "red":
            out.append(and_(running, due > since, due <= now))
        else:
            out.append(and_(running, warn > since, warn <= now, due > now))
    return or_(*out)

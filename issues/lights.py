"""The SLA light as SQL, so a ledger of a million issues is counted and filtered by the
database instead of being loaded to compute `sla.light` row by row.

Same rule as `issues.sla`: the running clock is ack_due_at while open, resolve_due_at while
acknowledged or in progress; red from the due time, yellow from `yellow_ratio` of the way from
created_at to it. SQLite has no interval arithmetic, so there the instants are compared as
Julian day numbers; PostgreSQL compares seconds.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, extract, func, literal, or_

from issues.models import Issue, UTCDateTime
from issues.views import OPEN_STATUSES


def _due() -> ColumnElement[datetime]:
    return case((Issue.status == "open", Issue.ack_due_at), else_=Issue.resolve_due_at)


def red(now: datetime) -> ColumnElement[bool]:
    """Open and past the running due time (both halves walk a (status, due) index)."""
    return or_(and_(Issue.status == "open", Issue.ack_due_at <= now),
               and_(Issue.status.in_(OPEN_STATUSES[1:]), Issue.resolve_due_at <= now))


def _warned(now: datetime, ratio: float, sqlite: bool) -> ColumnElement[bool]:
    if sqlite:
        jd = func.julianday
        start = jd(Issue.created_at)
        return jd(literal(now, UTCDateTime)) >= start + (jd(_due()) - start) * ratio
    elapsed = extract("epoch", literal(now, UTCDateTime) - Issue.created_at)
    return elapsed >= extract("epoch", _due() - Issue.created_at) * ratio


def light_is(name: str, now: datetime, ratio: float, sqlite: bool) -> ColumnElement[bool]:
    """The condition for one light: "red", "yellow" or "green"."""
    is_open = Issue.status.in_(OPEN_STATUSES)
    if name == "red":
        return red(now)
    if name == "yellow":
        return and_(is_open, ~red(now), _warned(now, ratio, sqlite))
    return and_(is_open, ~red(now), ~_warned(now, ratio, sqlite))

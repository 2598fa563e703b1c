"""The SLA light as SQL, so a ledger of a million issues is counted and filtered by the
database instead of being loaded to compute `sla.light` row by row.

Same rule as `issues.sla`: the running clock is ack_due_at while open, resolve_due_at while
acknowledged or in progress; red from the due time, yellow from `yellow_ratio` of the way from
created_at to it. SQLite has no interval arithmetic, so there durations are differences of
Julian day numbers; PostgreSQL takes the seconds of an interval (`seconds_between`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, extract, func, literal, or_
from sqlalchemy.orm import InstrumentedAttribute

from issues.models import Issue, UTCDateTime
from issues.views import OPEN_STATUSES


# Each clock: the statuses it runs in and its due column. Conditions are written per clock
# so that the (group_id, status, due) indexes carry them: red is a range below now, yellow and
# green a range above it (few rows: most late issues are red).
def _clocks() -> list[tuple[tuple[str, ...], InstrumentedAttribute[datetime]]]:
    return [(OPEN_STATUSES[:1], Issue.ack_due_at), (OPEN_STATUSES[1:], Issue.resolve_due_at)]


def seconds_between(later: ColumnElement[datetime] | datetime,
                    earlier: ColumnElement[datetime], sqlite: bool) -> ColumnElement[float]:
    """later - earlier in seconds, computed by the database (SQLite: Julian day numbers,
    which keep milliseconds; PostgreSQL: the epoch of the interval)."""
    a = literal(later, UTCDateTime) if isinstance(later, datetime) else later
    if sqlite:
        return (func.julianday(a) - func.julianday(earlier)) * 86400.0
    return extract("epoch", a - earlier)


def _warned(due: InstrumentedAttribute[datetime], now: datetime, ratio: float,
            sqlite: bool) -> ColumnElement[bool]:
    return seconds_between(now, Issue.created_at, sqlite) >= \
        seconds_between(due, Issue.created_at, sqlite) * ratio


def parts(name: str, now: datetime, ratio: float, sqlite: bool) -> list[ColumnElement[bool]]:
    """One condition per clock for a light ("red", "yellow" or "green"); they never overlap,
    so counts add up."""
    out = []
    for statuses, due in _clocks():
        running = Issue.status.in_(statuses)
        if name == "red":
            out.append(and_(running, due <= now))
        elif name == "yellow":
            out.append(and_(running, due > now, _warned(due, now, ratio, sqlite)))
        else:
            out.append(and_(running, due > now, ~_warned(due, now, ratio, sqlite)))
    return out


def light_is(name: str, now: datetime, ratio: float, sqlite: bool) -> ColumnElement[bool]:
    """The condition for one light: "red", "yellow" or "green"."""
    return or_(*parts(name, now, ratio, sqlite))


def crossed(name: str, since: datetime, now: datetime, ratio: float,
            sqlite: bool) -> ColumnElement[bool]:
    """Issues whose light turned `name` ("yellow" or "red") in (since, now]."""
    out = []
    for statuses, due in _clocks():
        running = Issue.status.in_(statuses)
        if name == "red":
            out.append(and_(running, due > since, due <= now))
        else:
            out.append(and_(running, due > now, _warned(due, now, ratio, sqlite),
                            ~_warned(due, since, ratio, sqlite)))
    return or_(*out)

"""Supervision figures: the 12345 centres' measures per org level, group, department or
assignee for a period, with the previous period beside them, and rankings.

Every figure comes from set-based statements grouped by the key: a fixed number of statements
whatever the number of groups or issues (the district scale target is 300 ms at 2,000 groups
and a million issues). Percentiles are nearest-rank, computed by the database with window
functions, so SQLite and PostgreSQL give the same answer. The README defines each figure.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from issues import lights
from issues.ledger import filtered
from issues.models import Event, Group, Issue, OrgUnit, Person, PersonIdentity, Rating
from issues.people import CHAT
from issues.unit_of_work import Room
from issues.views import LEVELS, OPEN_STATUSES, IssueFilter

BY = (*LEVELS, "group", "department", "assignee")
DONE = ("resolved", "closed")
NOT_COUNTED = ("withdrawn",)  # false detections are in no statistic
REPEAT_WINDOW = timedelta(days=30)
TOTAL = "*"
CACHE_SIZE = 64  # reports kept for max_age (periods × keys × scopes)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    @property
    def previous(self) -> Period:
        return Period(self.start - (self.end - self.start), self.start)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Figures:
    """One row: a unit, group, department or assignee (or TOTAL) in the period."""

    key: str
    name: str
    received: int = 0
    rejected: int = 0
    ack_on_time: int = 0
    ack_judged: int = 0  # accepted, or still not accepted past the deadline
    resolve_on_time: int = 0
    resolve_judged: int = 0
    ack_p50_s: float | None = None
    ack_p90_s: float | None = None
    resolve_p50_s: float | None = None
    resolve_p90_s: float | None = None
    red: int = 0  # open issues overdue now
    yellow: int = 0
    reopened: int = 0
    repeat: int = 0
    satisfied: int = 0  # ratings of 4-5 points
    basic: int = 0  # 3 points: basically satisfied
    unsatisfied: int = 0  # 1-2 points
    previous: Figures | None = field(default=None, compare=False)

    @property
    def ack_rate(self) -> float | None:
        return _rate(self.ack_on_time, self.ack_judged)

    @property
    def resolve_rate(self) -> float | None:
        return _rate(self.resolve_on_time, self.resolve_judged)

    @property
    def rated(self) -> int:
        return self.satisfied + self.basic + self.unsatisfied

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.satisfied + self.basic, self.rated)

    @property
    def repeat_rate(self) -> float | None:
        return _rate(self.repeat, self.received)


@dataclass(frozen=True)
class Report:
    by: str
    period: Period
    rows: list[Figures]
    total: Figures


def _n(cond: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _units_at(level: str) -> Any:
    """(gid, key): each group and its unit at `level` (the group's unit or an ancestor)."""
    anc = select(OrgUnit.id.label("unit"), OrgUnit.id.label("anc"),
                 OrgUnit.level.label("level"), OrgUnit.parent_id.label("up")
                 ).cte("anc", recursive=True)
    up = aliased(OrgUnit)
    anc = anc.union_all(select(anc.c.unit, up.id, up.level, up.parent_id)
                        .join(up, up.id == anc.c.up))
    return (select(Group.id.label("gid"), anc.c.anc.label("key"))
            .join(anc, anc.c.unit == Group.org_unit_id).where(anc.c.level == level)
            .subquery("keyed"))


@dataclass(eq=False)
class Supervision(Room):
    _cache: dict[tuple[Any, ...], tuple[float, Report]] = field(default_factory=dict)
    _refreshing: dict[tuple[Any, ...], asyncio.Task[Report]] = field(default_factory=dict)

    async def report(self, by: str, period: Period, scope: IssueFilter | None = None,
                     max_age: float = 0) -> Report:
        """Figures per `by` key for the period (issues received in it) and the one before,
        within `scope` (an org unit's subtree, a group, a department).

        With `max_age`, a report computed at most that many seconds ago will do, and one up to
        ten times older is served while a fresh one is computed in the background: at district
        scale on SQLite a report reads a few hundred thousand rows (see the README's figures),
        and a wall screen or a page should not wait for that on every refresh."""
        if by not in BY:
            raise ValueError(f"by must be one of {BY}")
        scope = scope or IssueFilter()
        key = (by, period, scope.chat_id, scope.org_unit_id, scope.department_code)
        hit = self._cache.get(key)
        age = time.monotonic() - hit[0] if hit else None
        if hit and age is not None and age < max_age:
            return hit[1]
        if hit and age is not None and age < 10 * max_age:
            if key not in self._refreshing:
                task = asyncio.create_task(self._compute(key, by, period, scope))
                self._refreshing[key] = task
                task.add_done_callback(lambda _t: self._refreshing.pop(key, None))
            return hit[1]
        return await self._compute(key, by, period, scope)

    async def _compute(self, key: tuple[Any, ...], by: str, period: Period,
                       scope: IssueFilter) -> Report:
        stamp, now = time.monotonic(), self.clock()
        rows, total = await asyncio.gather(self._figures(by, period, scope, now),
                                           self._figures(None, period, scope, now))
        names = await self.uow.read(lambda s: self._names(s, by, list(rows)))
        named = [replace(f, key=names[k][0], name=names[k][1])
                 for k, f in rows.items() if k in names]
        named.sort(key=lambda f: (-f.received, f.name))
        report = Report(by, period, named, total.get(TOTAL, Figures(TOTAL, "")))
        self._cache[key] = (stamp, report)
        while len(self._cache) > CACHE_SIZE:
            self._cache.pop(next(iter(self._cache)))
        return report

    # --- the statements ---------------------------------------------------------------------
    def _keyed(self, by: str | None, cols: Sequence[Any], scope: IssueFilter, now: datetime,
               units: Any, frm: Any = Issue) -> Select[Any]:
        """select key, *cols from issues (and `frm`'s joins), keyed and scoped; `units` is
        `_units_at(by)` for a unit level (built once per report: one CTE per statement)."""
        if by is None:
            key: Any = literal(TOTAL)
            q = select(key.label("key"), *cols).select_from(frm)
        elif by == "group":
            key = Issue.group_id
            q = select(key.label("key"), *cols).select_from(frm)
        elif by == "department":
            key = Issue.department_code
            q = select(key.label("key"), *cols).select_from(frm).where(key.is_not(None))
        elif by == "assignee":
            key = Issue.assignee_id
            q = select(key.label("key"), *cols).select_from(frm).where(key.is_not(None))
        else:
            key = units.c.key
            q = (select(key.label("key"), *cols).select_from(frm)
                 .join(units, units.c.gid == Issue.group_id))
        q = filtered(q, IssueFilter(chat_id=scope.chat_id, org_unit_id=scope.org_unit_id,
                                    department_code=scope.department_code), now)
        q = q.where(Issue.status.not_in(NOT_COUNTED))
        return q.group_by(key) if by is not None else q

    async def _figures(self, by: str | None, p: Period, scope: IssueFilter,
                       now: datetime) -> dict[Any, Figures]:
        """The six statements of one keying, run side by side (each in a read session of its
        own: PostgreSQL runs them on separate connections, SQLite in separate threads)."""
        prev = p.previous
        sqlite = self.uow.is_sqlite
        units = _units_at(by) if by in LEVELS else None

        def keyed(cols: Sequence[Any], frm: Any = Issue) -> Select[Any]:
            return self._keyed(by, cols, scope, now, units, frm)

        # Received, rejected and the on-time counts, this period and the previous one.
        valid = Issue.status != "rejected"
        acked, resolved = Issue.acknowledged_at.is_not(None), Issue.resolved_at.is_not(None)
        counts: list[ColumnElement[bool]] = [
            true(), Issue.status == "rejected",
            and_(valid, acked, Issue.acknowledged_at <= Issue.ack_due_at),
            and_(valid, or_(acked, Issue.ack_due_at <= now)),
            and_(valid, resolved, Issue.resolved_at <= Issue.resolve_due_at),
            and_(valid, or_(resolved, Issue.resolve_due_at <= now)),
        ]
        cur = Issue.created_at >= p.start
        main = keyed([_n(and_(cur, c)) for c in counts] + [_n(and_(~cur, c)) for c in counts]
                     ).where(Issue.created_at >= prev.start, Issue.created_at < p.end)

        # Median and 90th percentile times (nearest rank), by window functions.
        spans = [keyed([literal(w).label("w"), lights.seconds_between(
            col, Issue.created_at, sqlite).label("v")]).group_by(None)
            .where(Issue.created_at >= p.start, Issue.created_at < p.end, col.is_not(None))
            for w, col in ((0, Issue.acknowledged_at), (1, Issue.resolved_at))]
        d = union_all(*spans).subquery()
        part = (d.c.key, d.c.w)
        r = select(d.c.key, d.c.w, d.c.v,
                   func.row_number().over(partition_by=part, order_by=d.c.v).label("rn"),
                   func.count().over(partition_by=part).label("n")).subquery()
        percentiles = select(r.c.key, r.c.w,
                             func.max(case((r.c.rn == (r.c.n * 50 + 99) // 100, r.c.v))),
                             func.max(case((r.c.rn == (r.c.n * 90 + 99) // 100, r.c.v)))
                             ).group_by(r.c.key, r.c.w)

        # Ratings given in each period: satisfied (4-5), basically (3), unsatisfied (1-2).
        in_cur = Rating.at >= p.start
        bands = [Rating.score >= 4, Rating.score == 3, Rating.score <= 2]
        ratings = keyed([_n(and_(in_cur, b)) for b in bands]
                        + [_n(and_(~in_cur, b)) for b in bands],
                        Rating.__table__.join(Issue.__table__, Issue.id == Rating.issue_id)
                        ).where(Rating.at >= prev.start, Rating.at < p.end)

        # Overdue now (red) and close to it (yellow): open issues, whenever received.
        lit = keyed([_n(lights.light_is("red", now)), _n(lights.light_is("yellow", now))]
                    ).where(Issue.status.in_(OPEN_STATUSES))

        # Reopened in the period: an unsatisfied rating or a reopen took it back to open.
        reopened = keyed([func.count(func.distinct(Issue.id))],
                         Event.__table__.join(Issue.__table__, Issue.id == Event.issue_id)
                         ).where(Event.at >= p.start, Event.at < p.end,
                                 Event.from_status.in_((*DONE, "rejected")),
                                 Event.to_status.in_(OPEN_STATUSES))

        # Repeat complaints: same group, category and place as one received ≤ 30 days before.
        lag = func.lag(Issue.created_at).over(
            partition_by=(Issue.group_id, Issue.category, Issue.location_text),
            order_by=(Issue.created_at, Issue.id))
        w = (keyed([Issue.created_at.label("at"), lag.label("before")]).group_by(None)
             .where(Issue.created_at >= p.start - REPEAT_WINDOW, Issue.created_at < p.end,
                    Issue.location_text.is_not(None), Issue.location_text != "")
             .subquery())
        # seconds_between is typed for model columns; a subquery's columns work the same.
        gap = lights.seconds_between(w.c.at, w.c.before, sqlite)  # type: ignore[arg-type]  # see above
        repeats = select(w.c.key, _n(and_(w.c.at >= p.start, w.c.before.is_not(None),
                                          gap <= REPEAT_WINDOW.total_seconds()))
                         ).group_by(w.c.key)

        got = await asyncio.gather(*(self._rows(q) for q in (
            main, percentiles, ratings, lit, reopened, repeats)))
        out: dict[Any, dict[str, Any]] = {}
        prev_out: dict[Any, dict[str, Any]] = {}

        def put(target: dict[Any, dict[str, Any]], key: Any, names: Sequence[str],
                values: Sequence[Any]) -> None:
            target.setdefault(key, {}).update(zip(names, values, strict=True))

        names = ("received", "rejected", "ack_on_time", "ack_judged", "resolve_on_time",
                 "resolve_judged")
        for key, *v in got[0]:
            put(out, key, names, v[:6])
            put(prev_out, key, names, v[6:])
        for key, which, p50, p90 in got[1]:
            kind = "ack" if which == 0 else "resolve"
            put(out, key, (f"{kind}_p50_s", f"{kind}_p90_s"), (_f(p50), _f(p90)))
        for key, *v in got[2]:
            put(out, key, ("satisfied", "basic", "unsatisfied"), v[:3])
            put(prev_out, key, ("satisfied", "basic", "unsatisfied"), v[3:])
        for key, *v in got[3]:
            put(out, key, ("red", "yellow"), v)
        for key, *v in got[4]:
            put(out, key, ("reopened",), v)
        for key, *v in got[5]:
            put(out, key, ("repeat",), v)
        return {k: Figures(TOTAL, "", **v, previous=Figures(TOTAL, "", **prev_out.get(k, {})))
                for k, v in out.items()}

    async def _rows(self, q: Select[Any]) -> list[Any]:
        async def run(s: AsyncSession) -> list[Any]:
            return list((await s.execute(q)).all())

        return await self.uow.read(run)

    async def _names(self, s: AsyncSession, by: str, keys: list[Any]
                     ) -> dict[Any, tuple[str, str]]:
        """key → (external key for links, display name)."""
        if not keys:
            return {}
        if by == "group":
            rows = await s.execute(select(Group.id, Group.chat_id, Group.title)
                                   .where(Group.id.in_(keys)))
            return {k: (str(c), t) for k, c, t in rows.all()}
        if by == "assignee":
            chat_id = (PersonIdentity.person_id == Person.id) & (PersonIdentity.channel == CHAT)
            people = await s.execute(select(Person.id, PersonIdentity.external_id, Person.name)
                                     .outerjoin(PersonIdentity, chat_id)
                                     .where(Person.id.in_(keys)))
            return {k: (u or "", n) for k, u, n in people.all()}
        if by == "department":
            names = {d.code: d.name for d in self.settings.departments}
            return {k: (str(k), names.get(str(k), str(k))) for k in keys}
        units = await s.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(keys)))
        return {k: (str(k), n) for k, n in units.all()}

    async def org_tree(self) -> list[tuple[int, str, str, int | None]]:
        """Every org unit as (id, name, level, parent id): the drill-down's map."""
        async def run(s: AsyncSession) -> list[tuple[int, str, str, int | None]]:
            rows = await s.execute(select(OrgUnit.id, OrgUnit.name, OrgUnit.level,
                                          OrgUnit.parent_id).order_by(OrgUnit.id))
            return [(i, n, lv, up) for i, n, lv, up in rows.all()]

        return await self.uow.read(run)

    async def unit_path(self, unit_id: int | None = None, chat_id: int | None = None
                        ) -> list[tuple[int, str, str]]:
        """(id, name, level) from the top unit down to the unit (or the group's unit)."""
        async def run(s: AsyncSession) -> list[tuple[int, str, str]]:
            units = {u.id: u for u in (await s.execute(select(OrgUnit))).scalars()}
            start = unit_id
            if chat_id is not None:
                start = (await s.execute(select(Group.org_unit_id)
                                         .where(Group.chat_id == chat_id))).scalar()
            path: list[tuple[int, str, str]] = []
            while start is not None and start in units and len(path) < len(units):
                u = units[start]
                path.append((u.id, u.name, u.level))
                start = u.parent_id
            return path[::-1]

        return await self.uow.read(run)


def _f(v: object) -> float | None:
    return None if v is None else float(v)  # type: ignore[arg-type]  # a number from SQL

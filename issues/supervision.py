"""Supervision figures: the 12345 centres' measures per org level, group, department or
holder (the assignee, else the group's owner: issues.holders) for a period, with the previous
period beside them, and rankings.

Every figure comes from set-based statements over the facts each issue keeps (issues.facts):
a fixed number of statements whatever the number of groups or issues (the district scale
target is 300 ms at 2,000 groups and a million issues). Percentiles are nearest-rank
(PostgreSQL's percentile_disc; on SQLite ranked in Python), so both databases give the same
answer. The README defines each figure.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    join,
    outerjoin,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Join

from issues import facts, lights
from issues.fresh import Fresh
from issues.holders import held_by, held_or_group, holding_group, owners
from issues.ledger import filtered
from issues.lifecycle import Status
from issues.models import Event, Group, Issue, OrgUnit, Person, PersonIdentity
from issues.people import CHAT
from issues.supervision_figures import (
    SPANS,
    TOTAL,
    Name,
    Period,
    Report,
    Tally,
    count_at,
    ranks,
)
from issues.unit_of_work import Room
from issues.views import LEVELS, IssueFilter

# "holder": who holds each issue (issues.holders), the person in charge the ledger names.
BY = (*LEVELS, "group", "department", "holder")
# Keys that are a column of the issue beside its group (the others are the group, its unit or
# its holder).
BESIDE: dict[str, Any] = {"department": Issue.department_code}
CACHE_SIZE = 64  # reports kept for max_age (periods × keys × scopes)


def _n(cond: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


class _Nested(Join):
    """An inner join whose left side SQLite loops over outside: its CROSS JOIN, the way
    SQLite's documentation gives to fix the order of nested loops. Other databases plan it
    as the plain join it is."""

    inherit_cache = True


@compiles(_Nested, "sqlite")
def _nested_on_sqlite(element: _Nested, compiler: SQLCompiler, **kw: Any) -> str:
    kw["asfrom"] = True
    left = compiler.process(element.left, **kw)
    right = compiler.process(element.right, **kw)
    assert element.onclause is not None  # made with one
    return f"{left} CROSS JOIN {right} ON {compiler.process(element.onclause, **kw)}"


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
    _fresh: Fresh[Report] = field(default_factory=lambda: Fresh(CACHE_SIZE))

    async def report(self, by: str, period: Period, scope: IssueFilter | None = None,
                     max_age: float = 0, brief: bool = False) -> Report:
        """Figures per `by` key for the period (issues received in it) and the one before,
        within `scope` (an org unit's subtree, a group, a department).

        `brief`: the period's counts, rates and lights alone, as the overview and the wall screen
        show them: no previous period, no percentiles, no reopenings (None, 0). The figures
        it has are the full report's; it reads half the rows and ranks nothing.

        With `max_age`, a report computed at most that many seconds ago will do, and one up to
        ten times older is served while a fresh one is computed in the background
        (issues.fresh): a wall screen or a page should not wait for a district's month on
        every refresh."""
        if by not in BY:
            raise ValueError(f"by must be one of {BY}")
        scope = scope or IssueFilter()
        key = (by, period, scope.chat_id, scope.org_unit_id, scope.department_code, brief)
        return await self._fresh.get(key, lambda: self._compute(by, period, scope, brief),
                                     max_age)

    async def _compute(self, by: str, period: Period, scope: IssueFilter,
                       brief: bool) -> Report:
        tally, names = await self._figures(by, period, scope, self.clock(), brief)
        rows, total = tally.figures(names, previous=not brief)
        rows.sort(key=lambda f: (-f.received, f.name))
        return Report(by, period, rows, total)

    # --- the statements ---------------------------------------------------------------------
    async def _figures(self, by: str, p: Period, scope: IssueFilter, now: datetime,
                       brief: bool = False) -> tuple[Tally, dict[Any, Name]]:
        """The figures per key of `by` and for the whole scope, run side by side (each
        statement in a read session of its own: PostgreSQL runs them on separate connections,
        SQLite in separate threads).

        Everything additive is read per group (or per department or holder when those are
        the key) from the facts each issue keeps (issues.facts), and added up here per key
        and for the total: one pass over each index range for both. Percentiles are not
        additive: the database computes them per key and for the total. With the tally come
        the keys' names (`_names`)."""
        prev = p.previous
        # A unit level's key is the group's unit at that level, from the org tree: the
        # additive statements count per group, added up here per unit (groups in no such unit
        # count in the total only); other keys are columns of the issue, or its holder.
        units = _units_at(by) if by in LEVELS else None
        # A holder is the assignee, else the group's owner: on PostgreSQL, the owner of the
        # group each statement joins (by its primary key, for each issue its index range
        # yields); on SQLite, which sorts each statement's rows to group them, the statements
        # count per assignee or (negated) group without that join, and each group is folded
        # to its owner here (`owned`), as a unit level folds groups to units: a fifth less of
        # the statements' time, and the same rows.
        owned = by == "holder" and self.uow.is_sqlite
        group = holding_group() if by == "holder" and not owned else None
        key: Any = held_by(group) if group is not None else held_or_group() if owned \
            else BESIDE.get(by, Issue.group_id)
        only = IssueFilter(chat_id=scope.chat_id, org_unit_id=scope.org_unit_id,
                           department_code=scope.department_code)

        def keyed(q: Select[Any], frm: Any = Issue, by_unit: bool = False) -> Select[Any]:
            """q from frm (issues), scoped; `by_unit` joins each group's unit at the level;
            the holder's key joins the issue's group."""
            if by_unit and units is not None:
                frm = outerjoin(frm, units, units.c.gid == Issue.group_id)
            if group is not None:
                frm = join(frm, group, group.id == Issue.group_id)
            return filtered(q.select_from(frm), only, now)  # no figure counts withdrawn ones

        # Each period's issues (received in it): counts of what they keep; a statement per
        # period, so that each sorts fewer rows and the two run side by side.
        rej = Issue.status == Status.REJECTED

        # SQLite counts group by group (the groups' loop outside: it then reads each group's
        # period from its index in order and sorts nothing) unless the key is another column
        # or the scope a department (the per-group indexes do not hold it; the indexes by time
        # do); PostgreSQL aggregates the period's index range by hash, without the join.
        nested = key is Issue.group_id and self.uow.is_sqlite and not scope.department_code
        by_group = Group.id if nested else key

        def grouped(q: Select[Any], frm: Any = Issue) -> Select[Any]:
            if nested:
                frm = _Nested(Group, frm, Group.id == Issue.group_id)
            return keyed(q.group_by(by_group), frm)

        sqlite_spans = self.uow.is_sqlite and not brief

        def received(start: datetime, end: datetime, spans: bool = False) -> Select[Any]:
            # A rejected issue is judged neither for acceptance nor for resolution.
            def judged(f: Any) -> Any:
                return f.filter(~rej)

            # On SQLite the current period's pass also gathers the seconds of its stopped
            # clocks, per key, for `ranks` (PostgreSQL ranks them itself: `_percentiles`).
            seconds = [func.json_group_array(col).filter(col.is_not(None))
                       for col in (Issue.ack_seconds, Issue.resolve_seconds)] if spans else []
            return grouped(select(
                by_group, func.count(), _n(rej), judged(func.sum(Issue.ack_on_time)),
                judged(func.count(Issue.ack_on_time)), judged(func.sum(Issue.resolve_on_time)),
                judged(func.count(Issue.resolve_on_time)), func.count(Issue.repeat_of),
                *seconds).where(Issue.created_at >= start, Issue.created_at < end))

        periods = 1 if brief else 2  # this period, and the one before it

        # Open now: the lights, and the periods' issues judged late while still waiting (an
        # open issue past a deadline is judged before its step is taken); from the partial
        # index of open issues, whose condition the statement repeats literally.
        def waiting(at: Any, due: Any, start: datetime, end: datetime) -> ColumnElement[int]:
            return _n(and_(at.is_(None), due <= now, Issue.created_at >= start,
                           Issue.created_at < end))

        lit = keyed(select(key, _n(lights.light_is("red", now)),
                           _n(lights.light_is("yellow", now)),
                           *(waiting(at, due, a, b)
                             for at, due in ((Issue.acknowledged_at, Issue.ack_due_at),
                                             (Issue.resolved_at, Issue.resolve_due_at))
                             for a, b in ((p.start, p.end), (prev.start, p.start))[:periods]))
                    .where(facts.open_where()).group_by(key))

        # Rated in the periods (each issue's latest rating): satisfied 4-5, basically 3, not
        # 1-2; this period's three bands, then the previous one's.
        score = Issue.rating
        rated_now = Issue.rated_at >= p.start
        rated = grouped(select(by_group, *(
            _n(and_(when, band)) for when in (rated_now, ~rated_now)[:periods]
            for band in (score >= 4, score == 3, score <= 2)))
            .where(Issue.rated_at >= (p.start if brief else prev.start), Issue.rated_at < p.end))

        # Reopened in the period, each issue once (a partial index holds reopenings: SQLite
        # loops over them outside, or a scope's groups would have it read all their issues).
        reopened = keyed(select(key, func.count(func.distinct(Issue.id)))
                         .where(Event.at >= p.start, Event.at < p.end, facts.reopen_where())
                         .group_by(key), _Nested(Event, Issue, Issue.id == Event.issue_id))

        unit_of: dict[Any, Any] | None = None

        async def read_map() -> None:
            nonlocal unit_of
            if units is not None:
                unit_of = dict(await self.uow.rows(select(units.c.gid, units.c.key)))
            elif owned:
                unit_of = dict(await self.uow.rows(owners()))

        mapped = asyncio.ensure_future(read_map())

        def fold(k: Any) -> Any:
            """A row's key: the group's unit for a unit level (None: in no unit); on SQLite,
            a holder's (negated) group's owner (None: a group without one)."""
            if unit_of is None or (owned and k > 0):
                return k
            return unit_of.get(k)

        # Each statement's rows are added up per key as soon as they are in, while the others
        # still run (SQLite's threads let go of Python's lock while a statement runs): adding
        # up a holder's thousands of rows after the last statement would follow it in time.
        # Each row's key is None for what is in no key: the total counts it all the same.
        tally = Tally()
        counts = count_at("received", "rejected", "ack_on_time", "ack_judged", "resolve_on_time",
                          "resolve_judged", "repeat")
        lit_now, lit_before = count_at("red", "yellow", "ack_judged", "resolve_judged"), \
            count_at("ack_judged", "resolve_judged")
        bands = count_at("satisfied", "basic", "unsatisfied")

        def add_before(rows: list[Any]) -> None:
            for k, *values in rows:
                tally.add(False, fold(k), counts, values)

        def add_lit(rows: list[Any]) -> None:
            for k, red, yellow, *late in rows:  # to accept, then to resolve: (now, before)
                tally.add(True, fold(k), lit_now, (red, yellow, *late[::periods]))
                if not brief:
                    tally.add(False, fold(k), lit_before, late[1::2])

        def add_rated(rows: list[Any]) -> None:
            for k, *values in rows:
                tally.add(True, fold(k), bands, values[:3])
                if not brief:
                    tally.add(False, fold(k), bands, values[3:])

        def add_reopened(rows: list[Any]) -> None:
            for k, n in rows:
                tally.add(True, fold(k), count_at("reopened"), (n,))

        def add_spans(rows: list[Any]) -> None:
            for total, k, *values in rows:
                if total or k is not None:
                    tally.spans[TOTAL if total else k] = {
                        n: float(v) for n, v in zip(SPANS, values, strict=True) if v is not None}

        async def tallied(q: Select[Any] | None, add: Callable[[list[Any]], None]) -> None:
            if q is not None:
                rows = await self.uow.rows(q)
                await mapped
                add(rows)

        async def current() -> None:
            """The period's rows and, on SQLite, their seconds ranked (`ranks`, Python's
            longest step, then runs while any other statement still does)."""
            rows = await self.uow.rows(received(p.start, p.end, sqlite_spans))
            await mapped
            for k, *values in rows:
                tally.add(True, fold(k), counts, values[:len(counts)])
            if sqlite_spans:
                add_spans(ranks([(k, a, r) for k, *_, a, r in rows], fold))

        await asyncio.gather(
            current(), tallied(None if brief else received(prev.start, p.start), add_before),
            tallied(lit, add_lit), tallied(rated, add_rated),
            tallied(None if brief else reopened, add_reopened),
            tallied(None if sqlite_spans or brief else self._percentiles(key, units, p, keyed),
                    add_spans), mapped)
        # The keys' names: every key a row or a percentile is for.
        return tally, await self.uow.read(lambda s: self._names(s, by, list(tally.keys())))

    def _percentiles(self, key: Any, units: Any, p: Period,
                     keyed: Callable[..., Select[Any]]) -> Select[Any]:
        """On PostgreSQL, rows of (total?, key, median and 90th percentile of the seconds to
        accept, the same to resolve) over the period's issues, per key and for the scope (a
        percentile is not additive, so a unit's comes from its issues, not its groups'):
        percentile_disc (nearest rank), over both groupings in one statement. SQLite has no
        such aggregate and sorts slowly in SQL (window functions over a district's month cost
        a quarter of a second per clock and grouping): there the period's counting pass
        gathers the seconds per key and `ranks` sorts them."""
        if units is not None:
            key = units.c.key
        return keyed(select(func.grouping(key), key, *(
            func.percentile_disc(rank).within_group(col)
            for col in (Issue.ack_seconds, Issue.resolve_seconds) for rank in (0.5, 0.9)))
            .where(Issue.created_at >= p.start, Issue.created_at < p.end)
            .group_by(func.grouping_sets(tuple_(key), tuple_())), by_unit=True)

    async def _names(self, s: AsyncSession, by: str, keys: list[Any]) -> dict[Any, Name]:
        """key → (external key for links, display name[, owns a group]): a holder is a
        person, whose key is their chat user id ("" for one known by another channel only),
        marked when they own a group (they hold its issues nobody else was assigned)."""
        if not keys:
            return {}
        if by == "group":
            rows = await s.execute(select(Group.id, Group.chat_id, Group.title)
                                   .where(Group.id.in_(keys)))
            return {k: Name(str(c), t) for k, c, t in rows.all()}
        if by == "holder":
            chat_id = (PersonIdentity.person_id == Person.id) & (PersonIdentity.channel == CHAT)
            owners = select(Group.owner_id.label("pid"), func.count().label("groups")) \
                .group_by(Group.owner_id).subquery("owners")
            people = await s.execute(select(Person.id, PersonIdentity.external_id, Person.name,
                                            owners.c.groups)
                                     .outerjoin(PersonIdentity, chat_id)
                                     .outerjoin(owners, owners.c.pid == Person.id)
                                     .where(Person.id.in_(keys)))
            return {k: Name(u or "", n, bool(owns)) for k, u, n, owns in people.all()}
        if by == "department":
            names = {d.code: d.name for d in self.settings.departments}
            return {k: Name(str(k), names.get(str(k), str(k))) for k in keys}
        units = await s.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(keys)))
        return {k: Name(str(k), n) for k, n in units.all()}

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

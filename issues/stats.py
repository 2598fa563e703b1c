"""The published figures: received, answered, resolved (the resolution rate), satisfaction, lights,
and the daily series the dashboard draws.

Everything is counted by the database in a fixed number of statements, whatever the size of
the window or the number of groups: a district's month is tens of thousands of issues, and
the overview shows every group's figures at once (`by_group`, `by_unit`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from issues import lights
from issues.fresh import Fresh
from issues.ledger import filtered
from issues.lifecycle import OPEN_STATUSES, Status
from issues.models import Group, Issue, OrgUnit
from issues.unit_of_work import Room
from issues.views import IssueFilter, Stats

COUNTED = tuple(s for s in Status if s != Status.WITHDRAWN)  # every figure leaves these out
SATISFIED = 3  # a score from here up counts as satisfied (the buttons give 5, 3 and 1)


def _n(cond: Any) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


class _Tally:
    """Counts added up for one scope (a group, a unit or everything)."""

    def __init__(self) -> None:
        self.by_status: dict[str, int] = {}
        self.by_cat: dict[str, int] = {}
        self.answered = 0
        self.rated = 0
        self.satisfied = 0
        self.red = 0
        self.yellow = 0

    @classmethod
    def counted(cls, rows: list[Any]) -> _Tally:
        """From (status, category, issues, accepted) rows."""
        t = cls()
        for status, cat, n, answered in rows:
            t.by_status[status] = t.by_status.get(status, 0) + n
            t.by_cat[cat] = t.by_cat.get(cat, 0) + n
            t.answered += answered
        return t

    def add(self, other: _Tally) -> None:
        for k, v in other.by_status.items():
            self.by_status[k] = self.by_status.get(k, 0) + v
        for k, v in other.by_cat.items():
            self.by_cat[k] = self.by_cat.get(k, 0) + v
        self.answered += other.answered
        self.rated += other.rated
        self.satisfied += other.satisfied
        self.red += other.red
        self.yellow += other.yellow

    def stats(self, ack_minutes: float | None = None,
              resolve_hours: float | None = None) -> Stats:
        st = self.by_status
        received = sum(st.values())
        resolved = st.get(Status.RESOLVED, 0) + st.get(Status.CLOSED, 0)
        rejected = st.get(Status.REJECTED, 0)
        valid = received - rejected
        return Stats(
            received=received, answered=self.answered,
            pending=st.get(Status.OPEN, 0),
            in_progress=sum(st.get(x, 0) for x in OPEN_STATUSES[1:]),
            resolved=resolved, rejected=rejected, rated=self.rated, satisfied=self.satisfied,
            resolution_rate=(resolved / valid) if valid else None,
            satisfaction_rate=(self.satisfied / self.rated) if self.rated else None,
            median_ack_minutes=ack_minutes, median_resolve_hours=resolve_hours,
            # most first; ties by code, not in the order the database happened to group them
            # (SQLite and PostgreSQL differ: the wall screen's bars swapped places between them)
            by_category=dict(sorted(self.by_cat.items(), key=lambda kv: (-kv[1], kv[0]))),
            overdue={"yellow": self.yellow, "red": self.red},
        )


def _light_sums(now: datetime) -> list[Any]:
    """sum(red), sum(yellow) over open issues, for a GROUP BY."""
    return [func.sum(case((lights.light_is(name, now), 1), else_=0)) for name in ("red",
                                                                                  "yellow")]


@dataclass(eq=False)
class Statistics(Room):
    _fresh: Fresh[Any] = field(default_factory=Fresh)

    def _window(self, start: datetime | None, end: datetime | None,
                now: datetime) -> tuple[datetime, datetime]:
        return (start or datetime(2000, 1, 1, tzinfo=UTC),
                end or now + timedelta(seconds=1))

    async def stats(self, chat_id: int | None = None, start: datetime | None = None,
                    end: datetime | None = None, org_unit_id: int | None = None,
                    max_age: float = 0, counts_only: bool = False,
                    rated_and_lit: bool = True) -> Stats:
        """The published figures for a scope and window (issues received in the window), in
        three statements side by side: counts by status and category, the two medians, then
        ratings and lights; `counts_only`: the first alone (received, answered, resolved…:
        a day's cards); `rated_and_lit=False`: the first two (ratings and lights 0: the
        overview has them from the supervision report, web.figures). With `max_age`, figures
        computed at most that many seconds ago will do (issues.fresh): a district's month is
        tens of thousands of issues."""
        return await self._fresh.get(
            ("stats", chat_id, start, end, org_unit_id, counts_only, rated_and_lit),
            lambda: self._stats(IssueFilter(chat_id=chat_id, org_unit_id=org_unit_id), start,
                                end, counts_only, rated_and_lit),
            max_age)

    async def selection(self, f: IssueFilter) -> Stats:
        """The figures of exactly the issues `f` selects (received between its since and
        until): an export's figures sheet beside its rows, whatever the ledger's filter."""
        return await self._stats(replace(f, since=None, until=None), f.since, f.until,
                                 counts_only=False, rated_and_lit=True)

    async def _stats(self, scope: IssueFilter, start: datetime | None, end: datetime | None,
                     counts_only: bool, rated_and_lit: bool) -> Stats:
        now = self.clock()
        start, end = self._window(start, end, now)
        window = replace(scope, since=start, until=end)
        counted = self.uow.rows(filtered(select(
            Issue.status, Issue.category, func.count(), func.count(Issue.acknowledged_at)),
            window, now).group_by(Issue.status, Issue.category))
        if counts_only:
            return _Tally.counted(await counted).stats()
        # Each rating counts once, by the issue's latest (the facts of issues.facts, as the
        # supervision figures count them); each light per clock, each count a range of a
        # (status, due) index.
        rated = filtered(select(func.count(), _n(Issue.rating >= SATISFIED)), scope, now
                         ).where(Issue.rated_at >= start, Issue.rated_at < end)
        lit = [filtered(select(func.count()).where(part), scope, now).scalar_subquery()
               for name in ("yellow", "red") for part in lights.parts(name, now)]
        counts, clocks, *rest = await asyncio.gather(  # each in a session of its own
            counted, self.uow.rows(filtered(select(*self._clocks()), window, now)),
            *([self.uow.rows(select(rated.subquery(), *lit))] if rated_and_lit else []))
        t = _Tally.counted(counts)
        ack, res = self._medians(*clocks[0])
        if rest:
            got = rest[0][0]
            t.rated, t.satisfied = int(got[0]), int(got[1])
            t.yellow, t.red = int(got[2] + got[3]), int(got[4] + got[5])
        return t.stats(None if ack is None else ack / 60, None if res is None else res / 3600)

    def _clocks(self) -> list[Any]:
        """The seconds each stopped clock took (issues.facts: no time arithmetic per row):
        PostgreSQL's median (percentile_cont: the middle value, or the mean of the two
        middle ones); on SQLite, which has no such aggregate and sorts slowly in SQL, the
        seconds as JSON arrays for `_medians`."""
        spans = (Issue.ack_seconds, Issue.resolve_seconds)
        if self.uow.is_sqlite:
            return [func.json_group_array(c).filter(c.is_not(None)) for c in spans]
        return [func.percentile_cont(0.5).within_group(c) for c in spans]

    @staticmethod
    def _medians(ack: Any, res: Any) -> tuple[float | None, float | None]:
        def median(v: Any) -> float | None:
            if isinstance(v, str):  # SQLite's JSON array of seconds
                v = json.loads(v)
                return float(statistics.median(v)) if v else None
            return None if v is None else float(v)

        return median(ack), median(res)

    async def by_group(self, start: datetime | None = None,
                       end: datetime | None = None) -> dict[int, Stats]:
        """Chat id → the figures of each group (issues received in the window), in four
        statements however many groups there are. Counts, rates and lights only: medians are
        not computed per group (None)."""
        tallies = await self._tallies(start, end)

        async def chats(s: AsyncSession) -> list[int]:
            return list((await s.execute(select(Group.chat_id).order_by(Group.id))).scalars())

        return {chat: tallies.get(chat, _Tally()).stats() for chat in await self.uow.read(chats)}

    async def by_unit(self, start: datetime | None = None,
                      end: datetime | None = None) -> dict[int, Stats]:
        """Org unit id → the figures of the unit's groups and of every unit below it (a
        street covers its communities' groups), as in `by_group`."""
        now = self.clock()

        async def units(s: AsyncSession) -> list[tuple[int, int | None]]:
            return [(u, p) for u, p in (await s.execute(
                select(OrgUnit.id, OrgUnit.parent_id))).all()]

        parents = dict(await self.uow.read(units))
        tallies = await self._tallies(start, end, key=Group.org_unit_id, now=now)
        out = {u: _Tally() for u in parents}
        for unit, t in tallies.items():
            seen: set[int] = set()
            up: int | None = unit
            while up is not None and up not in seen and up in out:  # the unit and above
                seen.add(up)
                out[up].add(t)
                up = parents.get(up)
        return {u: t.stats() for u, t in out.items()}

    async def _tallies(self, start: datetime | None, end: datetime | None,
                       key: Any = Group.chat_id, now: datetime | None = None,
                       ) -> dict[Any, _Tally]:
        """Counts per value of a column of the group (chat id, org unit id)."""
        now = now or self.clock()
        start, end = self._window(start, end, now)
        groups = select(Group.id, key.label("key")).subquery()

        def by_key(*cols: Any) -> Select[Any]:
            return (select(groups.c.key, *cols).select_from(Issue)
                    .join(groups, groups.c.id == Issue.group_id).group_by(groups.c.key))

        async def run(s: AsyncSession) -> dict[Any, _Tally]:
            out: dict[Any, _Tally] = {}

            def tally(k: Any) -> _Tally:
                return out.setdefault(k, _Tally())

            received = by_key(Issue.status, func.count(), func.count(Issue.acknowledged_at)
                              ).where(Issue.created_at >= start, Issue.created_at < end,
                                      Issue.status != Status.WITHDRAWN).group_by(Issue.status)
            for k, status, n, answered in (await s.execute(received)).all():
                t = tally(k)
                t.by_status[status] = n
                t.answered += answered
            rated = (by_key(func.count(), _n(Issue.rating >= SATISFIED))
                     .where(Issue.rated_at >= start, Issue.rated_at < end,
                            Issue.status != Status.WITHDRAWN))
            for k, n, satisfied in (await s.execute(rated)).all():
                tally(k).rated, tally(k).satisfied = int(n), int(satisfied or 0)
            lit = by_key(*_light_sums(now)).where(Issue.status.in_(OPEN_STATUSES))
            for k, red, yellow in (await s.execute(lit)).all():
                tally(k).red, tally(k).yellow = int(red or 0), int(yellow or 0)
            return out

        return await self.uow.read(run)

    async def daily_counts(self, days: int, tz: str, chat_id: int | None = None,
                           max_age: float = 0) -> list[tuple[str, int, int]]:
        """(local date, received, resolved) for each of the last `days` days, oldest first,
        counted by the database per local day (one statement, each count a range of an index);
        with `max_age` as in `stats`."""
        return await self._fresh.get(("daily", days, tz, chat_id),
                                     lambda: self._daily_counts(days, tz, chat_id), max_age)

    async def _daily_counts(self, days: int, tz: str,
                            chat_id: int | None) -> list[tuple[str, int, int]]:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(tz)
        now = self.clock()
        today = now.astimezone(zone).date()
        first = today - timedelta(days=days - 1)
        bounds = [datetime(d.year, d.month, d.day, tzinfo=zone).astimezone(UTC)
                  for d in (first + timedelta(days=n) for n in range(days + 1))]
        scope = IssueFilter(chat_id=chat_id)

        def count(col: Any, a: datetime, b: datetime) -> Any:
            """Each day's count is a range of an index that holds the status too: (created,
            …) for receipts, each status's (status, resolved) for resolutions."""
            q = filtered(select(func.count()), scope, now)
            if col is Issue.resolved_at:
                q = q.where(Issue.status.in_(COUNTED))
            return q.where(col >= a, col < b).scalar_subquery()

        async def run(s: AsyncSession) -> list[tuple[str, int, int]]:
            got = (await s.execute(select(*(
                count(col, a, b) for col in (Issue.created_at, Issue.resolved_at)
                for a, b in itertools.pairwise(bounds))))).one()
            return [((first + timedelta(days=n)).isoformat(), int(got[n]),
                     int(got[days + n])) for n in range(days)]

        return await self.uow.read(run)


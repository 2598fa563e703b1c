"""SLA reminders: each turn of a light (yellow at 75 % of the allowed time, red when due)
found as a range of an index and claimed in the same statement, a page at a time until none
is left; and the claims taken back when their lease ran out.

The scan looks at the turns after its mark (`TickMark`, the `now` of the last complete scan)
up to now: a tick after downtime catches up on everything it missed, several workers share
the mark and never claim a turn twice (the claim's key is the turn: issue, clock, light), and
a tick that dies mid-scan leaves the mark where it was, so the next one looks again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from sqlalchemy import ColumnElement, String, case, cast, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from issues import lights
from issues.deliveries import claim_selected, not_claimed, reclaim_expired
from issues.ledger import Ledger
from issues.lifecycle import Status
from issues.models import Group, Issue, TickMark
from issues.unit_of_work import Room
from issues.views import Escalated, IssueView, Reminder

SCAN = "remind"  # the reminder scan's mark
# A ledger's first scan (a new install, or one upgraded from before the marks) looks back to
# the beginning: a light that turned before it still gets its one reminder.
FIRST_SCAN = datetime(1970, 1, 1, tzinfo=UTC)
PAGE = 500
RETRIED = ("remind:", "escalate:")


def reminder_key(light: str) -> ColumnElement[str]:
    """remind:<issue id>:<clock>:<light>, as SQL: one key per turn of a light (a deadline
    never moves once set, so an issue's clock turns each light once)."""
    clock = case((Issue.status == Status.OPEN, "ack"), else_="resolve")
    return (literal("remind:") + cast(Issue.id, String) + literal(":") + clock
            + literal(f":{light}"))


@dataclass(eq=False)
class Reminders(Room):
    ledger: Ledger

    async def due(self, page: int = PAGE) -> AsyncIterator[list[Reminder]]:
        """The reminders due since the last scan, claimed a page at a time (red first); the
        mark moves once every page was taken."""
        now = self.clock()
        since = await self.mark(FIRST_SCAN)
        for light in ("red", "yellow"):
            while True:
                got = await self.uow.write(partial(self._claim, light=light, since=since,
                                                   now=now, page=page))
                if got:
                    yield got
                if len(got) < page:
                    break
        await self.set_mark(now)

    async def _claim(self, s: AsyncSession, light: str, since: datetime, now: datetime,
                     page: int) -> list[Reminder]:
        key = reminder_key(light)
        rows = (select(key.label("key"), Group.chat_id).join(Group, Group.id == Issue.group_id)
                .where(lights.crossed(light, since, now), not_claimed(key)).limit(page))
        keys = await claim_selected(s, self.uow.is_sqlite, rows, now)
        return [r for r in await self._of_keys(s, keys) if isinstance(r, Reminder)]

    async def retries(self, page: int = PAGE) -> AsyncIterator[list[Reminder | Escalated]]:
        """Reminders and escalation notices claimed earlier whose lease ran out (a failed or
        interrupted send, or held through quiet hours), taken back a page at a time, each
        with the issue as it is now."""
        while True:
            async def run(s: AsyncSession) -> list[Reminder | Escalated]:
                keys = await reclaim_expired(s, RETRIED, self.clock(), page)
                return await self._of_keys(s, keys)

            got = await self.uow.write(run)
            if got:
                yield got
            if len(got) < page:
                break

    async def _of_keys(self, s: AsyncSession, keys: list[str]) -> list[Reminder | Escalated]:
        ids = {int(k.split(":")[1]) for k in keys}
        if not ids:
            return []
        rows = (await s.execute(select(Issue).where(Issue.id.in_(ids)))).scalars().all()
        views = {v.id: v for v in await self.ledger.views(s, rows)}
        out: list[Reminder | Escalated] = []
        for k in sorted(keys):
            kind, issue_id, *rest = k.split(":")
            view = views.get(int(issue_id))
            if view is not None:
                out.append(Reminder(k, view, rest[-1]) if kind == "remind"
                           else Escalated(k, view))
        return out

    async def mark(self, default: datetime, name: str = SCAN) -> datetime:
        async def run(s: AsyncSession) -> datetime:
            found = await s.get(TickMark, name)
            return found.at if found is not None else default

        return await self.uow.read(run)

    async def set_mark(self, at: datetime, name: str = SCAN) -> None:
        """The scan has looked up to `at` (a mark never moves back)."""
        async def run(s: AsyncSession) -> None:
            found = await s.get(TickMark, name)
            if found is None:
                s.add(TickMark(name=name, at=at))
            elif found.at < at:
                found.at = at

        await self.uow.write(run)

    async def most_overdue(self, limit: int) -> list[IssueView]:
        """The red issues longest past the deadline that runs now, longest first: per clock
        the first `limit` of its (status, due) index, merged (sorting a district's thousands
        of red issues by that deadline would read every one of them)."""
        async def run(s: AsyncSession) -> list[IssueView]:
            now = self.clock()
            late: list[tuple[datetime, Issue]] = []
            for statuses, due, _ in lights.clocks():
                rows = (await s.execute(select(Issue, due).where(
                    Issue.status.in_(statuses), due <= now).order_by(due).limit(limit))).all()
                late += [(at, issue) for issue, at in rows]
            late.sort(key=lambda r: r[0])
            return await self.ledger.views(s, [issue for _, issue in late[:limit]])

        return await self.uow.read(run)

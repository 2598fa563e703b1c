"""SLA escalation: which lights turned, which red issues go one level up, and the system's own
step up (an event without an actor)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy import String, and_, cast, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from issues import lights
from issues.deliveries import claim_selected, not_claimed
from issues.ledger import Ledger, issue_by_id
from issues.lifecycle import OPEN_STATUSES, Status
from issues.models import Event, Group, Issue
from issues.unit_of_work import Room
from issues.views import LEVELS, Escalated, EventView, IssueView, TransitionResult

PAGE = 200


@dataclass(eq=False)
class Escalation(Room):
    ledger: Ledger

    async def crossed_lights(self, since: datetime, now: datetime | None = None,
                             ) -> list[tuple[IssueView, str]]:
        """Open issues whose light turned yellow or red in (since, now]."""
        now = now or self.clock()

        async def run(s: AsyncSession) -> list[tuple[IssueView, str]]:
            out: list[tuple[Issue, str]] = []
            for name in ("red", "yellow"):
                cond = lights.crossed(name, since, now)
                out += [(i, name) for i in (await s.execute(
                    select(Issue).where(cond).order_by(Issue.id))).scalars()]
            views = await self.ledger.views(s, [i for i, _ in out])
            return list(zip(views, [c for _, c in out], strict=True))

        return await self.uow.read(run)

    async def due_for_escalation(self, now: datetime | None = None,
                                 limit: int = 200) -> list[IssueView]:
        """Red issues that can still go one level up (oldest first, at most `limit`: the
        scheduler takes the rest on its next pass).

        The deadline stays what it was (being late is not forgiven by escalating): an issue at
        level L goes up once its running clock is (L + 1) grace periods past due, so each
        level has one grace period to act before the next one is asked."""
        now = now or self.clock()
        grace = self.settings.escalation_grace

        async def run(s: AsyncSession) -> list[IssueView]:
            # One query per clock and level, each walking its own (status, due) index.
            rows: list[Issue] = []
            for statuses, due in ((OPEN_STATUSES[:1], Issue.ack_due_at),
                                  (OPEN_STATUSES[1:], Issue.resolve_due_at)):
                for status in statuses:
                    for level in range(len(LEVELS) - 1):
                        rows += (await s.execute(select(Issue).where(
                            Issue.status == status, due <= now - grace * (level + 1),
                            Issue.escalation_level == level,
                        ).order_by(due).limit(limit))).scalars().all()
            rows.sort(key=lambda i: i.ack_due_at if i.status == Status.OPEN
                      else i.resolve_due_at)
            return await self.ledger.views(s, rows[:limit])

        return await self.uow.read(run)

    async def escalations_due(self, page: int = PAGE) -> AsyncIterator[list[Escalated]]:
        """Every red issue late enough for its next level, raised a page at a time until none
        is left: each page claims the notices (escalate:<issue>:<level>) in the statement
        that finds the issues, and raises them in the same transaction. Levels are taken from
        the top down, so an issue climbs one level a tick (each level has its grace period)."""
        for level in reversed(range(len(LEVELS) - 1)):
            while True:
                got = await self.uow.write(partial(self._raise, level=level, page=page))
                if got:
                    yield got
                if len(got) < page:
                    break

    async def _raise(self, s: AsyncSession, level: int, page: int) -> list[Escalated]:
        now = self.clock()
        cut = now - self.settings.escalation_grace * (level + 1)
        late = or_(and_(Issue.status == Status.OPEN, Issue.ack_due_at <= cut),
                   and_(Issue.status.in_(OPEN_STATUSES[1:]), Issue.resolve_due_at <= cut))
        key = (literal("escalate:") + cast(Issue.id, String) + literal(f":{level + 1}"))
        rows = (select(key.label("key"), Group.chat_id).join(Group, Group.id == Issue.group_id)
                .where(late, Issue.escalation_level == level, not_claimed(key)).limit(page))
        keys = await claim_selected(s, self.uow.is_sqlite, rows, now)
        ids = [int(k.split(":")[1]) for k in keys]
        issues = (await s.execute(select(Issue).where(Issue.id.in_(ids)).order_by(Issue.id))
                  ).scalars().all()
        events = [self._step_up(s, issue, now) for issue in issues]
        await s.flush()
        views = await self.ledger.views(s, issues)
        return [Escalated(f"escalate:{v.id}:{v.escalation_level}", v, e)
                for v, e in zip(views, events, strict=True)]

    def _step_up(self, s: AsyncSession, issue: Issue, now: datetime) -> EventView:
        """One level up, as an event without an actor. The deadline is kept: the issue stays
        late (red) and says so everywhere."""
        before = issue.status
        issue.escalation_level = min(len(LEVELS) - 1, issue.escalation_level + 1)
        issue.updated_at = now
        data = {"level": LEVELS[issue.escalation_level]}
        s.add(Event(issue_id=issue.id, actor_id=None, at=now, kind="auto_escalate",
                    from_status=before, to_status=issue.status, note=None, data=data))
        return EventView("auto_escalate", now, None, before, issue.status, None, data)

    async def auto_escalate(self, issue_id: int) -> TransitionResult:
        """The system raises a red issue one level; recorded as an event without an actor."""
        async def run(s: AsyncSession) -> TransitionResult:
            issue = await issue_by_id(s, issue_id)
            event = self._step_up(s, issue, self.clock())
            await s.flush()
            return TransitionResult(await self.ledger.view(s, issue), event)

        return await self.uow.write(run)

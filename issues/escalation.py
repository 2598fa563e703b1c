"""SLA escalation: which lights turned, which red issues go one level up, and the system's own
step up (an event without an actor)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issues import lights
from issues.ledger import Ledger, issue_by_id
from issues.lifecycle import OPEN_STATUSES, Status
from issues.models import Event, Issue
from issues.unit_of_work import Room
from issues.views import LEVELS, EventView, IssueView, TransitionResult


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

    async def auto_escalate(self, issue_id: int) -> TransitionResult:
        """The system raises a red issue one level; recorded as an event without an actor."""
        async def run(s: AsyncSession) -> TransitionResult:
            issue = await issue_by_id(s, issue_id)
            before = issue.status
            issue.escalation_level = min(len(LEVELS) - 1, issue.escalation_level + 1)
            now = self.clock()
            # The deadline is kept: the issue stays late (red) and says so everywhere.
            issue.updated_at = now
            data = {"level": LEVELS[issue.escalation_level]}
            s.add(Event(issue_id=issue.id, actor_id=None, at=now, kind="auto_escalate",
                        from_status=before, to_status=issue.status, note=None, data=data))
            await s.flush()
            return TransitionResult(await self.ledger.view(s, issue),
                                    EventView("auto_escalate", now, None, before, issue.status,
                                              None, data))

        return await self.uow.write(run)

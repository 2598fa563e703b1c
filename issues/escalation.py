"""SLA escalation: which lights turned, which red issues go one level up, and the system's own
step up (an event without an actor)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issues import lights, sla
from issues.ledger import Ledger, issue_by_id
from issues.lifecycle import OPEN_STATUSES, Status
from issues.models import Event, Issue
from issues.settings import Settings
from issues.unit_of_work import UnitOfWork
from issues.views import LEVELS, EventView, IssueView, TransitionResult


class Escalation:
    def __init__(self, uow: UnitOfWork, settings: Settings, clock: Callable[[], datetime],
                 ledger: Ledger) -> None:
        self.uow = uow
        self.settings = settings
        self.clock = clock
        self.ledger = ledger

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
        """Red issues past the grace period that can still go one level up (oldest first,
        at most `limit`: the scheduler takes the rest on its next pass)."""
        now = now or self.clock()
        cutoff = now - self.settings.escalation_grace

        async def run(s: AsyncSession) -> list[IssueView]:
            # One query per clock, each walking its own (status, due) index in due order.
            rows: list[Issue] = []
            for statuses, due in ((OPEN_STATUSES[:1], Issue.ack_due_at),
                                  (OPEN_STATUSES[1:], Issue.resolve_due_at)):
                for status in statuses:
                    rows += (await s.execute(select(Issue).where(
                        Issue.status == status, due <= cutoff,
                        Issue.escalation_level < len(LEVELS) - 1,
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
            # A new clock for the next level: the same allowed time again.
            times = self.settings.sla_for(issue.category, issue.urgent)
            issue.resolve_due_at = max(issue.resolve_due_at, now) + times.resolve
            issue.ack_due_at = max(issue.ack_due_at, now) + times.ack
            ratio = self.settings.yellow_ratio
            issue.ack_warn_at = sla.warn_at(issue.created_at, issue.ack_due_at, ratio)
            issue.resolve_warn_at = sla.warn_at(issue.created_at, issue.resolve_due_at, ratio)
            issue.updated_at = now
            note = f"超时自动升级至{LEVELS[issue.escalation_level]}"
            s.add(Event(issue_id=issue.id, actor_id=None, at=now, kind="auto_escalate",
                        from_status=before, to_status=issue.status, note=note))
            await s.flush()
            return TransitionResult(await self.ledger.view(s, issue),
                                    EventView("auto_escalate", now, None, before, issue.status,
                                              note))

        return await self.uow.write(run)

"""Follow-up of resolutions nobody rated: the reporter is asked once, `followup_after` after
the issue was resolved; still unrated `followup_wait` after that, the resolution is recorded
as unrated (an event, and the view's `followup`), never counted as satisfied.

A follow-up belongs to one resolution (the issue's `resolved_at`): reopened and resolved
again, it is asked about again. A resolution found too late to ask (the bot was down, or
the follow-up was switched on after it) is recorded as unrated without asking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from issues.ledger import Ledger
from issues.lifecycle import Status
from issues.models import Event, Issue, Rating
from issues.practice_models import FollowUp
from issues.unit_of_work import Room
from issues.views import IssueView


def followup_key(issue_id: int, resolved_at: datetime) -> str:
    """The delivery key of the follow-up of one resolution (its message id is kept under it)."""
    return f"followup:{issue_id}:{resolved_at.isoformat()}"


def _unrated() -> object:
    """No rating given since the current resolution."""
    return ~exists().where(Rating.issue_id == Issue.id, Rating.at >= Issue.resolved_at)


@dataclass(eq=False)
class FollowUps(Room):
    ledger: Ledger

    async def due(self, now: datetime | None = None,
                  limit: int = 200) -> list[tuple[IssueView, bool]]:
        """Unrated resolutions old enough to ask about and not asked yet, oldest first, each
        with whether it is still worth asking (False: record it as unrated at once)."""
        now = now or self.clock()
        p = self.settings.practices

        async def run(s: AsyncSession) -> list[tuple[IssueView, bool]]:
            rows = (await s.execute(select(Issue).where(
                Issue.status == Status.RESOLVED, Issue.resolved_at <= now - p.followup_after,
                _unrated(),  # type: ignore[arg-type]  # a NOT EXISTS clause, typed as object
                ~exists().where(FollowUp.issue_id == Issue.id,
                                FollowUp.resolved_at == Issue.resolved_at),
            ).order_by(Issue.resolved_at).limit(limit))).scalars().all()
            views = await self.ledger.views(s, rows)
            late = now - p.followup_after - p.followup_wait
            return [(v, i.resolved_at is not None and i.resolved_at > late)
                    for v, i in zip(views, rows, strict=True)]

        return await self.uow.read(run)

    async def asked(self, issue_id: int, resolved_at: datetime, *, unrated: bool = False
                    ) -> bool:
        """The reporter was asked about this resolution (or, `unrated`, it is recorded as
        unrated without asking). False when it was recorded before."""
        async def run(s: AsyncSession) -> bool:
            s.add(FollowUp(issue_id=issue_id, resolved_at=resolved_at, asked_at=self.clock(),
                           outcome="unrated" if unrated else "asked"))
            if unrated:
                s.add(self._event(issue_id))
            await s.flush()
            return True

        try:
            return await self.uow.write(run, retries=1)
        except IntegrityError:
            return False

    async def expire(self, now: datetime | None = None) -> list[int]:
        """Asked and still unrated after `followup_wait`: recorded as unrated. The issues'
        ids."""
        now = now or self.clock()
        wait = self.settings.practices.followup_wait

        async def run(s: AsyncSession) -> list[int]:
            rows = (await s.execute(select(FollowUp).join(Issue, and_(
                Issue.id == FollowUp.issue_id, Issue.resolved_at == FollowUp.resolved_at)).where(
                FollowUp.outcome == "asked", FollowUp.asked_at <= now - wait,
                Issue.status == Status.RESOLVED,
                _unrated(),  # type: ignore[arg-type]  # a NOT EXISTS clause, typed as object
            ))).scalars().all()
            for row in rows:
                row.outcome = "unrated"
                s.add(self._event(row.issue_id))
            return [r.issue_id for r in rows]

        return await self.uow.write(run)

    def _event(self, issue_id: int) -> Event:
        """The system's record that the resolution stays unrated (the status stays)."""
        return Event(issue_id=issue_id, actor_id=None, at=self.clock(), kind="unrated",
                     from_status=Status.RESOLVED, to_status=Status.RESOLVED, note=None,
                     data={})

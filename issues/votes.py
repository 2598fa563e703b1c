"""Votes: residents decide on a local project by a poll in their group.

A group's owner or admins open a vote (a title, 2 to 10 options, anonymous or not, a closing
time); the bot posts it as a native poll and records the poll's id here. Counts follow the
poll's updates, each named voter's answer is kept for an open (non-anonymous) vote, and when
the closing time passes the bot stops the poll and records the final counts, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from issues import people
from issues.errors import InvalidInput, NotFound
from issues.groups import group_row, require_manager
from issues.lifecycle import GroupAct
from issues.models import Group
from issues.practice_models import Vote, VoteBallot
from issues.unit_of_work import Room
from issues.views import PersonRef

MAX_TITLE = 255  # Telegram allows 300 characters of question; the closing time goes after it
MAX_OPTION = 100
OPTIONS = (2, 10)
LONGEST = timedelta(days=30)  # Telegram closes a poll by itself at most about a month out
SHORTEST = timedelta(seconds=5)


@dataclass(frozen=True)
class VoteView:
    id: int
    chat_id: int
    group_title: str
    number: int
    title: str
    options: tuple[str, ...]
    anonymous: bool
    closes_at: datetime
    closed_at: datetime | None
    counts: tuple[int, ...]  # per option; the latest the poll reported, final once closed
    voters: int
    poll_id: str | None
    message_id: int | None
    created_at: datetime

    @property
    def winners(self) -> tuple[str, ...]:
        """The options with the most votes (none before anyone voted)."""
        top = max(self.counts, default=0)
        return tuple(o for o, c in zip(self.options, self.counts, strict=True)
                     if c == top) if top else ()


def _view(v: Vote, g: Group) -> VoteView:
    options = tuple(v.options or ())
    counts = tuple(v.counts or ()) or (0,) * len(options)
    return VoteView(v.id, g.chat_id, g.title, v.number, v.title, options, v.anonymous,
                    v.closes_at, v.closed_at, counts, v.voters, v.poll_id, v.message_id,
                    v.created_at)


def _check(title: str, options: Sequence[str], closes_at: datetime, now: datetime
           ) -> tuple[str, list[str]]:
    title = title.strip()
    opts = [o.strip() for o in options if o.strip()]
    if not title:
        raise InvalidInput("vote_no_title")
    if len(title) > MAX_TITLE:
        raise InvalidInput("vote_title_too_long", limit=MAX_TITLE)
    if not OPTIONS[0] <= len(opts) <= OPTIONS[1]:
        raise InvalidInput("vote_options", low=OPTIONS[0], high=OPTIONS[1])
    if len(set(opts)) != len(opts) or any(len(o) > MAX_OPTION for o in opts):
        raise InvalidInput("vote_option_text", limit=MAX_OPTION)
    if not SHORTEST <= closes_at - now <= LONGEST:
        raise InvalidInput("vote_duration", days=LONGEST.days)
    return title, opts


@dataclass(eq=False)
class Votes(Room):
    async def open(self, chat_id: int, actor: PersonRef, title: str, options: Sequence[str],
                   *, anonymous: bool, closes_at: datetime) -> VoteView:
        """A new vote in the group, numbered per group; the bot posts it next (`posted`)."""
        title, opts = _check(title, options, closes_at, self.clock())

        async def run(s: AsyncSession) -> VoteView:
            g = await group_row(s, chat_id)
            await require_manager(s, g, actor.user_id or 0, GroupAct.VOTE)
            number = (await s.execute(select(func.coalesce(func.max(Vote.number), 0)).where(
                Vote.group_id == g.id))).scalar_one() + 1
            vote = Vote(group_id=g.id, number=number, title=title, options=opts,
                        anonymous=anonymous, closes_at=closes_at, voters=0,
                        created_by=(await people.person(s, actor)).id, created_at=self.clock())
            s.add(vote)
            await s.flush()
            return _view(vote, g)

        return await self.uow.write(run)

    async def posted(self, vote_id: int, poll_id: str, message_id: int) -> None:
        async def run(s: AsyncSession) -> None:
            await s.execute(update(Vote).where(Vote.id == vote_id).values(
                poll_id=poll_id, message_id=message_id))

        await self.uow.write(run)

    async def discard(self, vote_id: int) -> None:
        """The poll could not be posted: the vote never was."""
        async def run(s: AsyncSession) -> None:
            await s.execute(delete(Vote).where(Vote.id == vote_id, Vote.poll_id.is_(None)))

        await self.uow.write(run)

    async def counted(self, poll_id: str, counts: Sequence[int], voters: int) -> bool:
        """The poll's latest counts (a `poll` update); False for a poll that is no vote of
        ours or a vote already closed (its final counts stay)."""
        async def run(s: AsyncSession) -> bool:
            done = await s.execute(update(Vote).where(
                Vote.poll_id == poll_id, Vote.closed_at.is_(None)).values(
                counts=list(counts), voters=voters))
            return bool(getattr(done, "rowcount", 0))

        return await self.uow.write(run)

    async def answered(self, poll_id: str, voter: PersonRef, option_ids: Sequence[int]) -> None:
        """A named voter's answer to an open vote (a `poll_answer`); [] takes it back."""
        async def run(s: AsyncSession) -> None:
            vote = (await s.execute(select(Vote).where(Vote.poll_id == poll_id))).scalar()
            if vote is None or vote.closed_at is not None:
                return
            person_id = (await people.person(s, voter)).id
            ballot = await s.get(VoteBallot, (vote.id, person_id))
            if not option_ids:
                if ballot is not None:
                    await s.delete(ballot)
                return
            if ballot is None:
                s.add(VoteBallot(vote_id=vote.id, person_id=person_id,
                                 option_ids=list(option_ids), at=self.clock()))
            else:
                ballot.option_ids, ballot.at = list(option_ids), self.clock()

        await self.uow.write(run)

    async def close(self, vote_id: int, counts: Sequence[int] | None,
                    voters: int | None) -> tuple[VoteView, bool]:
        """Record the final result (the stopped poll's counts; None: the last ones known).
        True the first time only: the result is announced once."""
        async def run(s: AsyncSession) -> tuple[VoteView, bool]:
            vote = await s.get(Vote, vote_id)
            if vote is None:
                raise NotFound("vote_not_found", number=vote_id)
            first = vote.closed_at is None
            if first:
                vote.closed_at = self.clock()
                if counts is not None:
                    vote.counts, vote.voters = list(counts), voters or 0
            g = await s.get(Group, vote.group_id)
            assert g is not None
            return _view(vote, g), first

        return await self.uow.write(run)

    async def by_poll(self, poll_id: str) -> VoteView | None:
        async def run(s: AsyncSession) -> VoteView | None:
            row = (await s.execute(select(Vote, Group).join(Group, Group.id == Vote.group_id)
                                   .where(Vote.poll_id == poll_id))).first()
            return _view(*row) if row else None

        return await self.uow.read(run)

    async def due(self, now: datetime | None = None) -> list[VoteView]:
        """Posted votes whose closing time has passed and whose result is not recorded."""
        now = now or self.clock()

        async def run(s: AsyncSession) -> list[VoteView]:
            rows = (await s.execute(select(Vote, Group).join(Group, Group.id == Vote.group_id)
                                    .where(Vote.closed_at.is_(None), Vote.closes_at <= now,
                                           Vote.poll_id.is_not(None))
                                    .order_by(Vote.closes_at))).all()
            return [_view(v, g) for v, g in rows]

        return await self.uow.read(run)

    async def ballots(self, vote_id: int) -> list[tuple[PersonRef, tuple[int, ...]]]:
        """Who answered an open vote, and how (none are kept for an anonymous one)."""
        async def run(s: AsyncSession) -> list[tuple[PersonRef, tuple[int, ...]]]:
            rows = (await s.execute(select(VoteBallot).where(VoteBallot.vote_id == vote_id)
                                    .order_by(VoteBallot.at))).scalars().all()
            found = await people.refs(s, [b.person_id for b in rows])
            return [(found[b.person_id], tuple(b.option_ids)) for b in rows]

        return await self.uow.read(run)

    async def newest(self, limit: int = 50) -> list[VoteView]:
        """The newest votes of every group, for the dashboard."""
        async def run(s: AsyncSession) -> list[VoteView]:
            rows = (await s.execute(select(Vote, Group).join(Group, Group.id == Vote.group_id)
                                    .where(Vote.poll_id.is_not(None))
                                    .order_by(Vote.created_at.desc(), Vote.id.desc())
                                    .limit(limit))).all()
            return [_view(v, g) for v, g in rows]

        return await self.uow.read(run)

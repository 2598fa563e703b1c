"""Notices: an official text a unit sends from its own group to every group under it,
numbered per unit, and its follow-ups (progress) to the same groups.

A notice is written with one post per target group, pending until the bot has sent it; the
bot sends them paced under Telegram's flood limits (bot.jobs.notices) and records each
outcome here, so the dashboard can show a notice's reach (groups, members) and how its
delivery stands. A notice is never a complaint: messages repeating a notice's text are not
taken as reports (`is_notice_text`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import CompoundSelect, Select, bindparam, func, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from issues import people, tree
from issues.errors import InvalidInput, NotFound, PermissionDenied
from issues.models import Group, OrgUnit
from issues.practice_models import Notice, NoticeFollowUp, NoticePost
from issues.unit_of_work import Room, core
from issues.views import PersonRef

MAX_NOTICE = 3000  # characters: a notice and its heading fit one Telegram message
SAME_TEXT_DAYS = 30  # a message repeating a notice this recent is the notice, not a report
MIN_SAME_TEXT = 8  # shorter texts ("noted!") are too common to recognise


@cache
def _recent_texts() -> CompoundSelect[str, datetime]:
    """The notices and follow-ups sent since :since, long enough to recognise, with when (one
    statement, built once)."""
    def recent(table: type[Notice] | type[NoticeFollowUp]) -> Select[str, datetime]:
        return select(table.text, table.created_at).where(
            table.created_at >= bindparam("since"), func.length(table.text) >= MIN_SAME_TEXT)

    return union_all(recent(Notice), recent(NoticeFollowUp))


@dataclass(frozen=True)
class _Recent:
    """The recent notice texts as read at `stamp` (monotonic), covering those sent since
    `since`."""

    stamp: float
    since: datetime
    texts: list[tuple[str, datetime]]


@dataclass(frozen=True)
class Tally:
    """How the posts of one notice (seq 0) or one follow-up stand."""

    seq: int
    groups: int
    sent: int
    pending: int
    failed: int
    members: int  # members of the groups it reached (the bot not counted)


@dataclass(frozen=True)
class NoticeView:
    id: int
    unit_name: str
    unit_level: str
    number: int
    text: str
    author: PersonRef | None
    created_at: datetime
    followups: tuple[tuple[int, str, datetime], ...]  # (seq, text, when)
    tallies: tuple[Tally, ...]  # seq 0 first

    @property
    def reach(self) -> Tally:
        return self.tallies[0]


@dataclass(frozen=True)
class PendingPost:
    """A post the bot still has to send."""

    id: int
    notice_id: int
    number: int
    seq: int
    unit_name: str
    chat_id: int
    text: str
    reply_to: int | None  # the notice's own message in that group, for a follow-up


def _text(text: str, empty: str = "empty_notice") -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(empty)
    if len(text) > MAX_NOTICE:
        raise InvalidInput("notice_too_long", limit=MAX_NOTICE, length=len(text))
    return text


@dataclass(eq=False)
class Notices(Room):
    """Notices are few and change rarely; the texts sent lately are kept for
    `is_notice_text`, which every complaint asks."""

    _recent: _Recent | None = field(default=None, init=False)
    _sent: int = field(default=0, init=False)  # notices sent through this service so far

    async def _speaker(self, s: AsyncSession, chat_id: int, actor: PersonRef) -> OrgUnit:
        unit = await tree.home_unit(s, chat_id)
        if unit is None:
            raise InvalidInput("not_unit_home")
        if not await tree.may_speak_for(s, self.settings, unit, actor.user_id):
            raise PermissionDenied(action="notice", roles=("owner", "admin"))
        return unit

    async def send(self, chat_id: int, actor: PersonRef, text: str) -> NoticeView:
        """A new notice from the unit whose own group `chat_id` is, one pending post for
        every group under it."""
        text = _text(text)

        async def run(s: AsyncSession) -> NoticeView:
            unit = await self._speaker(s, chat_id, actor)
            groups = await tree.groups_under(s, unit)
            if not groups:  # nowhere to send it: nothing is registered, no number is taken
                raise InvalidInput("notice_no_groups", unit=unit.name)
            number = (await s.execute(select(func.coalesce(func.max(Notice.number), 0))
                                      .where(Notice.unit_id == unit.id))).scalar_one() + 1
            notice = Notice(unit_id=unit.id, number=number, text=text,
                            author_id=(await people.person(s, actor)).id,
                            created_at=self.clock())
            s.add(notice)
            await s.flush()
            for g in groups:
                s.add(NoticePost(notice_id=notice.id, seq=0, group_id=g.id, status="pending"))
            await s.flush()
            return (await self._views(s, [notice]))[0]

        return self._sent_one(await self.uow.write(run))

    async def follow_up(self, chat_id: int, actor: PersonRef, number: int,
                        text: str) -> NoticeView:
        """A follow-up of notice `number` of this unit, to the groups the notice went to."""
        text = _text(text, "empty_follow_up")

        async def run(s: AsyncSession) -> NoticeView:
            unit = await self._speaker(s, chat_id, actor)
            notice = (await s.execute(select(Notice).where(
                Notice.unit_id == unit.id, Notice.number == number))).scalar()
            if notice is None:
                raise NotFound("notice_not_found", number=number)
            targets = (await s.execute(select(NoticePost.group_id).where(
                NoticePost.notice_id == notice.id, NoticePost.seq == 0))).scalars().all()
            if not targets:  # a notice of old that went nowhere
                raise InvalidInput("notice_no_groups", unit=unit.name)
            seq = (await s.execute(select(func.coalesce(func.max(NoticeFollowUp.seq), 0))
                                   .where(NoticeFollowUp.notice_id == notice.id))
                   ).scalar_one() + 1
            s.add(NoticeFollowUp(notice_id=notice.id, seq=seq, text=text,
                                 author_id=(await people.person(s, actor)).id,
                                 created_at=self.clock()))
            for group_id in targets:
                s.add(NoticePost(notice_id=notice.id, seq=seq, group_id=group_id,
                                 status="pending"))
            await s.flush()
            return (await self._views(s, [notice]))[0]

        return self._sent_one(await self.uow.write(run))

    def _sent_one(self, view: NoticeView) -> NoticeView:
        """A notice or follow-up was sent: the recent texts kept for `is_notice_text` are
        stale (and so is any read of them still under way)."""
        self._recent, self._sent = None, self._sent + 1
        return view

    async def pending(self, after: int = 0, limit: int = 500) -> list[PendingPost]:
        """Posts not yet sent, oldest first (from post id `after` on: the next page)."""
        async def run(s: AsyncSession) -> list[PendingPost]:
            rows = (await s.execute(
                select(NoticePost, Group.chat_id, Notice.number, Notice.text, OrgUnit.name)
                .join(Group, Group.id == NoticePost.group_id)
                .join(Notice, Notice.id == NoticePost.notice_id)
                .join(OrgUnit, OrgUnit.id == Notice.unit_id)
                .where(NoticePost.status == "pending", NoticePost.id > after)
                .order_by(NoticePost.id).limit(limit)
            )).all()
            follow_ids = {(p.notice_id, p.seq) for p, *_ in rows if p.seq}
            texts: dict[tuple[int, int], str] = {}
            firsts: dict[tuple[int, int], int | None] = {}
            if follow_ids:
                notice_ids = {n for n, _ in follow_ids}
                for f in (await s.execute(select(NoticeFollowUp).where(
                        NoticeFollowUp.notice_id.in_(notice_ids)))).scalars():
                    texts[(f.notice_id, f.seq)] = f.text
                for p in (await s.execute(select(NoticePost).where(
                        NoticePost.notice_id.in_(notice_ids), NoticePost.seq == 0))).scalars():
                    firsts[(p.notice_id, p.group_id)] = p.message_id
            return [PendingPost(p.id, p.notice_id, number, p.seq, unit_name, chat_id,
                                texts[(p.notice_id, p.seq)] if p.seq else text,
                                firsts.get((p.notice_id, p.group_id)) if p.seq else None)
                    for p, chat_id, number, text, unit_name in rows]

        return await self.uow.read(run)

    async def record(self, post_id: int, *, message_id: int | None = None,
                     members: int | None = None, error: str | None = None) -> None:
        """How sending one post went: sent (its message, the members reached) or failed."""
        async def run(s: AsyncSession) -> None:
            await s.execute(update(NoticePost).where(NoticePost.id == post_id).values(
                status="failed" if error else "sent", message_id=message_id,
                members=members, error=(error or None) and error[:200], sent_at=self.clock()))

        await self.uow.write(run)

    async def get(self, notice_id: int) -> NoticeView:
        async def run(s: AsyncSession) -> NoticeView:
            notice = await s.get(Notice, notice_id)
            if notice is None:
                raise NotFound("notice_not_found", number=notice_id)
            return (await self._views(s, [notice]))[0]

        return await self.uow.read(run)

    async def newest(self, limit: int = 50) -> list[NoticeView]:
        """The newest notices of every unit, for the dashboard."""
        async def run(s: AsyncSession) -> list[NoticeView]:
            rows = (await s.execute(select(Notice).order_by(Notice.created_at.desc(),
                                                            Notice.id.desc()).limit(limit))
                    ).scalars().all()
            return await self._views(s, rows)

        return await self.uow.read(run)

    async def is_notice_text(self, text: str, max_age: float = 0) -> bool:
        """Whether a message repeats a recent notice or follow-up (a resident or an owner
        passing it on): an official text, never a complaint. With max_age, the recent texts
        as read at most that many seconds ago will do: a notice sent through this service
        drops them at once, another worker's shows within max_age."""
        text = (text or "").strip()
        if len(text) < MIN_SAME_TEXT:
            return False
        since = self.clock() - timedelta(days=SAME_TEXT_DAYS)
        recent = self._recent
        if (not max_age or recent is None or recent.since > since
                or time.monotonic() - recent.stamp >= max_age):
            stamp, sent = time.monotonic(), self._sent

            async def run(s: AsyncSession) -> list[tuple[str, datetime]]:
                return [(t, at) for t, at in await core(s, _recent_texts(), {"since": since})]

            recent = _Recent(stamp, since, await self.uow.glance(run))
            if sent == self._sent:  # no notice sent meanwhile: worth keeping
                self._recent = recent
        return any(at >= since and said in text for said, at in recent.texts)

    async def _views(self, s: AsyncSession, notices: Sequence[Notice]) -> list[NoticeView]:
        if not notices:
            return []
        ids = [n.id for n in notices]
        units = {u.id: u for u in (await s.execute(select(OrgUnit).where(
            OrgUnit.id.in_({n.unit_id for n in notices})))).scalars()}
        authors = await people.refs(s, {n.author_id for n in notices if n.author_id})
        follow: dict[int, list[tuple[int, str, datetime]]] = {}
        for f in (await s.execute(select(NoticeFollowUp).where(
                NoticeFollowUp.notice_id.in_(ids)).order_by(NoticeFollowUp.seq))).scalars():
            follow.setdefault(f.notice_id, []).append((f.seq, f.text, f.created_at))
        counts: dict[int, dict[int, dict[str, int]]] = {}
        for notice_id, seq, status, count, members in (await s.execute(
            select(NoticePost.notice_id, NoticePost.seq, NoticePost.status, func.count(),
                   func.coalesce(func.sum(NoticePost.members), 0))
            .where(NoticePost.notice_id.in_(ids))
            .group_by(NoticePost.notice_id, NoticePost.seq, NoticePost.status))).all():
            c = counts.setdefault(notice_id, {}).setdefault(seq, {})
            c[status] = int(count)
            c["members"] = c.get("members", 0) + int(members or 0)
        out = []
        for n in notices:
            unit = units[n.unit_id]
            seqs = [0, *(seq for seq, _, _ in follow.get(n.id, []))]
            tallies = []
            for seq in seqs:
                c = counts.get(n.id, {}).get(seq, {})
                sent, pending, failed = c.get("sent", 0), c.get("pending", 0), c.get("failed", 0)
                tallies.append(Tally(seq, sent + pending + failed, sent, pending, failed,
                                     c.get("members", 0)))
            out.append(NoticeView(n.id, unit.name, unit.level, n.number, n.text,
                                  authors.get(n.author_id) if n.author_id else None,
                                  n.created_at, tuple(follow.get(n.id, [])), tuple(tallies)))
        return out

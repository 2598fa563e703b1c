"""Help requests (a neighbour's hand, a small wish) and volunteers.

A resident asking neighbours for a hand (an old man's two bulbs, a gas cylinder up six
floors, a lift to the clinic) is not a complaint to the group's owner: it is a help request,
numbered per group, that a volunteer claims and then marks done, earning
`practices.points_per_help` points. Volunteers join a group's list, or a unit's (then they
may claim in every group under it, all levels below). The requester or the group's managers
may also mark it done, and withdraw it when it was no help request after all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, distinct, func, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from issues import people, tree
from issues.errors import InvalidInput, NotFound, PermissionDenied
from issues.groups import group_roles, group_row
from issues.lifecycle import GROUP_MANAGERS
from issues.models import Group, OrgUnit
from issues.practice_models import HelpRequest, Volunteer
from issues.unit_of_work import Room
from issues.views import PersonRef

MAX_TEXT = 2000


class HelpStatus:
    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class HelpView:
    id: int
    chat_id: int
    number: int
    text: str
    needs: tuple[str, ...]
    place: str | None
    requester: PersonRef
    status: str
    volunteer: PersonRef | None
    points: int
    card_message_id: int | None
    created_at: datetime
    group_title: str = ""


@dataclass(frozen=True)
class Membership:
    """A volunteer list: a group's, or a unit's (`unit` names it)."""

    unit: str | None
    joined: bool  # False: already on it (join) or not on it (leave)


@dataclass(frozen=True)
class VolunteerFigure:
    """One volunteer's points."""

    person: PersonRef
    points: int
    done: int


@dataclass(frozen=True)
class Points:
    mine: int  # all time
    mine_month: int
    top: tuple[VolunteerFigure, ...]  # the group's (or unit's) volunteers this month


@dataclass(frozen=True)
class HelpFigures:
    """A month of help in a group or a unit's groups: requests made, done, the volunteers who
    did them and the points they earned."""

    asked: int
    done: int
    volunteers: int
    points: int


async def _view(s: AsyncSession, h: HelpRequest, g: Group) -> HelpView:
    ids = [h.requester_id] + ([h.volunteer_id] if h.volunteer_id else [])
    found = await people.refs(s, ids)
    return HelpView(h.id, g.chat_id, h.number, h.text, tuple(h.needs or ()), h.place,
                    found[h.requester_id], h.status,
                    found[h.volunteer_id] if h.volunteer_id else None, h.points,
                    h.card_message_id, h.created_at, g.title)


async def _units_over(s: AsyncSession, g: Group) -> list[int]:
    """The units whose volunteers may help in this group: the group's unit and those above
    it, and the units whose own group it is (and those above them)."""
    ids = {u.id for u in await tree.ancestors(s, g.org_unit_id)}
    for home in (await s.execute(select(OrgUnit.id).where(OrgUnit.chat_id == g.chat_id))
                 ).scalars():
        ids |= {u.id for u in await tree.ancestors(s, home)}
    return sorted(ids)


def _scopes(g: Group, units: list[int]) -> list[str]:
    return [f"group:{g.id}"] + [f"unit:{u}" for u in units]


@dataclass(eq=False)
class Helping(Room):
    async def ask(self, chat_id: int, message_id: int | None, requester: PersonRef,
                  text: str, needs: tuple[str, ...], place: str | None) -> HelpView:
        """A help request for a group message (or /wish); once per message."""
        text = text.strip()
        if not text:
            raise InvalidInput("empty_wish")

        async def run(s: AsyncSession) -> HelpView:
            g = await group_row(s, chat_id)
            if message_id is not None:
                known = (await s.execute(select(HelpRequest).where(
                    HelpRequest.group_id == g.id,
                    HelpRequest.source_message_id == message_id))).scalar()
                if known is not None:
                    return await _view(s, known, g)
            number = (await s.execute(select(func.coalesce(func.max(HelpRequest.number), 0))
                                      .where(HelpRequest.group_id == g.id))).scalar_one() + 1
            h = HelpRequest(group_id=g.id, number=number, text=text[:MAX_TEXT],
                            needs=list(needs), place=place, status=HelpStatus.OPEN,
                            requester_id=(await people.person(s, requester)).id,
                            source_message_id=message_id, points=0, created_at=self.clock())
            s.add(h)
            await s.flush()
            return await _view(s, h, g)

        return await self.uow.write(run)

    async def set_card(self, help_id: int, message_id: int) -> None:
        async def run(s: AsyncSession) -> None:
            h = await s.get(HelpRequest, help_id)
            if h is not None:
                h.card_message_id = message_id

        await self.uow.write(run)

    async def get(self, help_id: int) -> HelpView:
        async def run(s: AsyncSession) -> HelpView:
            h = await s.get(HelpRequest, help_id)
            g = await s.get(Group, h.group_id) if h else None
            if h is None or g is None:
                raise NotFound("wish_not_found", number=help_id)
            return await _view(s, h, g)

        return await self.uow.read(run)

    async def act(self, help_id: int, actor: PersonRef, action: str) -> HelpView:
        """claim (a volunteer of the group or of a unit above it, not the requester), release
        (the volunteer who claimed it), done (that volunteer, the requester or the group's
        managers; the volunteer earns the points) or withdraw (the requester or managers)."""
        async def run(s: AsyncSession) -> HelpView:
            h = await s.get(HelpRequest, help_id, with_for_update=not self.uow.is_sqlite)
            g = await s.get(Group, h.group_id) if h else None
            if h is None or g is None:
                raise NotFound("wish_not_found", number=help_id)
            me = await people.person(s, actor)
            mine = h.volunteer_id == me.id
            managing = bool(await group_roles(s, g, me.id) & GROUP_MANAGERS)
            if h.status in (HelpStatus.DONE, HelpStatus.WITHDRAWN):
                raise InvalidInput("wish_closed", number=h.number, status=h.status)
            if action == "claim":
                if h.status == HelpStatus.CLAIMED:
                    raise InvalidInput("wish_taken", number=h.number)
                if h.requester_id == me.id:
                    raise InvalidInput("wish_own", number=h.number)
                if not await self._volunteers_here(s, g, me.id):
                    raise PermissionDenied("not_volunteer", number=h.number)
                h.status, h.volunteer_id, h.claimed_at = HelpStatus.CLAIMED, me.id, self.clock()
            elif action == "release":
                if not mine or h.status != HelpStatus.CLAIMED:
                    raise PermissionDenied("wish_not_yours", number=h.number)
                h.status, h.volunteer_id, h.claimed_at = HelpStatus.OPEN, None, None
            elif action == "done":
                if h.status != HelpStatus.CLAIMED:
                    raise InvalidInput("wish_unclaimed", number=h.number)
                if not (mine or managing or h.requester_id == me.id):
                    raise PermissionDenied("wish_done_forbidden", number=h.number)
                h.status, h.done_at = HelpStatus.DONE, self.clock()
                h.points = self.settings.practices.points_per_help
            elif action == "withdraw":
                if not (managing or h.requester_id == me.id):
                    raise PermissionDenied("wish_withdraw_forbidden", number=h.number)
                h.status = HelpStatus.WITHDRAWN
            else:
                raise InvalidInput("invalid")
            await s.flush()
            return await _view(s, h, g)

        return await self.uow.write(run)

    async def _volunteers_here(self, s: AsyncSession, g: Group, person_id: int) -> bool:
        scopes = _scopes(g, await _units_over(s, g))
        return (await s.execute(select(Volunteer.id).where(
            Volunteer.person_id == person_id, Volunteer.scope.in_(scopes)).limit(1))
                ).scalar() is not None

    async def join(self, chat_id: int, who: PersonRef, leave: bool = False) -> Membership:
        """Join (or leave) the volunteer list of the unit whose own group this is, else of
        this group."""
        async def run(s: AsyncSession) -> Membership:
            g = await group_row(s, chat_id)
            unit = await tree.home_unit(s, chat_id)
            scope = f"unit:{unit.id}" if unit else f"group:{g.id}"
            me = await people.person(s, who)
            row = (await s.execute(select(Volunteer).where(
                Volunteer.person_id == me.id, Volunteer.scope == scope))).scalar()
            name = unit.name if unit else None
            if leave:
                if row is not None:
                    await s.delete(row)
                return Membership(name, row is not None)
            if row is not None:
                return Membership(name, False)
            try:
                async with s.begin_nested():
                    s.add(Volunteer(person_id=me.id, scope=scope, joined_at=self.clock(),
                                    group_id=None if unit else g.id,
                                    unit_id=unit.id if unit else None))
            except IntegrityError:  # the same tap twice at once
                return Membership(name, False)
            return Membership(name, True)

        return await self.uow.write(run)

    async def volunteers(self, chat_id: int) -> int:
        """How many people may claim this group's help requests."""
        async def run(s: AsyncSession) -> int:
            g = await group_row(s, chat_id)
            scopes = _scopes(g, await _units_over(s, g))
            return int((await s.execute(select(func.count(distinct(Volunteer.person_id)))
                                        .where(Volunteer.scope.in_(scopes)))).scalar_one())

        return await self.uow.read(run)

    async def points(self, chat_id: int, who: PersonRef, month_start: datetime,
                     top: int = 5) -> Points:
        """The asker's points (all time, this month) and the best volunteers of this group's
        help requests this month (of every group under its unit, in a unit's own group)."""
        async def run(s: AsyncSession) -> Points:
            g = await group_row(s, chat_id)
            me = await people.person_id(s, who.user_id) if who.user_id else None
            done = HelpRequest.status == HelpStatus.DONE

            async def mine(since: datetime | None) -> int:
                q = select(func.coalesce(func.sum(HelpRequest.points), 0)).where(
                    done, HelpRequest.volunteer_id == me)
                if since is not None:
                    q = q.where(HelpRequest.done_at >= since)
                return int((await s.execute(q)).scalar_one()) if me else 0

            rows = (await s.execute(
                select(HelpRequest.volunteer_id, func.sum(HelpRequest.points),
                       func.count(HelpRequest.id))
                .where(done, HelpRequest.done_at >= month_start,
                       HelpRequest.group_id.in_(await _group_ids(s, g)))
                .group_by(HelpRequest.volunteer_id)
                .order_by(func.sum(HelpRequest.points).desc(), HelpRequest.volunteer_id)
                .limit(top))).all()
            found = await people.refs(s, [r[0] for r in rows if r[0] is not None])
            return Points(await mine(None), await mine(month_start),
                          tuple(VolunteerFigure(found[v], int(p), int(n))
                                for v, p, n in rows if v is not None))

        return await self.uow.read(run)

    async def figures(self, start: datetime, end: datetime, chat_id: int | None = None,
                      unit_id: int | None = None) -> HelpFigures:
        """A period's help in one group, in every group under a unit, or (neither) in
        the whole district."""
        async def run(s: AsyncSession) -> HelpFigures:
            in_groups: ColumnElement[bool] = true()  # the whole district
            if unit_id is not None:
                unit = await s.get(OrgUnit, unit_id)
                if unit is None:
                    raise NotFound("unit_not_found", unit=unit_id)
                in_groups = HelpRequest.group_id.in_(
                    [x.id for x in await tree.groups_under(s, unit)])
            elif chat_id is not None:
                in_groups = HelpRequest.group_id.in_(
                    await _group_ids(s, await group_row(s, chat_id)))
            asked = (await s.execute(select(func.count(HelpRequest.id)).where(
                in_groups, HelpRequest.created_at >= start, HelpRequest.created_at < end,
                HelpRequest.status != HelpStatus.WITHDRAWN))).scalar_one()
            done, volunteers, points = (await s.execute(
                select(func.count(HelpRequest.id), func.count(distinct(HelpRequest.volunteer_id)),
                       func.coalesce(func.sum(HelpRequest.points), 0))
                .where(in_groups, HelpRequest.status == HelpStatus.DONE,
                       HelpRequest.done_at >= start, HelpRequest.done_at < end))).one()
            return HelpFigures(int(asked), int(done), int(volunteers), int(points))

        return await self.uow.read(run)

    async def newest(self, limit: int = 30) -> list[HelpView]:
        """The newest help requests of every group (withdrawn ones left out), for the
        dashboard."""
        async def run(s: AsyncSession) -> list[HelpView]:
            rows = (await s.execute(
                select(HelpRequest, Group).join(Group, Group.id == HelpRequest.group_id)
                .where(HelpRequest.status != HelpStatus.WITHDRAWN)
                .order_by(HelpRequest.created_at.desc(), HelpRequest.id.desc())
                .limit(limit))).all()
            return [await _view(s, h, g) for h, g in rows]

        return await self.uow.read(run)


async def _group_ids(s: AsyncSession, g: Group) -> list[int]:
    """This group, and, when it is a unit's own group, every group under that unit."""
    unit = await tree.home_unit(s, g.chat_id)
    under = await tree.groups_under(s, unit) if unit else []
    return [g.id] + [x.id for x in under]


__all__ = ["HelpFigures", "HelpStatus", "HelpView", "Helping", "Membership", "Points"]

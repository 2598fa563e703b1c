"""People: who reported, who acts, who holds an issue.

The session-level helpers here are the one place that turns a `PersonRef` into a row (one at a
time, or a batch for intake); the other rooms call them inside their own transactions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from issues.models import Issue, Person
from issues.unit_of_work import UnitOfWork
from issues.views import PersonRef

_PEOPLE = cast(Table, Person.__table__)


def ref(p: Person | None) -> PersonRef | None:
    return None if p is None else PersonRef(p.tg_user_id, p.name, p.username)


async def person(s: AsyncSession, who: PersonRef) -> Person:
    """The row for `who`, created on first sight; a changed name or username follows."""
    p = (await s.execute(select(Person).where(Person.tg_user_id == who.user_id))).scalar()
    if p is None:
        p = Person(tg_user_id=who.user_id, name=who.stored_name(), username=who.username)
        try:
            async with s.begin_nested():
                s.add(p)
        except IntegrityError:
            p = (await s.execute(
                select(Person).where(Person.tg_user_id == who.user_id))).scalar_one()
    elif (p.name, p.username) != (who.stored_name(p.name), who.username):
        p.name, p.username = who.stored_name(p.name), who.username
    return p


async def person_id(s: AsyncSession, user_id: int) -> int | None:
    return (await s.execute(
        select(Person.id).where(Person.tg_user_id == user_id))).scalar()


async def find(s: AsyncSession, user_id: int) -> Person | None:
    return (await s.execute(select(Person).where(Person.tg_user_id == user_id))).scalar()


async def person_ids(s: AsyncSession, refs: Sequence[PersonRef]) -> dict[int, int]:
    """User id → person id for a batch; new people are added and changed names follow."""
    wanted = {r.user_id: r for r in refs}
    out: dict[int, int] = {}
    if not wanted:
        return out
    for pid, uid, name, username in (await s.execute(
        select(Person.id, Person.tg_user_id, Person.name, Person.username)
        .where(Person.tg_user_id.in_(wanted))
    )).all():
        out[uid] = pid
        who = wanted[uid]
        if (name, username) != (who.stored_name(name), who.username):
            await s.execute(update(Person).where(Person.id == pid).values(
                name=who.stored_name(name), username=who.username))
    missing = [r for u, r in wanted.items() if u not in out]
    if missing:
        rows = (await s.execute(insert(_PEOPLE).returning(
            _PEOPLE.c.id, _PEOPLE.c.tg_user_id, sort_by_parameter_order=True),
            [{"tg_user_id": r.user_id, "name": r.stored_name(), "username": r.username}
             for r in missing])).all()
        out.update({uid: pid for pid, uid in rows})
    return out


class People:
    """Lookups of people for the bot (a mention by username) and the dashboard."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def assignees(self) -> list[PersonRef]:
        """Everyone who holds or held an issue, for the dashboard's 负责人 filter."""
        async def run(s: AsyncSession) -> list[PersonRef]:
            rows = (await s.execute(select(Person).where(Person.id.in_(
                select(Issue.assignee_id).where(Issue.assignee_id.is_not(None)).distinct()
            )).order_by(Person.name))).scalars().all()
            return [r for r in map(ref, rows) if r is not None]

        return await self.uow.read(run)

    async def find_person(self, username: str) -> PersonRef | None:
        """A person we have seen, by username (case-insensitive, without @)."""
        async def run(s: AsyncSession) -> PersonRef | None:
            p = (await s.execute(select(Person).where(
                func.lower(Person.username) == username.lstrip("@").lower()))).scalar()
            return ref(p)

        return await self.uow.read(run)

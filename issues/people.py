"""People: who reported, who acts, who holds an issue, and how each channel knows them.

A person has at most one identity per channel (`PersonIdentity`). The group chats are one
channel (`CHAT`); a `PersonRef` names a person by their id there. The session-level helpers
here are the one place that turns a reference into a row (one at a time, or a batch for
intake); the other rooms call them inside their own transactions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    Executable,
    Select,
    Table,
    and_,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import SelectBase

from issues.holders import unassigned
from issues.models import Group, Issue, Person, PersonIdentity
from issues.unit_of_work import Room, among, among_values, run
from issues.views import Channel, PersonRef

CHAT = Channel.TELEGRAM  # the channel of the group chats: a PersonRef's user_id is its id there
_PEOPLE = cast(Table, Person.__table__)
_IDENTITIES = cast(Table, PersonIdentity.__table__)
# A person to find or add: (channel, external id) or None for one nobody can name again,
# then the name and username the channel gives.
Wanted = tuple[tuple[str, str] | None, str, str | None]


def _stored(name: str, known: str | None = None) -> str:
    return name[:200] or known or ""


def chat_key(user_id: int) -> tuple[str, str]:
    return str(CHAT), str(user_id)


def wanted(who: PersonRef) -> Wanted:
    key = None if who.user_id is None else chat_key(who.user_id)
    return key, who.stored_name(), who.username


def ref_of(p: Person, user_id: int | None) -> PersonRef:
    return PersonRef(user_id, p.name, p.username)


def chat_person_ids(user_id: int) -> Select[int]:
    """The person holding a chat user id, as a subquery for filters."""
    return select(PersonIdentity.person_id).where(
        PersonIdentity.channel == CHAT, PersonIdentity.external_id == str(user_id))


async def find(s: AsyncSession, user_id: int) -> Person | None:
    return (await s.execute(select(Person).where(
        Person.id.in_(chat_person_ids(user_id))))).scalar()


async def person_id(s: AsyncSession, user_id: int) -> int | None:
    return (await s.execute(chat_person_ids(user_id))).scalar()


async def person(s: AsyncSession, who: PersonRef) -> Person:
    """The row for `who`, created on first sight; a changed name or username follows."""
    if who.user_id is None:
        p = Person(name=who.stored_name(), username=who.username)
        s.add(p)
        await s.flush()
        return p
    found = await find(s, who.user_id)
    if found is None:
        p = Person(name=who.stored_name(), username=who.username)
        try:
            async with s.begin_nested():
                s.add(p)
                await s.flush()
                s.add(PersonIdentity(person_id=p.id, channel=CHAT,
                                     external_id=str(who.user_id)))
        except IntegrityError:  # someone else added them at the same moment
            return cast(Person, await find(s, who.user_id))
        return p
    if (found.name, found.username) != (who.stored_name(found.name), who.username):
        found.name, found.username = who.stored_name(found.name), who.username
    return found


async def refs(s: AsyncSession, ids: Iterable[int] | SelectBase) -> dict[int, PersonRef]:
    """Person id → reference, with the chat user id of those who have one; `ids` may be a
    select of them (a subquery instead of thousands of parameters)."""
    rows = await s.execute(
        select(Person.id, Person.name, Person.username, PersonIdentity.external_id)
        .outerjoin(PersonIdentity, and_(PersonIdentity.person_id == Person.id,
                                        PersonIdentity.channel == CHAT))
        .where(Person.id.in_(ids if isinstance(ids, SelectBase) else set(ids))))
    return {pid: PersonRef(None if ext is None else int(ext), name, username)
            for pid, name, username, ext in rows.all()}


def person_ids(s: Session, people: Sequence[Wanted]) -> list[int]:
    """Person ids for a batch, in order: known identities are found (a changed name or
    username follows), new ones added with their person, and nameless ones always added.
    Synchronous: intake runs its statements as one unit (`issues.unit_of_work.run`)."""
    named = {key: (name, username) for key, name, username in people if key is not None}
    found: dict[tuple[str, str], int] = {}
    if named:
        alone = len(named) == 1
        keys = among_values("keys", named, alone)
        for channel, ext, pid, name, username in run(s, _known(alone), keys).all():
            found[(channel, ext)] = pid
            new_name, new_username = named[(channel, ext)]
            if (name, username) != (_stored(new_name, name), new_username):
                s.execute(update(Person).where(Person.id == pid).values(
                    name=_stored(new_name, name), username=new_username))
    missing = [key for key in named if key not in found]
    added = _add(s, [named[k] for k in missing])
    found.update(zip(missing, added, strict=True))
    nameless = iter(_add(s, [(n, u) for key, n, u in people if key is None]))
    if missing:
        run(s, insert(_IDENTITIES), [
            {"person_id": found[k], "channel": k[0], "external_id": k[1]} for k in missing])
    return [found[key] if key is not None else next(nameless) for key, _, _ in people]


@cache
def _known(alone: bool) -> Executable:
    """The people with some (channel, id) identities, or one (`alone`: a plain `=` is
    quicker than an `IN` list, which is rendered anew each time); built once: every
    complaint asks."""
    key = (PersonIdentity.channel, PersonIdentity.external_id)
    return (select(*key, Person.id, Person.name, Person.username)
            .join(Person, Person.id == PersonIdentity.person_id)
            .where(among(key, "keys", alone)))


def _add(s: Session, rows: Sequence[tuple[str, str | None]]) -> list[int]:
    if not rows:
        return []
    values: list[dict[str, Any]] = [{"name": _stored(n), "username": u} for n, u in rows]
    return list(run(s, insert(_PEOPLE).returning(
        _PEOPLE.c.id, sort_by_parameter_order=True), values).scalars())


class People(Room):
    """Lookups of people for the bot (a mention by username) and the dashboard."""

    async def holders(self) -> list[PersonRef]:
        """Everyone who holds an issue (issues.holders): its assignees, and the owners of the
        groups with an issue nobody was assigned; the dashboard's filter by person in charge, which
        finds each of them something (IssueFilter.holder_user_id)."""
        async def run(s: AsyncSession) -> list[PersonRef]:
            # The distinct assignees of a million issues by hopping along the assignee index,
            # one probe per person (a recursive CTE), not a scan of every assigned issue.
            hop = select(func.min(Issue.assignee_id).label("v")).cte("held", recursive=True)
            nxt = (select(Issue.assignee_id).where(Issue.assignee_id > hop.c.v)
                   .order_by(Issue.assignee_id).limit(1).scalar_subquery())
            hop = hop.union_all(select(nxt).where(hop.c.v.is_not(None)))
            # An owner's groups probed for one unassigned issue each (from a group index).
            owners = select(Group.owner_id).where(
                select(Issue.id).where(Issue.group_id == Group.id, unassigned()).exists())
            ids = (await s.execute(select(Person.id).where(or_(
                Person.id.in_(select(hop.c.v).where(hop.c.v.is_not(None))),
                Person.id.in_(owners))).order_by(Person.name))).scalars().all()
            found = await refs(s, ids)
            return [found[i] for i in ids]

        return await self.uow.read(run)

    async def find_person(self, username: str) -> PersonRef | None:
        """A person we have seen, by username (case-insensitive, without @)."""
        async def run(s: AsyncSession) -> PersonRef | None:
            pid = (await s.execute(select(Person.id).where(
                func.lower(Person.username) == username.lstrip("@").lower()))).scalar()
            return None if pid is None else (await refs(s, [pid]))[pid]

        return await self.uow.read(run)

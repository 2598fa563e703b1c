"""Groups: registration, owner and admins, per-group settings, and who manages a group."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import ColumnElement, Table, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from issues import people
from issues.errors import InvalidInput, NotFound, PermissionDenied
from issues.lifecycle import GROUP_MANAGERS, GroupAct, Role
from issues.models import Delivery, Department, Group, GroupAdmin, Issue, OrgUnit
from issues.settings import parse_clock, parse_quiet_hours
from issues.unit_of_work import Room
from issues.views import GroupView, PersonRef

GROUP_SETTINGS = ("auto_detect", "sensitivity", "timezone", "digest_time", "progress_time",
                  "quiet_hours")
SENSITIVITIES = ("low", "normal", "high")
_ADMINS = cast(Table, GroupAdmin.__table__)


async def group_row(s: AsyncSession, chat_id: int) -> Group:
    g = (await s.execute(select(Group).where(Group.chat_id == chat_id))).scalar()
    if g is None:
        raise NotFound("group_unknown", chat_id=chat_id)
    return g


async def group_roles(s: AsyncSession, g: Group, person_id: int | None) -> set[Role]:
    """The roles a person holds in a group: owner, admin (none for a stranger)."""
    roles: set[Role] = set()
    if person_id is None:
        return roles
    if g.owner_id == person_id:
        roles.add(Role.OWNER)
    if (await s.execute(select(GroupAdmin).where(
            GroupAdmin.group_id == g.id, GroupAdmin.person_id == person_id))).scalar():
        roles.add(Role.ADMIN)
    return roles


async def require_manager(s: AsyncSession, g: Group, actor_id: int, act: GroupAct) -> None:
    """Only the group's owner or an admin may go on."""
    roles = await group_roles(s, g, await people.person_id(s, actor_id))
    if not roles & GROUP_MANAGERS:
        raise PermissionDenied(action=str(act), roles=tuple(sorted(GROUP_MANAGERS)))


def validate_settings(changes: dict[str, object]) -> dict[str, object]:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    out: dict[str, object] = {}
    for key, value in changes.items():
        if key not in GROUP_SETTINGS:
            raise InvalidInput("unknown_setting", key=key)
        try:
            if key == "auto_detect":
                out[key] = value if isinstance(value, bool) else str(value).lower() in (
                    "on", "true", "1")
            elif key == "sensitivity":
                if value not in SENSITIVITIES:
                    raise InvalidInput("bad_sensitivity", value=value, choices=SENSITIVITIES)
                out[key] = value
            elif key == "timezone":
                ZoneInfo(str(value))
                out[key] = str(value)
            elif key in ("digest_time", "progress_time"):
                out[key] = parse_clock(value).strftime("%H:%M")
            elif key == "quiet_hours":
                q = parse_quiet_hours(value)
                out[key] = f"{q[0]:%H:%M}-{q[1]:%H:%M}" if q else ""
        except (ValueError, ZoneInfoNotFoundError) as exc:
            raise InvalidInput("bad_setting", key=key, value=value, detail=str(exc)) from None
    return out


@dataclass(eq=False)
class Groups(Room):
    """The groups the bot sits in; views of them are cached briefly (see `get_group`)."""

    _cache: dict[int, tuple[float, GroupView]] = field(default_factory=dict, init=False)

    def forget(self, chat_id: int) -> None:
        """Drop the cached view of a group changed by another room."""
        self._cache.pop(chat_id, None)

    def new_group(self, s: AsyncSession, chat_id: int, title: str) -> Group:
        """A group row with the deployment's defaults, added to the session."""
        g = Group(chat_id=chat_id, title=title, timezone=self.settings.timezone, settings={},
                  last_number=0, created_at=self.clock())
        s.add(g)
        return g

    async def view(self, s: AsyncSession, g: Group) -> GroupView:
        self._cache.pop(g.chat_id, None)  # read or changed: a cached copy may be stale
        return (await self.views(s, Group.id == g.id))[g.id]

    async def views(self, s: AsyncSession,
                    where: ColumnElement[bool] | None = None) -> dict[int, GroupView]:
        """Group id → view, for the groups `where` picks (all by default), in three statements
        whatever their number: the groups with their units, their admins, then the people."""
        q = (select(Group, OrgUnit.name).outerjoin(OrgUnit, OrgUnit.id == Group.org_unit_id)
             .order_by(Group.id))
        a = select(GroupAdmin.group_id, GroupAdmin.person_id).order_by(
            GroupAdmin.group_id, GroupAdmin.person_id)
        picked = select(Group.id)
        if where is not None:
            q, picked = q.where(where), picked.where(where)
            a = a.where(GroupAdmin.group_id.in_(picked))
        groups = (await s.execute(q)).all()
        admins: dict[int, list[int]] = {}
        for gid, pid in (await s.execute(a)).all():
            admins.setdefault(gid, []).append(pid)
        found = await people.refs(s, select(GroupAdmin.person_id).where(
            GroupAdmin.group_id.in_(picked)).union(
            select(Group.owner_id).where(Group.id.in_(picked))))
        return {g.id: GroupView(g.chat_id, g.title, g.timezone,
                                found.get(g.owner_id) if g.owner_id else None,
                                tuple(found[i] for i in admins.get(g.id, ())),
                                self._settings_of(g), g.department_code, unit)
                for g, unit in groups}

    def _settings_of(self, g: Group) -> dict[str, object]:
        st = self.settings
        base: dict[str, object] = {
            "auto_detect": st.auto_detect, "sensitivity": st.sensitivity,
            "timezone": g.timezone, "digest_time": st.digest_time.strftime("%H:%M"),
            "progress_time": st.progress_time.strftime("%H:%M"),
            "quiet_hours": (f"{st.quiet_hours[0]:%H:%M}-{st.quiet_hours[1]:%H:%M}"
                            if st.quiet_hours else ""),
        }
        base.update(g.settings or {})
        return base

    async def register_group(self, chat_id: int, title: str, owner: PersonRef | None,
                             admins: Iterable[PersonRef] = ()) -> GroupView:
        """Create or refresh a group; the owner stays as set unless none is known yet."""
        admins = list(admins)

        async def run(s: AsyncSession) -> GroupView:
            g = (await s.execute(select(Group).where(Group.chat_id == chat_id))).scalar()
            if g is None:
                g = self.new_group(s, chat_id, title[:200] or str(chat_id))
                await s.flush()
            elif title:
                g.title = title[:200]
            if owner is not None and g.owner_id is None:
                g.owner_id = (await people.person(s, owner)).id
            if admins:
                await self._set_admins(s, g, admins)
            return await self.view(s, g)

        return await self.uow.write(run)

    async def _set_admins(self, s: AsyncSession, g: Group, admins: list[PersonRef]) -> None:
        ids = {(await people.person(s, a)).id for a in admins}
        current = set((await s.execute(select(GroupAdmin.person_id)
                                       .where(GroupAdmin.group_id == g.id))).scalars())
        for pid in current - ids:
            await s.execute(_ADMINS.delete().where(
                and_(GroupAdmin.group_id == g.id, GroupAdmin.person_id == pid)))
        for pid in ids - current:
            s.add(GroupAdmin(group_id=g.id, person_id=pid))

    async def sync_admins(self, chat_id: int, admins: Iterable[PersonRef]) -> GroupView:
        async def run(s: AsyncSession) -> GroupView:
            g = await group_row(s, chat_id)
            await self._set_admins(s, g, list(admins))
            return await self.view(s, g)

        return await self.uow.write(run)

    async def get_group(self, chat_id: int, max_age: float = 0) -> GroupView | None:
        """The group; with max_age, a view read at most that many seconds ago will do.

        Every message in a group needs its settings; the view changes rarely and every change
        made through this service drops the copy at once (another worker's change shows within
        max_age)."""
        hit = self._cache.get(chat_id)
        if max_age and hit is not None and time.monotonic() - hit[0] < max_age:
            return hit[1]
        stamp = time.monotonic()

        async def run(s: AsyncSession) -> GroupView | None:
            g = (await s.execute(select(Group).where(Group.chat_id == chat_id))).scalar()
            return None if g is None else await self.view(s, g)

        view = await self.uow.glance(run)
        if view is not None:
            self._cache[chat_id] = (stamp, view)
        return view

    async def list_groups(self) -> list[GroupView]:
        """Every group, in the order they came (three statements, however many groups)."""
        async def run(s: AsyncSession) -> list[GroupView]:
            return list((await self.views(s)).values())

        return await self.uow.read(run)

    async def group_titles(self) -> list[tuple[int, str, bool]]:
        """(chat id, title, work) of the groups whose issues a ledger can list, in the order
        they came: what a filter's list of 2,000 groups needs, one statement and no views.
        A department's group files nothing, and a unit's own group (work: True, a filter
        marks it) usually only receives what is relayed: listed only once something was
        filed in it, since choosing it would always show an empty ledger."""
        homes = select(OrgUnit.chat_id).where(OrgUnit.chat_id.is_not(None))

        async def run(s: AsyncSession) -> list[tuple[int, str, bool]]:
            rows = await s.execute(
                select(Group.chat_id, Group.title, Group.chat_id.in_(homes), Group.last_number)
                .where(Group.department_code.is_(None)).order_by(Group.id))
            return [(c, t, bool(work)) for c, t, work, filed in rows.all()
                    if filed or not work]

        return await self.uow.read(run)

    async def groups_of(self, chat_ids: Iterable[int]) -> list[GroupView]:
        """The groups of these chats (those registered), as `list_groups` gives them."""
        chats = set(chat_ids)

        async def run(s: AsyncSession) -> list[GroupView]:
            return list((await self.views(s, Group.chat_id.in_(chats))).values())

        return await self.uow.read(run) if chats else []

    async def must_manage(self, chat_id: int, actor_id: int, act: GroupAct) -> None:
        """Refuse at once when the person is neither the group's owner nor an admin (before
        a command's other words are looked up)."""

        async def run(s: AsyncSession) -> None:
            await require_manager(s, await group_row(s, chat_id), actor_id, act)

        await self.uow.read(run)

    async def set_owner(self, chat_id: int, actor_id: int, new_owner: PersonRef) -> GroupView:
        async def run(s: AsyncSession) -> GroupView:
            g = await group_row(s, chat_id)
            await require_manager(s, g, actor_id, GroupAct.SET_OWNER)
            g.owner_id = (await people.person(s, new_owner)).id
            return await self.view(s, g)

        return await self.uow.write(run)

    async def owner_left(self, chat_id: int, user_id: int) -> GroupView | None:
        """The group's owner left the group: it has none until someone is set (the cards name
        no stranger, nobody absent is reminded). The group, when this changed it; None when
        the one who left was not its owner (or the change was recorded before)."""
        async def run(s: AsyncSession) -> GroupView | None:
            g = (await s.execute(select(Group).where(Group.chat_id == chat_id))).scalar()
            if g is None or g.owner_id is None:
                return None
            if g.owner_id != await people.person_id(s, user_id):
                return None
            g.owner_id = None
            return await self.view(s, g)

        return await self.uow.write(run)

    async def update_group_settings(self, chat_id: int, actor_id: int,
                                    **changes: object) -> GroupView:
        clean = validate_settings(changes)

        async def run(s: AsyncSession) -> GroupView:
            g = await group_row(s, chat_id)
            await require_manager(s, g, actor_id, GroupAct.SETTINGS)
            if "timezone" in clean:
                g.timezone = str(clean["timezone"])
            g.settings = {**(g.settings or {}), **clean}
            return await self.view(s, g)

        return await self.uow.write(run)

    async def migrate_chat(self, old_chat: int, new_chat: int) -> GroupView | None:
        """A basic group became a supergroup, and Telegram gave it a new chat id: the group
        (its ledger and numbering, settings, owner and admins) answers to the new id from
        now on, and so do the unit and department bindings and the posts waiting to go out.

        Either chat's service message may arrive first, and both may: a second call finds
        nothing left to move. A row the new id got meanwhile (a message there was handled
        first) gives way; its issues, if any, take the next numbers of the old group."""
        async def run(s: AsyncSession) -> GroupView | None:
            old = (await s.execute(select(Group).where(Group.chat_id == old_chat))).scalar()
            if old is None:
                return None
            new = (await s.execute(select(Group).where(Group.chat_id == new_chat))).scalar()
            if new is not None:
                for issue in (await s.execute(select(Issue).where(Issue.group_id == new.id)
                                              .order_by(Issue.number))).scalars():
                    old.last_number += 1
                    issue.group_id, issue.number = old.id, old.last_number
                await s.execute(_ADMINS.delete().where(GroupAdmin.group_id == new.id))
                await s.flush()
                await s.delete(new)
                await s.flush()
            old.chat_id = new_chat
            for model in (OrgUnit, Department):
                await s.execute(update(model).where(model.chat_id == old_chat)
                                .values(chat_id=new_chat))
            await s.execute(update(Delivery).where(Delivery.chat_id == old_chat,
                                                   Delivery.status == "pending")
                            .values(chat_id=new_chat))
            return await self.view(s, old)

        self._cache.pop(old_chat, None)
        self._cache.pop(new_chat, None)
        return await self.uow.write(run)

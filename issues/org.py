"""The organisation around the groups: org units (grid → community → street → district) and
the departments issues are escalated to ("blow the whistle, report for duty")."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from issues import people
from issues.access import spend_code
from issues.errors import InvalidInput, PermissionDenied
from issues.groups import Groups, group_row, require_manager
from issues.lifecycle import GroupAct
from issues.models import Department, DepartmentMember, Group, Issue, OrgUnit
from issues.unit_of_work import Room
from issues.views import LEVELS, Binding, GroupView, PersonRef


def _level(level: str) -> str:
    if level not in LEVELS:
        raise InvalidInput("bad_level", level=level, choices=LEVELS)
    return level


async def _find_unit(s: AsyncSession, name: str, level: str) -> OrgUnit | None:
    return (await s.execute(select(OrgUnit).where(OrgUnit.name == name[:100],
                                                  OrgUnit.level == _level(level)))).scalar()


async def _unit(s: AsyncSession, name: str, level: str) -> OrgUnit:
    """The unit, created on first use."""
    unit = await _find_unit(s, name, level)
    if unit is None:
        unit = OrgUnit(name=name[:100], level=level)
        s.add(unit)
        await s.flush()
    return unit


def _level_above(level: str) -> str:
    return LEVELS[min(len(LEVELS) - 1, LEVELS.index(level) + 1)]


async def residents_group(s: AsyncSession, g: Group) -> bool:
    """A group residents report in: it has issues, belongs to a unit, or is a unit's own."""
    return (g.org_unit_id is not None
            or (await s.execute(select(Issue.id).where(Issue.group_id == g.id).limit(1)))
            .first() is not None
            or (await s.execute(select(OrgUnit.id).where(OrgUnit.chat_id == g.chat_id)
                                .limit(1))).first() is not None)


async def _add_member(s: AsyncSession, dept_code: str, person_id: int) -> None:
    if not (await s.execute(select(DepartmentMember).where(
        DepartmentMember.department_code == dept_code,
        DepartmentMember.person_id == person_id,
    ))).scalar():
        s.add(DepartmentMember(department_code=dept_code, person_id=person_id))


@dataclass(eq=False)
class Org(Room):
    """Units and departments. Binding a unit's own group, creating or re-parenting a unit and
    registering a department's group reach beyond one group: only a district admin (a
    Telegram user id in `trust.district_admins`) or someone holding a dashboard admin's
    one-time code may. A binding that replaces another names the group it replaced, so that
    group is told; a residents' group never becomes a department's."""


    groups: Groups

    async def _district(self, s: AsyncSession, actor_id: int | None, code: str | None,
                        chat_id: int) -> bool:
        """Whether the district speaks: one of its admins, or a fresh one-time code (spent)."""
        if actor_id is not None and actor_id in self.settings.district_admins:
            return True
        return bool(code) and await spend_code(s, code or "", chat_id, self.clock())

    async def _require_district(self, s: AsyncSession, actor_id: int | None,
                                code: str | None, chat_id: int) -> None:
        if not await self._district(s, actor_id, code, chat_id):
            raise PermissionDenied("district_only")

    # --- org units ----------------------------------------------------------------------
    async def join_org_unit(self, chat_id: int, actor_id: int, name: str,
                            level: str = "community", parent: str | None = None, *,
                            code: str | None = None) -> GroupView:
        """Put a group under an org unit. The group's owner or admins may join an existing
        unit as it stands; creating a unit or changing its parent is the district's."""
        async def run(s: AsyncSession) -> GroupView:
            g = await group_row(s, chat_id)
            unit = await _find_unit(s, name, level)
            up = await _find_unit(s, parent, _level_above(level)) if parent else None
            changes_tree = unit is None or (parent is not None and (
                up is None or unit.parent_id != up.id))
            if changes_tree:
                await self._require_district(s, actor_id, code, chat_id)
            elif actor_id not in self.settings.district_admins:
                await require_manager(s, g, actor_id, GroupAct.JOIN_UNIT)
            if g.department_code:
                raise InvalidInput("department_group")
            unit = unit or await _unit(s, name, level)
            if parent:
                unit.parent_id = (up or await _unit(s, parent, _level_above(level))).id
            g.org_unit_id = unit.id
            return await self.groups.view(s, g)

        return await self.uow.write(run)

    async def set_unit_home(self, chat_id: int, actor_id: int, name: str,
                            level: str = "community", *, code: str | None = None) -> Binding:
        """This chat is the unit's own group: the unit's digest and escalations go here.
        The district's act; the group it replaces is named in the answer."""
        async def run(s: AsyncSession) -> Binding:
            g = await group_row(s, chat_id)
            await self._require_district(s, actor_id, code, chat_id)
            if g.department_code:
                raise InvalidInput("department_group")
            unit = await _unit(s, name, level)
            previous = unit.chat_id if unit.chat_id not in (None, chat_id) else None
            unit.chat_id = chat_id
            return Binding(await self.groups.view(s, g), previous)

        return await self.uow.write(run)
    async def unit_chat(self, chat_id: int, level: int) -> int | None:
        """The own group of the group's org unit at `level` (the unit or an ancestor)."""
        async def run(s: AsyncSession) -> int | None:
            g = await group_row(s, chat_id)
            unit = await s.get(OrgUnit, g.org_unit_id) if g.org_unit_id else None
            while unit is not None:
                if unit.level == LEVELS[level]:
                    return unit.chat_id
                unit = await s.get(OrgUnit, unit.parent_id) if unit.parent_id else None
            return None

        return await self.uow.read(run)

    async def org_units(self) -> list[tuple[int, str, str, int | None]]:
        async def run(s: AsyncSession) -> list[tuple[int, str, str, int | None]]:
            rows = (await s.execute(select(OrgUnit).order_by(OrgUnit.id))).scalars()
            return [(u.id, u.name, u.level, u.chat_id) for u in rows]

        return await self.uow.read(run)

    # --- departments --------------------------------------------------------------------
    async def register_department_group(self, chat_id: int, dept_code: str, actor: PersonRef,
                                        title: str = "", *, code: str | None = None
                                        ) -> Binding:
        """This chat is the department's group: its escalations are relayed here and the
        people who act here act for the department. The district's act; a residents' group
        never becomes a department's; the group it replaces is named in the answer."""
        depts = self.settings.department_names()
        if dept_code not in depts:
            raise InvalidInput("unknown_department", department=dept_code,
                               choices=tuple(depts.values()))

        async def run(s: AsyncSession) -> Binding:
            await self._require_district(s, actor.user_id, code, chat_id)
            g = (await s.execute(select(Group).where(Group.chat_id == chat_id))).scalar()
            if g is None:
                g = self.groups.new_group(s, chat_id, title or depts[dept_code])
                await s.flush()
            if g.department_code not in (None, dept_code):
                raise InvalidInput("other_department", name=depts.get(
                    g.department_code or "", g.department_code))
            if g.department_code is None and await residents_group(s, g):
                raise InvalidInput("residents_group")
            dept = await s.get(Department, dept_code)
            if dept is None:
                dept = Department(code=dept_code, name=depts[dept_code])
                s.add(dept)
            previous = dept.chat_id if dept.chat_id not in (None, chat_id) else None
            if previous is not None:
                old = (await s.execute(select(Group).where(Group.chat_id == previous))).scalar()
                if old is not None:
                    old.department_code = None
                    self.groups.forget(previous)
                await s.execute(delete(DepartmentMember).where(
                    DepartmentMember.department_code == dept_code))
            dept.chat_id = chat_id
            g.department_code = dept_code
            return Binding(await self.groups.view(s, g), previous)

        return await self.uow.write(run)

    async def add_department_member(self, dept_code: str, person: PersonRef) -> None:
        async def run(s: AsyncSession) -> None:
            await _add_member(s, dept_code, (await people.person(s, person)).id)

        await self.uow.write(run)

    async def leave_department(self, dept_code: str, user_id: int) -> None:
        """Someone left (or was removed from) the department's group: they no longer act
        for the department."""
        async def run(s: AsyncSession) -> None:
            await s.execute(delete(DepartmentMember).where(
                DepartmentMember.department_code == dept_code,
                DepartmentMember.person_id.in_(people.chat_person_ids(user_id))))

        await self.uow.write(run)

    async def department_chat(self, dept_code: str) -> int | None:
        async def run(s: AsyncSession) -> int | None:
            d = await s.get(Department, dept_code)
            return d.chat_id if d else None

        return await self.uow.read(run)

"""The organisation around the groups: org units (grid → community → street → district) and
the departments issues are escalated to ("blow the whistle, report for duty")."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issues import people
from issues.errors import InvalidInput
from issues.groups import Groups, group_row, require_manager
from issues.lifecycle import GroupAct
from issues.models import Department, DepartmentMember, Group, OrgUnit
from issues.unit_of_work import Room
from issues.views import LEVELS, GroupView, PersonRef


async def _unit(s: AsyncSession, name: str, level: str, parent: str | None = None) -> OrgUnit:
    if level not in LEVELS:
        raise InvalidInput("bad_level", level=level, choices=LEVELS)
    unit = (await s.execute(select(OrgUnit).where(OrgUnit.name == name,
                                                  OrgUnit.level == level))).scalar()
    if unit is None:
        unit = OrgUnit(name=name[:100], level=level)
        s.add(unit)
        await s.flush()
    if parent:
        up = LEVELS[min(len(LEVELS) - 1, LEVELS.index(level) + 1)]
        unit.parent_id = (await _unit(s, parent, up)).id
    return unit


async def _add_member(s: AsyncSession, dept_code: str, person_id: int) -> None:
    if not (await s.execute(select(DepartmentMember).where(
        DepartmentMember.department_code == dept_code,
        DepartmentMember.person_id == person_id,
    ))).scalar():
        s.add(DepartmentMember(department_code=dept_code, person_id=person_id))


@dataclass(eq=False)
class Org(Room):
    groups: Groups

    # --- org units ----------------------------------------------------------------------
    async def join_org_unit(self, chat_id: int, actor_id: int, name: str,
                            level: str = "community", parent: str | None = None) -> GroupView:
        """Put a group under an org unit (created on first use)."""
        async def run(s: AsyncSession) -> GroupView:
            g = await group_row(s, chat_id)
            await require_manager(s, g, actor_id, GroupAct.JOIN_UNIT)
            g.org_unit_id = (await _unit(s, name, level, parent)).id
            return await self.groups.view(s, g)

        return await self.uow.write(run)

    async def set_unit_home(self, chat_id: int, actor_id: int, name: str,
                            level: str = "community") -> int:
        """This chat is the unit's own group: the unit's digest goes here."""
        async def run(s: AsyncSession) -> int:
            g = await group_row(s, chat_id)
            await require_manager(s, g, actor_id, GroupAct.UNIT_HOME)
            unit = await _unit(s, name, level)
            unit.chat_id = chat_id
            return unit.id

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
                                        title: str = "") -> GroupView:
        depts = self.settings.department_names()
        if dept_code not in depts:
            raise InvalidInput("unknown_department", department=dept_code,
                               choices=tuple(depts))

        async def run(s: AsyncSession) -> GroupView:
            g = (await s.execute(select(Group).where(Group.chat_id == chat_id))).scalar()
            if g is None:
                g = self.groups.new_group(s, chat_id, title or depts[dept_code])
                await s.flush()
            g.department_code = dept_code
            dept = await s.get(Department, dept_code)
            if dept is None:
                s.add(Department(code=dept_code, name=depts[dept_code], chat_id=chat_id))
            else:
                dept.chat_id = chat_id
            await _add_member(s, dept_code, (await people.person(s, actor)).id)
            return await self.groups.view(s, g)

        return await self.uow.write(run)

    async def add_department_member(self, dept_code: str, person: PersonRef) -> None:
        async def run(s: AsyncSession) -> None:
            await _add_member(s, dept_code, (await people.person(s, person)).id)

        await self.uow.write(run)

    async def department_chat(self, dept_code: str) -> int | None:
        async def run(s: AsyncSession) -> int | None:
            d = await s.get(Department, dept_code)
            return d.chat_id if d else None

        return await self.uow.read(run)

"""The org tree as the acts that reach beyond one group see it: the unit a chat is the own
group of, the units above a group, the groups under a unit (every level below), and who may
speak for a unit (its own group's owner and admins, or a district admin)."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from issues import people
from issues.groups import group_roles
from issues.lifecycle import GROUP_MANAGERS
from issues.models import Group, OrgUnit
from issues.settings import Settings
from issues.views import LEVELS


def subtree(unit_id: int) -> Select[tuple[int]]:
    """The ids of a unit and every unit below it (a recursive query)."""
    tree = select(OrgUnit.id).where(OrgUnit.id == unit_id).cte(recursive=True)
    tree = tree.union_all(select(OrgUnit.id).where(OrgUnit.parent_id == tree.c.id))
    return select(tree.c.id)


async def home_unit(s: AsyncSession, chat_id: int) -> OrgUnit | None:
    """The unit whose own group this chat is (the highest, if it is more than one's)."""
    units = (await s.execute(select(OrgUnit).where(OrgUnit.chat_id == chat_id))).scalars().all()
    return max(units, key=lambda u: LEVELS.index(u.level), default=None)


async def ancestors(s: AsyncSession, unit_id: int | None) -> list[OrgUnit]:
    """The unit and those above it, nearest first."""
    out: list[OrgUnit] = []
    seen: set[int] = set()
    while unit_id is not None and unit_id not in seen:
        seen.add(unit_id)
        unit = await s.get(OrgUnit, unit_id)
        if unit is None:
            break
        out.append(unit)
        unit_id = unit.parent_id
    return out


async def groups_under(s: AsyncSession, unit: OrgUnit) -> list[Group]:
    """Every residents' group under the unit, all levels below: the groups that joined a
    unit of its subtree and the own groups of those units, but not the unit's own group
    (where the act was typed) and never a department's."""
    ids = subtree(unit.id)
    rows = (await s.execute(select(Group).where(
        or_(Group.org_unit_id.in_(ids),
            Group.chat_id.in_(select(OrgUnit.chat_id).where(OrgUnit.id.in_(ids)))),
        Group.department_code.is_(None),
        Group.chat_id != (unit.chat_id or 0),
    ).order_by(Group.id))).scalars().all()
    return list(rows)


async def may_speak_for(s: AsyncSession, settings: Settings, unit: OrgUnit,
                        user_id: int | None) -> bool:
    """A district admin, or the owner or an admin of the unit's own group."""
    if user_id is None:
        return False
    if user_id in settings.district_admins:
        return True
    if unit.chat_id is None:
        return False
    home = (await s.execute(select(Group).where(Group.chat_id == unit.chat_id))).scalar()
    if home is None:
        return False
    return bool(await group_roles(s, home, await people.person_id(s, user_id))
                & GROUP_MANAGERS)

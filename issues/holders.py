"""Who holds an issue: its assignee when it has one, otherwise its group's owner.

That is what every page that names the person in charge says (the issue page, which marks the
owner as the owner with nobody else assigned; the ledger's column; the exports; the bot's
cards), so the supervision figures per person and the ledger's filter by person mean it too.
The owner is the group's owner *now* (`groups.owner_id`): when a group changes hands, the
issues nobody was assigned move with it, in the figures of past periods as well, exactly as
those pages show them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import aliased

from issues.models import Group, Issue


def holding_group() -> Any:
    """The group an issue is joined to for `held_by` (an alias: a scope's subqueries on
    `groups` stay subqueries of their own rather than being correlated to this join)."""
    return aliased(Group, name="holding_group")


def held_by(group: Any) -> ColumnElement[Any]:
    """The holder's person id, with the issue's group joined as `group` (`holding_group`):
    None only for an unassigned issue of a group without an owner."""
    return func.coalesce(Issue.assignee_id, group.owner_id)


def held_or_group() -> ColumnElement[Any]:
    """The assignee's person id, else minus the issue's group's id, which `owners` maps to
    the holder: grouped by this, a statement needs no join to `groups` for each issue."""
    return func.coalesce(Issue.assignee_id, -Issue.group_id)


def owners() -> Select[int, int | None]:
    """Rows of (minus a group's id, its owner's person id or None): `held_or_group` → holder."""
    return select(-Group.id, Group.owner_id)


def unassigned() -> ColumnElement[bool]:
    """No assignee, written so that no index is read for it: SQLite, which keeps no statistics
    here, would otherwise read every unassigned issue of the district (half a million) from
    the assignee index instead of an owner's groups' issues from a group index."""
    return (Issue.assignee_id + 0).is_(None)


def held_by_any(persons: Select[Any]) -> ColumnElement[bool]:
    """Issues held by any of `persons` (a subquery of person ids): assigned to one of them,
    or unassigned in a group one of them owns. Each side reads an index (the assignee's, a
    group's) where a filter on `held_by` would compute it for every issue."""
    owned = select(Group.id).where(Group.owner_id.in_(persons))
    return or_(Issue.assignee_id.in_(persons), and_(Issue.group_id.in_(owned), unassigned()))

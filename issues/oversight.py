"""Supervision and joint cases: the district's hand on hard issues.

Supervision: an admin of a unit above the issue's group (its own group's owner or admins) or a
district admin marks an issue, named by its district-wide reference (`<group title>-5`, as
the dashboard shows it) or by the card or relay the command replies to. A supervised open
issue is reminded in its group every `practices.supervise_every`, and listed in that unit's
digest and on the dashboard.

Joint cases: the issue is sent to several departments at once (`Transitions.joint`); each reports
its own part from its own group, and the issue is resolved when the last part is done
(`Transitions.resolve` refuses while a part is pending).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from issues import people, tree
from issues.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from issues.ledger import Ledger, issue_by_id
from issues.lifecycle import OPEN_STATUSES, is_open
from issues.models import Delivery, Event, Group, GroupAdmin, Issue, OrgUnit
from issues.practice_models import JointPart, Supervision
from issues.transitions import Transitions
from issues.unit_of_work import Room
from issues.views import IssueView, PersonRef, TransitionResult

# Delivery keys of the messages that stand for an issue in another group (`kind:issue id:…`):
# a relay to a department, to a unit above, or of a joint case's part.
RELAY_KINDS = ("relay", "unitrelay", "joint")


@dataclass(frozen=True)
class Supervised:
    issue: IssueView
    unit: str  # the supervising unit's name ("" for the district)
    already: bool  # it was supervised before (by this or another unit)


@dataclass(frozen=True)
class PartReport:
    """A department reported its part of a joint case."""

    issue: IssueView
    department_name: str
    done: bool
    remaining: tuple[str, ...]  # departments still to report (names): none, resolve it


def parse_reference(ref: str) -> tuple[str, int] | None:
    """`<group title>-5` → (group title, number); titles may hold hyphens themselves."""
    title, sep, number = ref.strip().rpartition("-")
    if not sep or not title or not number.isdecimal() or len(number) > 9:  # never "²"
        return None
    return title, int(number)


@dataclass(eq=False)
class Oversight(Room):
    ledger: Ledger
    transitions: Transitions

    # --- finding the issue ------------------------------------------------------------------
    async def find_reference(self, ref: str) -> IssueView:
        """The issue a district-wide reference names."""
        parsed = parse_reference(ref)
        if parsed is None:
            raise InvalidInput("bad_reference", ref=ref[:60])
        title, number = parsed

        async def run(s: AsyncSession) -> IssueView:
            groups = (await s.execute(select(Group.id).where(Group.title == title))).all()
            if len(groups) > 1:
                raise InvalidInput("ambiguous_reference", ref=ref[:60])
            issue = (await s.execute(select(Issue).where(
                Issue.group_id == groups[0][0], Issue.number == number))).scalar() \
                if groups else None
            if issue is None:
                raise NotFound("reference_not_found", ref=ref[:60])
            return await self.ledger.view(s, issue)

        return await self.uow.read(run)

    async def issue_by_message(self, chat_id: int, message_id: int) -> IssueView | None:
        """The issue a message in this chat stands for: its card, or a relay of it."""
        async def run(s: AsyncSession) -> IssueView | None:
            issue = (await s.execute(select(Issue).join(Group).where(
                Group.chat_id == chat_id, Issue.card_message_id == message_id))).scalar()
            if issue is None:
                for key in (await s.execute(select(Delivery.key).where(
                        Delivery.chat_id == chat_id, Delivery.message_id == message_id))
                        ).scalars():
                    kind, _, rest = key.partition(":")
                    issue_id = rest.partition(":")[0]
                    if kind in RELAY_KINDS and issue_id.isdigit():
                        issue = await s.get(Issue, int(issue_id))
                        break
            return await self.ledger.view(s, issue) if issue is not None else None

        return await self.uow.read(run)

    # --- supervision -------------------------------------------------------------------------
    async def require_some_supervisor(self, user_id: int | None) -> None:
        """PermissionDenied unless this person could supervise something (a district admin,
        or the owner or an admin of some unit's own group): asked before a reference is
        looked up, so a member learns nothing of which issues of other groups exist."""
        if user_id is not None and user_id in self.settings.district_admins:
            return

        async def run(s: AsyncSession) -> bool:
            person = await people.person_id(s, user_id) if user_id is not None else None
            if person is None:
                return False
            homes = select(Group.id).join(OrgUnit, OrgUnit.chat_id == Group.chat_id)
            owns = homes.where(Group.owner_id == person).exists()
            admin = select(GroupAdmin.group_id).where(
                GroupAdmin.person_id == person, GroupAdmin.group_id.in_(homes)).exists()
            return bool((await s.execute(select(or_(owns, admin)))).scalar())

        if not await self.uow.read(run):
            raise PermissionDenied("supervise_forbidden")

    async def _supervisor(self, s: AsyncSession, chat_id: int, user_id: int | None,
                          issue_group: Group) -> OrgUnit | None:
        """The unit that supervises when this person asks from this chat (None: the
        district); PermissionDenied for anyone else."""
        above = [u for u in await tree.ancestors(s, issue_group.org_unit_id)
                 if u.chat_id != issue_group.chat_id]
        here = next((u for u in above if u.chat_id == chat_id), None)
        if user_id is not None and user_id in self.settings.district_admins:
            return here
        if here is not None and await tree.may_speak_for(s, self.settings, here, user_id):
            return here
        for unit in reversed(above):  # the highest unit they speak for
            if await tree.may_speak_for(s, self.settings, unit, user_id):
                return unit
        raise PermissionDenied("supervise_forbidden")

    async def supervise(self, chat_id: int, actor: PersonRef, issue_id: int,
                        note: str | None = None) -> Supervised:
        async def run(s: AsyncSession) -> Supervised:
            issue = await issue_by_id(s, issue_id)
            group = await s.get(Group, issue.group_id)
            assert group is not None
            unit = await self._supervisor(s, chat_id, actor.user_id, group)
            if not is_open(issue.status):
                raise InvalidTransition(number=issue.number, status=issue.status,
                                        action="supervise")
            person = await people.person(s, actor)
            mark = await s.get(Supervision, issue.id)
            already = mark is not None
            if mark is None:
                mark = Supervision(issue_id=issue.id, unit_id=unit.id if unit else None,
                                   by_id=person.id, at=self.clock(), note=note)
                s.add(mark)
                s.add(Event(issue_id=issue.id, actor_id=person.id, at=self.clock(),
                            kind="supervise", from_status=issue.status,
                            to_status=issue.status, note=note,
                            data={"unit": unit.name if unit else ""}))
                issue.updated_at = self.clock()
                await s.flush()
            named = await s.get(OrgUnit, mark.unit_id) if mark.unit_id else None
            return Supervised(await self.ledger.view(s, issue), named.name if named else "",
                              already)

        return await self.uow.write(run)

    async def supervised(self, unit_id: int | None = None,
                         open_only: bool = True) -> list[tuple[IssueView, datetime]]:
        """Supervised issues (of one unit, when given) with when each was marked, oldest
        mark first."""
        async def run(s: AsyncSession) -> list[tuple[IssueView, datetime]]:
            q = select(Issue, Supervision.at).join(Supervision, Supervision.issue_id == Issue.id)
            if unit_id is not None:
                q = q.where(Supervision.unit_id == unit_id)
            if open_only:
                q = q.where(Issue.status.in_(OPEN_STATUSES))
            rows = (await s.execute(q.order_by(Supervision.at, Issue.id))).all()
            views = await self.ledger.views(s, [i for i, _ in rows])
            return list(zip(views, [at for _, at in rows], strict=True))

        return await self.uow.read(run)

    # --- joint cases -------------------------------------------------------------------------
    async def joint(self, chat_id: int, number: int, actor: PersonRef,
                    department_codes: list[str]) -> TransitionResult:
        return await self.transitions.joint(chat_id, number, actor, department_codes)

    async def report_part(self, issue_id: int, department_code: str, actor: PersonRef,
                          note: str | None, *, done: bool) -> PartReport:
        """A department's part of a joint case: claimed or done. When no part remains, the
        caller resolves the issue (`Transitions.resolve` refuses before)."""
        names = self.settings.department_names()

        async def run(s: AsyncSession) -> PartReport:
            issue = await issue_by_id(s, issue_id)
            parts = list((await s.execute(select(JointPart).where(
                JointPart.issue_id == issue.id).order_by(JointPart.id))).scalars())
            part = next((p for p in parts if p.department_code == department_code), None)
            if part is None:
                raise InvalidInput("not_joint_part", number=issue.id,
                                   department=names.get(department_code, department_code))
            if not is_open(issue.status):
                raise InvalidTransition(number=issue.number, status=issue.status,
                                        action="resolve" if done else "claim")
            person = await people.person(s, actor)
            if part.status != "done":
                part.status = "done" if done else "claimed"
                part.person_id = person.id
                if done:
                    part.note = (note or "")[:2000] or None
                    part.done_at = self.clock()
                s.add(Event(issue_id=issue.id, actor_id=person.id, at=self.clock(),
                            kind="joint_done" if done else "joint_claim",
                            from_status=issue.status, to_status=issue.status, note=note,
                            data={"department": department_code}))
                issue.updated_at = self.clock()
                await s.flush()
            remaining = tuple(names.get(p.department_code, p.department_code)
                              for p in parts if p.status != "done")
            return PartReport(await self.ledger.view(s, issue),
                              names.get(department_code, department_code), done, remaining)

        return await self.uow.write(run)

"""Moving an issue: load it, check who asks and where it stands (`issues.lifecycle`), apply
the change and record the event, all in one transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from issues import people, repeats
from issues.errors import AlreadyRated, Conflict, InvalidInput, InvalidTransition, PermissionDenied
from issues.groups import group_roles
from issues.ledger import Ledger, issue_by_id, issue_row
from issues.lifecycle import (
    RULES,
    Action,
    Role,
    Status,
    reopens,
)
from issues.models import (
    Department,
    DepartmentMember,
    Event,
    Feedback,
    Group,
    Issue,
    Person,
    Photo,
    Rating,
)
from issues.practice_models import JointPart
from issues.unit_of_work import Room
from issues.views import (
    LEVELS,
    EventView,
    IssueView,
    PersonRef,
    TransitionResult,
)
from nlp.types import Detection

MAX_TEXT = 20_000
UNSATISFIED_UP_TO = 2  # a score up to here is "unsatisfied": the issue is worked on again
# The event's note (what a person wrote) and data (facts for the presentation to word).
Note = tuple[str | None, dict[str, Any] | None]
# What an action changes besides the status; returns the event's note and data.
Change = Callable[[AsyncSession, Issue, Person], Awaitable[Note]]


async def issue_roles(s: AsyncSession, g: Group, issue: Issue,
                      person_id: int | None) -> set[Role]:
    """The roles a person holds for one issue: the group's, plus assignee, reporter and
    member of the department it was sent to."""
    roles = await group_roles(s, g, person_id)
    if person_id is None:
        return roles
    if issue.assignee_id == person_id:
        roles.add(Role.ASSIGNEE)
    if issue.reporter_id == person_id:
        roles.add(Role.REPORTER)
    # The department it was sent to, or one of those sent a part of a joint case.
    sent_to = select(JointPart.department_code).where(JointPart.issue_id == issue.id)
    if (await s.execute(select(DepartmentMember).where(
        or_(DepartmentMember.department_code == issue.department_code,
            DepartmentMember.department_code.in_(sent_to)),
        DepartmentMember.person_id == person_id,
    ).limit(1))).scalar():
        roles.add(Role.DEPARTMENT)
    return roles


async def _permitted(s: AsyncSession, g: Group, issue: Issue, person_id: int | None,
                     action: Action) -> None:
    """Refuse the person who holds none of the roles `action` needs on this issue (the one
    check of the act and of its early refusal, `Transitions.require`)."""
    rule = RULES[action]
    if not await issue_roles(s, g, issue, person_id) & rule.roles:
        raise PermissionDenied(action=str(action), roles=tuple(sorted(rule.roles)),
                               number=issue.number)


def _place(issue: Issue) -> repeats.Place | None:
    return repeats.place_of(issue.group_id, issue.category, issue.location_text)


@dataclass(eq=False)
class Transitions(Room):
    """Every change of an issue that a person makes (the system's own is `escalation`).

    Each action is the table's (`issues.lifecycle.RULES`): the engine checks who asks and
    where the issue stands, moves the status as the table says and records the event; an
    action's own code only fills in what else changes (times, assignee, the note)."""

    ledger: Ledger

    async def _act(self, chat_id: int | None, number: int, actor: PersonRef | int,
                   action: Action, change: Change, *, by_id: bool = False,
                   kind: str | None = None) -> TransitionResult:
        """Load, check permission and status, apply `change`, move the status as the table
        says, record the event (of `kind`, the action's name unless given)."""
        rule = RULES[action]

        async def run(s: AsyncSession) -> TransitionResult:
            if by_id:
                issue = await issue_by_id(s, number)
                g = await s.get(Group, issue.group_id)
                assert g is not None
            else:
                assert chat_id is not None
                g, issue = await issue_row(s, chat_id, number)
            if isinstance(actor, PersonRef):
                person = await people.person(s, actor)
            else:
                found = await people.find(s, actor)
                if found is None:
                    raise PermissionDenied(action=str(action), roles=tuple(sorted(rule.roles)))
                person = found
            await _permitted(s, g, issue, person.id, action)
            if not rule.may_start(issue.status):
                if action in (Action.RATE, Action.RATE_UNSATISFIED) and issue.status in (
                    Status.CLOSED, Status.IN_PROGRESS) and (
                    await s.execute(select(Rating).where(Rating.issue_id == issue.id))
                ).scalar():
                    raise AlreadyRated(number=issue.number)
                raise InvalidTransition(number=issue.number, status=issue.status,
                                        action=str(action))
            before = issue.status
            note, data = await change(s, issue, person)
            issue.status = rule.leads_to(before)
            if (before == Status.WITHDRAWN) != (issue.status == Status.WITHDRAWN):
                # No longer a complaint, or one again: its place's repeats change.
                await repeats.refresh(s, issue, _place(issue))
            now = self.clock()
            issue.updated_at = now
            event_kind = str(kind or action)
            s.add(Event(issue_id=issue.id, actor_id=person.id, at=now, kind=event_kind,
                        from_status=before, to_status=issue.status, note=note, data=data))
            await s.flush()
            view = await self.ledger.view(s, issue)
            by = people.ref_of(person, actor if isinstance(actor, int) else actor.user_id)
            return TransitionResult(view, EventView(event_kind, now, by, before, issue.status,
                                                    note, data or {}),
                                    reopened=reopens(before, issue.status))

        try:
            return await self.uow.write(run)
        except StaleDataError:
            raise Conflict(number=number) from None

    async def require(self, chat_id: int, number: int, actor_id: int, action: Action) -> None:
        """Refuse at once when the person may not take `action` on the issue: a command
        naming someone (/assign 3 @x) is refused for want of rights before the one it names
        is looked up, as the act itself would refuse it."""
        async def run(s: AsyncSession) -> None:
            g, issue = await issue_row(s, chat_id, number)
            await _permitted(s, g, issue, await people.person_id(s, actor_id), action)

        await self.uow.read(run)

    def _acknowledged(self, issue: Issue) -> None:
        """Taken on: the first step out of `open` stops the acknowledge clock."""
        if issue.status == Status.OPEN:
            issue.acknowledged_at = issue.acknowledged_at or self.clock()

    async def acknowledge(self, chat_id: int, number: int, actor: PersonRef | int,
                          note: str | None = None) -> TransitionResult:
        async def change(s: AsyncSession, issue: Issue, p: Person) -> Note:
            issue.acknowledged_at = self.clock()
            return note, None

        return await self._act(chat_id, number, actor, Action.ACKNOWLEDGE, change)

    async def assign(self, chat_id: int, number: int, actor: PersonRef | int,
                     assignee: PersonRef) -> TransitionResult:
        async def change(s: AsyncSession, issue: Issue, p: Person) -> Note:
            issue.assignee_id = (await people.person(s, assignee)).id
            self._acknowledged(issue)
            return assignee.name, None

        return await self._act(chat_id, number, actor, Action.ASSIGN, change)

    async def progress(self, chat_id: int, number: int, actor: PersonRef | int,
                       note: str) -> TransitionResult:
        if not note.strip():
            raise InvalidInput("empty_progress")

        async def change(s: AsyncSession, issue: Issue, p: Person) -> Note:
            if issue.status == Status.OPEN:
                issue.acknowledged_at = self.clock()
            return note[:2000], None

        return await self._act(chat_id, number, actor, Action.PROGRESS, change)

    async def resolve(self, chat_id: int, number: int, actor: PersonRef | int,
                      note: str | None = None) -> TransitionResult:
        async def change(s: AsyncSession, issue: Issue, p: Person) -> Note:
            pending = (await s.execute(select(JointPart.department_code).where(
                JointPart.issue_id == issue.id, JointPart.status != "done"))).scalars().all()
            if pending:  # a joint case: resolved only when every department has reported
                raise InvalidInput("joint_pending", number=issue.number,
                                   departments=tuple(self.settings.department_names().get(
                                       c, c) for c in pending))
            now = self.clock()
            issue.acknowledged_at = issue.acknowledged_at or now
            issue.resolved_at = now
            return (note or "")[:2000] or None, None

        return await self._act(chat_id, number, actor, Action.RESOLVE, change)

    async def reject(self, chat_id: int, number: int, actor: PersonRef | int, reason: str,
                     *, as_false_positive: bool = False) -> TransitionResult:
        """Rejected with a reason (the owner declines a real request); `as_false_positive`
        is the older spelling of `withdraw`."""
        if as_false_positive:
            return await self.withdraw(chat_id, number, actor)
        if not reason.strip():
            raise InvalidInput("empty_reason")

        async def change(s: AsyncSession, issue: Issue, p: Person) -> Note:
            issue.reject_reason = reason[:500]
            issue.closed_at = self.clock()
            return reason[:500], None

        return await self._act(chat_id, number, actor, Action.REJECT, change)

    async def withdraw(self, chat_id: int, number: int,
                       actor: PersonRef | int) -> TransitionResult:
        """Not a request at all: the detector was wrong. The issue is withdrawn, leaves every
        statistic and public list, and its message is kept as a labelled example for the
        detector."""
        async def change(s: AsyncSession, issue: Issue, p: Person) -> Note:
            issue.closed_at = self.clock()
            s.add(Feedback(chat_id=chat_id or 0, message_id=issue.source_message_id,
                           text=issue.text, label="none", detected=issue.category,
                           at=self.clock()))
            return None, None

        return await self._act(chat_id, number, actor, Action.WITHDRAW, change,
                               kind="false_positive")

    async def reopen(self, chat_id: int, number: int, actor: PersonRef | int,
                     reason: str | None = None) -> TransitionResult:
        async def change(s: AsyncSession, issue: Issue, p: Person) -> Note:
            issue.resolved_at = None
            issue.closed_at = None
            issue.reject_reason = None
            return (reason or "")[:500] or None, None

        return await self._act(chat_id, number, actor, Action.REOPEN, change)

    async def rate(self, chat_id: int, number: int, actor: PersonRef | int,
                   score: int) -> TransitionResult:
        """The reporter's rating (1-5) of a resolved issue: satisfied closes it, unsatisfied
        (up to UNSATISFIED_UP_TO) has it worked on again."""
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise InvalidInput("bad_rating", score=score)
        value = score
        satisfied = value > UNSATISFIED_UP_TO

        async def change(s: AsyncSession, issue: Issue, p: Person) -> Note:
            now = self.clock()
            s.add(Rating(issue_id=issue.id, person_id=p.id, score=value, at=now))
            issue.rating, issue.rated_at = value, now  # the latest rating is the issue's
            if not satisfied:
                issue.resolved_at = None
            else:
                issue.closed_at = now
            return None, {"score": value}

        return await self._act(chat_id, number, actor,
                               Action.RATE if satisfied else Action.RATE_UNSATISFIED, change,
                               kind=Action.RATE)

    async def comment(self, chat_id: int, number: int, actor: PersonRef | int, note: str,
                      kind: str = "comment") -> TransitionResult:
        """A note on the record that moves nothing (the reporter's reason for being
        unsatisfied)."""
        if not note.strip():
            raise InvalidInput("empty_note")

        async def change(s: AsyncSession, issue: Issue, p: Person) -> Note:
            return note[:2000], None

        return await self._act(chat_id, number, actor, Action.COMMENT, change, kind=kind)

    async def add_photo(self, chat_id: int, number: int, actor: PersonRef | int,
                        file_id: str) -> TransitionResult:
        async def change(s: AsyncSession, issue: Issue, p: Person) -> Note:
            s.add(Photo(issue_id=issue.id, file_id=file_id[:300], person_id=p.id,
                        at=self.clock()))
            return None, None

        return await self._act(chat_id, number, actor, Action.PHOTO, change)

    async def set_location(self, chat_id: int, number: int, actor: PersonRef | int,
                           lat: float, lon: float) -> TransitionResult:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InvalidInput("bad_coordinates", lat=lat, lon=lon)

        async def change(s: AsyncSession, issue: Issue, p: Person) -> Note:
            issue.lat, issue.lon = lat, lon
            return f"{lat:.5f},{lon:.5f}", None

        return await self._act(chat_id, number, actor, Action.LOCATE, change)

    async def escalate(self, chat_id: int | None, number: int, actor: PersonRef | int,
                       department_code: str | None = None, level: int | None = None,
                       *, by_id: bool = False, note: str | None = None) -> TransitionResult:
        """Blow the whistle: send to a department and/or one level up (grid → community →
        street)."""
        depts = self.settings.department_names()
        if department_code is not None and department_code not in depts:
            raise InvalidInput("unknown_department", department=department_code,
                               choices=tuple(depts.values()))

        async def change(s: AsyncSession, issue: Issue, p: Person) -> Note:
            if department_code:
                issue.department_code = department_code
                if await s.get(Department, department_code) is None:
                    s.add(Department(code=department_code, name=depts[department_code]))
            new_level = level if level is not None else (
                issue.escalation_level if department_code else issue.escalation_level + 1)
            issue.escalation_level = max(0, min(len(LEVELS) - 1, new_level))
            self._acknowledged(issue)
            # The level is named when it moved by itself or was asked for.
            moved = not department_code or level is not None
            return note, {"department": department_code,
                          "level": LEVELS[issue.escalation_level] if moved else None}

        return await self._act(chat_id, number, actor, Action.ESCALATE, change, by_id=by_id)

    async def joint(self, chat_id: int, number: int, actor: PersonRef | int,
                    department_codes: Sequence[str]) -> TransitionResult:
        """A joint case: send a hard case to several departments at once; each reports its own part
        (issues.oversight) and the case is resolved only when all have."""
        depts = self.settings.department_names()
        codes = list(dict.fromkeys(department_codes))
        unknown = [c for c in codes if c not in depts]
        if unknown or len(codes) < 2:
            raise InvalidInput("joint_departments", department=",".join(unknown),
                               choices=tuple(depts.values()))

        async def change(s: AsyncSession, issue: Issue, p: Person) -> Note:
            have = set((await s.execute(select(JointPart.department_code).where(
                JointPart.issue_id == issue.id))).scalars())
            for code in codes:
                if await s.get(Department, code) is None:
                    s.add(Department(code=code, name=depts[code]))
                if code not in have:
                    s.add(JointPart(issue_id=issue.id, department_code=code, status="pending",
                                    created_at=self.clock()))
            self._acknowledged(issue)
            return None, {"departments": codes}

        return await self._act(chat_id, number, actor, Action.JOINT, change)

    async def claim(self, issue_id: int, actor: PersonRef) -> TransitionResult:
        """Report for duty: a member of the department the issue was sent to takes it on."""
        async def change(s: AsyncSession, issue: Issue, p: Person) -> Note:
            issue.assignee_id = p.id
            return None, None

        return await self._act(None, issue_id, actor, Action.CLAIM, change, by_id=True)

    async def update_text(self, issue_id: int, text: str, detection: Detection) -> IssueView:
        """An edited report: the text follows the edit; an edit never closes anything."""
        async def run(s: AsyncSession) -> IssueView:
            issue = await issue_by_id(s, issue_id)
            issue.text = text[:MAX_TEXT]
            if detection.is_issue:
                issue.summary = (detection.summary or issue.summary)[:200]
                place = _place(issue)
                issue.location_text = detection.location or issue.location_text
                if _place(issue) != place:  # moved: both places' repeats change
                    await repeats.refresh(s, issue, place)
                    await repeats.refresh(s, issue, _place(issue))
            if issue.urgent and detection.urgent_kind:  # the advice follows what is said now
                issue.urgent_kind = detection.urgent_kind
            issue.updated_at = self.clock()
            s.add(Event(issue_id=issue.id, actor_id=issue.reporter_id, at=self.clock(),
                        kind="edit", from_status=issue.status, to_status=issue.status,
                        note=text[:500]))
            await s.flush()
            return await self.ledger.view(s, issue)

        return await self.uow.write(run)

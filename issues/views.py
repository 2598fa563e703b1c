"""Plain data the bot and the dashboard get from the service: never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from issues.lifecycle import OPEN_STATUSES, Status

LEVELS = ("grid", "community", "street", "district")
LIGHTS = ("green", "yellow", "red")


def percent(rate: float | None) -> str:
    """A published rate as people read it: whole percents, a dash when there is none yet."""
    return "—" if rate is None else f"{rate:.0%}"


class Channel(StrEnum):
    """Where a report or a person comes from (FixMyStreet's `service`)."""

    TELEGRAM = "telegram"  # the group chats
    OPEN311 = "open311"
    HOTLINE = "12345"  # 12345 citizen hotline orders
    CLI = "cli"


@dataclass(frozen=True)
class PersonRef:
    """A person as the group chat knows them: the chat's user id, display name, username.
    `user_id` is None for someone who reached us by another channel only (an Open311 request,
    a hotline order): they cannot be mentioned in a group."""

    user_id: int | None
    name: str
    username: str | None = None

    def stored_name(self, known: str | None = None) -> str:
        """The name the ledger keeps: the channel's (cut to the column), else the one it
        already has, else the user id."""
        return self.name[:200] or known or str(self.user_id or "")


@dataclass(frozen=True)
class NewReport:
    """A report that is not a group chat message: an Open311 request, a hotline order, a
    line on the command line. Its category is given, not detected.

    `reporter_id` is the channel's id for the reporter (an Open311 account's e-mail, a
    caller's number; None: nobody we could recognise again); `external_id` the channel's id
    for the report, so that the same report submitted twice opens one issue (None: a new
    id)."""

    channel: Channel
    category: str
    text: str
    reporter_name: str
    reporter_id: str | None = None
    external_id: str | None = None
    location: str | None = None
    lat: float | None = None
    lon: float | None = None
    urgent: bool = False


@dataclass(frozen=True)
class GroupView:
    chat_id: int
    title: str
    timezone: str
    owner: PersonRef | None
    admins: tuple[PersonRef, ...]
    settings: dict[str, object]
    department_code: str | None = None
    org_unit: str | None = None


@dataclass(frozen=True)
class Binding:
    """A group bound to a unit or a department, and the group that had it before (to be
    told), if another did."""

    group: GroupView
    previous_chat: int | None = None


@dataclass(frozen=True)
class EventView:
    kind: str
    at: datetime
    actor: PersonRef | None
    from_status: str | None
    to_status: str | None
    note: str | None  # what a person wrote
    data: dict[str, Any] = field(default_factory=dict)  # facts to word (see models.Event)


@dataclass(frozen=True)
class JointPartView:
    """One department's part of a joint case: pending, claimed or done."""

    department_code: str
    department_name: str
    status: str
    note: str | None = None


# Not frozen: a frozen dataclass sets each of its 40-odd fields through object.__setattr__,
# which made building a view cost twice what it does now (an export builds a million);
# still hashed by its fields as when it was frozen. Nobody changes a view once built. Slots:
# no dict per view, one object less for the collector to walk per exported row.
@dataclass(unsafe_hash=True, slots=True)
class IssueView:
    id: int
    chat_id: int
    group_title: str
    number: int
    category: str
    category_name: str
    summary: str
    text: str
    location_text: str | None
    lat: float | None
    lon: float | None
    urgent: bool
    status: Status
    reporter: PersonRef
    assignee: PersonRef | None
    department_code: str | None
    department_name: str | None
    escalation_level: int
    report_count: int
    source_message_id: int | None
    card_message_id: int | None
    created_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    ack_due_at: datetime
    resolve_due_at: datetime
    light: str | None
    rating: int | None
    reject_reason: str | None
    photos: tuple[str, ...] = ()
    events: tuple[EventView, ...] = ()
    # Was late: a deadline passed before the step it was for (acknowledging, resolving) was
    # taken; kept after escalation and after the issue is done.
    was_late: bool = False
    progress_note: str | None = None  # the newest progress an owner gave (shown on the card)
    # What the newest resolution said (its note): set while the issue is resolved or closed.
    resolution_note: str | None = None
    taken_by: PersonRef | None = None  # who took it on (acknowledged), by whatever step did so
    # Where its first report came from (Channel) and that channel's id for it (a 12345 order).
    channel: str = "telegram"
    external_id: str | None = None
    supervised_by: str | None = None  # supervision: the unit's name ("" for the district itself)
    joint: tuple[JointPartView, ...] = ()  # a joint case: the departments' parts
    followup: str | None = None  # follow-up of an unrated resolution: "asked", then "unrated"
    urgent_kind: str | None = None  # the detector's kind of emergency (gas, fire, flood…)

    @property
    def reference(self) -> str:
        """The reference a district officer can say aloud and find again: the group's title,
        a hyphen, its number. Numbers are per group, so `#5` alone is ambiguous."""
        return f"{self.group_title}-{self.number}"

    @property
    def escalated(self) -> bool:
        """Escalated: sent to a department (blowing the whistle) or raised above the grid."""
        return self.escalation_level > 0 or self.department_code is not None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def due_at(self) -> datetime | None:
        """The deadline that matters now: to acknowledge, then to resolve."""
        if self.status == Status.OPEN:
            return self.ack_due_at
        if self.status in OPEN_STATUSES:
            return self.resolve_due_at
        return None


@dataclass(frozen=True)
class IntakeResult:
    """What became of a report: a new issue, one more person on an open one (seconded), or
    its own reporter saying it again (urged: the count of people stays)."""

    issue: IssueView
    created: bool
    seconded: bool
    report_count: int  # distinct people who reported the issue, as of this report
    urged: bool = False


@dataclass(frozen=True)
class TransitionResult:
    issue: IssueView
    event: EventView
    reopened: bool = False


@dataclass(frozen=True)
class Reminder:
    """A reminder claimed for sending: the issue's light turned `light` ("yellow", "red")."""

    key: str
    issue: IssueView
    light: str


@dataclass(frozen=True)
class Escalated:
    """An issue the system raised one level (to `issue.escalation_level`), its notice claimed
    for sending; `event` is the step up (None when a notice is tried again later)."""

    key: str
    issue: IssueView
    event: EventView | None = None


@dataclass(frozen=True)
class Stats:
    """Figures over the issues received in a window (withdrawn ones never counted). Each
    issue is in exactly one of pending (open), in_progress (acknowledged, not yet resolved),
    resolved (closed included) or rejected, so those four add up to received; `answered`
    (ever acknowledged) is another cut across them."""

    received: int
    answered: int
    in_progress: int
    resolved: int
    rejected: int
    rated: int
    satisfied: int
    resolution_rate: float | None
    satisfaction_rate: float | None
    median_ack_minutes: float | None
    median_resolve_hours: float | None
    by_category: dict[str, int] = field(default_factory=dict)
    overdue: dict[str, int] = field(default_factory=dict)  # light → open issues now
    pending: int = 0


@dataclass(frozen=True)
class Page:
    items: list[IssueView]
    total: int
    page: int
    page_size: int
    total_capped: bool = False  # more than `total` match; the count stopped there


@dataclass
class IssueFilter:
    status: str | None = None
    category: str | None = None
    light: str | None = None
    chat_id: int | None = None
    org_unit_id: int | None = None
    # Issues assigned to this chat user (a resident's "my issues"); `holder_user_id`: the ones
    # they hold, as assignee or as the owner of a group where nobody else was assigned
    # (issues.holders), what the dashboard means by the person in charge.
    assignee_user_id: int | None = None
    holder_user_id: int | None = None
    text: str | None = None
    # The reader sees text masked (issues.privacy): `text` may not find what a mask hides
    # (issues.search).
    masked: bool = False
    since: datetime | None = None
    until: datetime | None = None
    department_code: str | None = None
    # One of issues.facts.FACTS: the issues behind one supervision figure (since/until then
    # bound the time of that fact: a rating's, a reopening's, else the receipt).
    fact: str | None = None
    # Only these groups (chat ids) and these statuses; None: no such limit.
    chat_ids: frozenset[int] | None = None
    statuses: tuple[str, ...] | None = None

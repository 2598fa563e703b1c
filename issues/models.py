"""The ledger's tables (SQLAlchemy 2, typed). Times are timezone-aware UTC everywhere."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from issues import facts
from issues.fact_columns import IssueFacts


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always hands back aware datetimes (SQLite would return naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use UTC-aware times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is UTC:  # asyncpg's timestamptz
            return value
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: object
                         ) -> Callable[[Any], datetime | None] | None:
        """On SQLite (times stored as ISO text) one call per value from text to an aware
        time, instead of the dialect's parser and then `process_result_value`: an export
        reads ten times per row of a million. The text is stored naive (UTC): parsed again with
        its offset it comes back aware (`replace(tzinfo=…)` costs six times a parse)."""
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)

        def aware(value: str | None) -> datetime | None:
            if value is None:
                return None
            try:  # stored naive (UTC), as this type writes it: one parse
                at = datetime.fromisoformat(value + "+00:00")
            except ValueError:  # text written with an offset of its own
                return datetime.fromisoformat(value).astimezone(UTC)
            return at if at.tzinfo is not None else at.replace(tzinfo=UTC)  # a bare date

        return aware


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime,
                                                     dict[str, Any]: JSON}


class OrgUnit(Base):
    """grid → community → street → district."""

    __tablename__ = "org_units"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    __table_args__ = (UniqueConstraint("name", "level"),)


class Person(Base):
    """Someone who reports, acts or holds issues; how each channel knows them is in
    `PersonIdentity` (a person reached by a channel without ids has none)."""

    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    username: Mapped[str | None] = mapped_column(String(64))


class PersonIdentity(Base):
    """A person's id on one channel (`views.Channel`): a chat user id, an Open311 account's
    e-mail, a hotline caller's number. One per person and channel; one person per id."""

    __tablename__ = "person_identities"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(200))
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_person_identities_external"),
        UniqueConstraint("person_id", "channel", name="uq_person_identities_person"),
    )


class Group(Base):
    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
    department_code: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]


class GroupAdmin(Base):
    __tablename__ = "group_admins"
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"),
                                          primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)


class Department(Base):
    __tablename__ = "departments"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    chat_id: Mapped[int | None] = mapped_column(BigInteger)


class DepartmentMember(Base):
    __tablename__ = "department_members"
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"),
                                                 primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)


class Issue(IssueFacts, Base):
    __tablename__ = "issues"
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    number: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    location_text: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # What kind of emergency the detector recognised (nlp.Detection.urgent_kind: gas, fire,
    # elevator, power, flood, collapse); None when it did not say (a report from elsewhere).
    urgent_kind: Mapped[str | None] = mapped_column(String(16))
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(20), default="open")  # lifecycle.Status
    reporter_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    department_code: Mapped[str | None] = mapped_column(String(40))
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    source_message_id: Mapped[int | None] = mapped_column(BigInteger)
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    report_count: Mapped[int] = mapped_column(Integer, default=1)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    ack_due_at: Mapped[datetime]
    resolve_due_at: Mapped[datetime]
    # When each clock turns yellow (sla.warn_at), set with its due time.
    ack_warn_at: Mapped[datetime | None]
    resolve_warn_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__: Any = MappingProxyType({"version_id_col": version})  # read-only
    __table_args__ = (
        UniqueConstraint("group_id", "number"),
        Index("ix_issues_group_status_ackdue", "group_id", "status", "ack_due_at"),
        Index("ix_issues_group_status_resolvedue", "group_id", "status", "resolve_due_at"),
        Index("ix_issues_status_due", "status", "resolve_due_at"),
        Index("ix_issues_status_ackdue", "status", "ack_due_at"),
        Index("ix_issues_status_ackwarn", "status", "ack_warn_at"),
        Index("ix_issues_status_resolvewarn", "status", "resolve_warn_at"),
        # The figures' counts of a period by status and category (issues.stats), from the
        # index alone; it serves what (created_at) did.
        Index("ix_issues_created_counts", *facts.COUNT_COLUMNS),
        Index("ix_issues_resolved", "resolved_at"),
        Index("ix_issues_category_created", "category", "created_at"),
        Index("ix_issues_assignee", "assignee_id"),
        Index("ix_issues_group_card", "group_id", "card_message_id"),
        # Supervision's (issues.supervision); the first serves what (group, created) did.
        Index("ix_issues_group_facts", *facts.GROUP_COLUMNS),
        Index("ix_issues_facts", *facts.PERIOD_COLUMNS),
        Index("ix_issues_rated", *facts.RATED_COLUMNS),
        Index("ix_issues_group_rated", *facts.GROUP_RATED_COLUMNS),
        Index("ix_issues_open", *facts.OPEN_COLUMNS, sqlite_where=facts.open_where(),
              postgresql_where=facts.open_where()),
    )


class Report(Base):
    """Every report that opened or seconded an issue, from any channel (as FixMyStreet's
    `service` and `external_id`): a group chat message, an Open311 request, a hotline order.
    The channel's id for it is unique within its scope (a chat's message ids, per chat; ""
    where the channel's ids are unique by themselves), so a report delivered twice is one."""

    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"),
                                          index=True)
    channel: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    __table_args__ = (
        UniqueConstraint("channel", "scope", "external_id", name="uq_reports_external"),
    )


class Event(Base):
    """The audit trail: who did what, when, from which status to which, and why."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"),
                                          index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    # Facts of the event for the presentation to word: {"explicit": true} on open,
    # {"score": 5} on rate, {"department": …, "level": …} on escalate.
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Reopenings are few among millions of events: a partial index finds a period's.
    __table_args__ = (Index("ix_events_reopen_at", "at", sqlite_where=facts.reopen_where(),
                            postgresql_where=facts.reopen_where()),)


class Photo(Base):
    __tablename__ = "photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"),
                                          index=True)
    file_id: Mapped[str] = mapped_column(String(300))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime]


class Rating(Base):
    __tablename__ = "ratings"
    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"),
                                          index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    score: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(index=True)


class Feedback(Base):
    """Messages an owner marked as no issue at all: labelled examples for tuning the rules."""

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(30))
    detected: Mapped[str | None] = mapped_column(String(30))
    at: Mapped[datetime]


class Delivery(Base):
    """A post recorded before sending, so restarts and several workers never send it twice."""

    __tablename__ = "deliveries"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    claimed_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    # The tick takes back pending claims whose lease ran out (a worker died mid-send, a
    # reminder held through quiet hours): a range of this index, not a scan of every post.
    __table_args__ = (Index("ix_deliveries_status_claimed", "status", "claimed_at"),)


class TickMark(Base):
    """How far a scheduled scan has looked (the reminder scan: lights that turned up to
    `at`), so the next tick, in this worker or another, takes the range after it, and a tick
    after downtime catches up on everything since."""

    __tablename__ = "tick_marks"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    at: Mapped[datetime]


class InboxUpdate(Base):
    """A Telegram update stored before Telegram is answered (a webhook's 200, the next
    getUpdates) and removed once handled, so a crash loses nothing: the worker holding it
    renews `leased_at` while it lives, and another worker (or itself, restarted) takes over
    what a dead one held (bot.serve.inbox)."""

    __tablename__ = "inbox"
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]
    worker: Mapped[str | None] = mapped_column(String(80))
    leased_at: Mapped[datetime | None]


class WebSession(Base):
    """A dashboard login: the hash of the cookie's random id, so `/logout` (a deleted row)
    revokes it everywhere and the table alone logs nobody in. `key` ties it to the token it
    was opened with: a changed token ends its sessions."""

    __tablename__ = "web_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class AccessCode(Base):
    """A one-time code a dashboard admin hands out for one district-level act in a group
    (registering a department, binding or re-parenting a unit); kept as a hash."""

    __tablename__ = "access_codes"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_in_chat: Mapped[int | None] = mapped_column(BigInteger)


class RateCount(Base):
    """How often someone did something limited (a failed dashboard login per address, a
    report per person) in the window that began at `since`: shared by every worker of one
    database and kept through restarts (`issues.rates`). A row whose window has passed
    starts again at its next use, or is deleted."""

    __tablename__ = "rate_counts"
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    who: Mapped[str] = mapped_column(String(64), primary_key=True)
    since: Mapped[datetime] = mapped_column(index=True)
    n: Mapped[int] = mapped_column(Integer)

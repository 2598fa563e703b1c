"""The tables of the practices beyond intake: notices and their posts, supervision and
joint cases, votes, follow-ups of unrated resolutions, help requests and volunteers. On the
ledger's one `Base`, so Alembic and the migration tests see them with the rest;
`issues.migrations.env` imports this module for that."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from issues.models import Base, Issue


class Notice(Base):
    """An official notice a unit sends from its own group to every group under it,
    numbered per unit; its follow-ups (progress) go to the same groups."""

    __tablename__ = "notices"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("unit_id", "number"),)


class NoticeFollowUp(Base):
    """A follow-up of a notice (the repair's progress): seq 1, 2, … after the notice (0)."""

    __tablename__ = "notice_followups"
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("notice_id", "seq"),)


class NoticePost(Base):
    """One post of a notice (seq 0) or of a follow-up into one group, and how it went:
    pending until sent (exactly once, through a `Delivery` key), then sent (its message and
    the members it reached) or failed (the bot is no longer in the group)."""

    __tablename__ = "notice_posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    members: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None]
    __table_args__ = (UniqueConstraint("notice_id", "seq", "group_id"),
                      Index("ix_notice_posts_status", "status", "id"))


class Supervision(Base):
    """Supervision: a unit above the issue's group (or the district: no unit) marks it; it is then
    reminded more often and listed in that unit's digest and on the dashboard."""

    __tablename__ = "supervisions"
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"),
                                          primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)


class JointPart(Base):
    """A joint case: one of the departments a hard case was sent to at once; the case is resolved
    only when every part is done."""

    __tablename__ = "joint_parts"
    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    department_code: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default="pending")  # claimed, done
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    __table_args__ = (UniqueConstraint("issue_id", "department_code"),)


class Vote(Base):
    """A vote in a group: a native poll with its closing time, the counts it reported last
    and, once closed, its result (`closed_at`)."""

    __tablename__ = "votes"
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    options: Mapped[list[str]] = mapped_column(JSON)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    poll_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    closes_at: Mapped[datetime] = mapped_column(index=True)
    closed_at: Mapped[datetime | None]
    counts: Mapped[list[int] | None] = mapped_column(JSON)
    voters: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (UniqueConstraint("group_id", "number"),)


class VoteBallot(Base):
    """A named voter's answer to a vote that is not anonymous."""

    __tablename__ = "vote_ballots"
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"),
                                         primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    option_ids: Mapped[list[int]] = mapped_column(JSON)
    at: Mapped[datetime]


class FollowUp(Base):
    """The follow-up of one resolution nobody rated: asked, then (no answer) unrated."""

    __tablename__ = "followups"
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"),
                                          primary_key=True)
    resolved_at: Mapped[datetime] = mapped_column(primary_key=True)
    asked_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(10))  # asked, unrated
    __table_args__ = (Index("ix_followups_outcome_asked", "outcome", "asked_at"),)


# Resolutions waiting for a rating are found by (status, resolved_at) for the follow-up.
Index("ix_issues_status_resolved", Issue.status, Issue.resolved_at)
# Issues another channel opened whose card is not posted yet (a 12345 import beside the bot).
Index("ix_issues_card_created", Issue.card_message_id, Issue.created_at)


class HelpRequest(Base):
    """A resident asking neighbours or volunteers for a hand, numbered per
    group: open, claimed by a volunteer, done (the volunteer earns its points) or withdrawn
    (not a help request after all)."""

    __tablename__ = "help_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    needs: Mapped[list[str]] = mapped_column(JSON)
    place: Mapped[str | None] = mapped_column(String(200))
    requester_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    source_message_id: Mapped[int | None] = mapped_column(BigInteger)
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10), default="open")
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    points: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    __table_args__ = (UniqueConstraint("group_id", "number"),
                      UniqueConstraint("group_id", "source_message_id"),
                      Index("ix_help_requests_volunteer_done", "volunteer_id", "done_at"),
                      Index("ix_help_requests_group_done", "group_id", "done_at"))


class Volunteer(Base):
    """A person on a group's volunteer list, or on a unit's (then for every group under it);
    `scope` is "group:<id>" or "unit:<id>", one row per person and list."""

    __tablename__ = "volunteers"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    scope: Mapped[str] = mapped_column(String(30))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    joined_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("person_id", "scope"),
                      Index("ix_volunteers_scope", "scope"))

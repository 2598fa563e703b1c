"""What an intake is handed: one report from any channel, with what is known of it
(`issues.intake`, `issues.intake_batch`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from issues.views import PersonRef

ReportKey = tuple[str, str, str]  # (channel, scope, external id): the report, once


@dataclass(frozen=True)
class IntakeItem:
    """One report to take in, from any channel, with what is known of it: detected in a
    group chat message, or given by the channel (Open311's service code)."""

    chat_id: int  # the group it belongs to
    key: ReportKey
    reporter: PersonRef
    identity: tuple[str, str] | None  # the reporter's (channel, id); None: nobody to find again
    text: str
    category: str
    confidence: float
    urgent: bool
    location: str | None
    summary: str
    explicit: bool
    at: datetime
    group_title: str
    message_id: int | None = None  # the group chat message to answer
    lat: float | None = None
    lon: float | None = None
    urgent_kind: str | None = None  # the detector's kind of emergency (gas, fire…)
    merge: bool = True  # may second an open duplicate (a report from another channel never)

"""Reports in: a group chat message the detector (or /report) found to be an issue, or a report
from another channel with its category given. Each opens an issue or seconds an open
duplicate, once per report however often it is delivered; the reports waiting at the same
moment are written together (`issues.intake_batch`)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import cast

from sqlalchemy import Executable, Table, bindparam, update

from issues import people
from issues.coalesce import Coalescer
from issues.errors import InvalidInput
from issues.intake_batch import Context, intake_batch
from issues.intake_items import IntakeItem
from issues.ledger import Ledger, chat_report_key
from issues.models import Issue
from issues.text import first_clause, visible
from issues.unit_of_work import Room, run
from issues.views import IntakeResult, NewReport, PersonRef
from nlp.types import Detection

MAX_TEXT = 20_000
_ISSUES = cast(Table, Issue.__table__)


@cache
def _set_card() -> Executable:
    """Built once: every card posted runs it (building a statement costs more than running
    it)."""
    return (update(_ISSUES).where(_ISSUES.c.id == bindparam("issue"))
            .values(card_message_id=bindparam("card")))


def _said_something(text: str) -> None:
    if not visible(text):
        raise InvalidInput("empty_text")


@dataclass(eq=False)
class Intake(Room):
    ledger: Ledger
    # A report from another channel, summed up for the lists (the detector's summary, given
    # by whoever builds the service: the domain reads no words of its own).
    summarize: Callable[[str], str] = first_clause

    def __post_init__(self) -> None:
        self._context = Context(self.settings, self.clock, self.ledger)
        self._batcher = Coalescer(self._write, "suqiu-intake")
        self._cards: Coalescer[tuple[int, int], None] = Coalescer(self._set_cards,
                                                                  "suqiu-cards")

    async def intake(self, chat_id: int, message_id: int, reporter: PersonRef, text: str,
                     detection: Detection, *, explicit: bool = False,
                     at: datetime | None = None, group_title: str = "") -> IntakeResult:
        """Open an issue for a group chat message, or second an open duplicate. Idempotent
        per message."""
        self._known_category(detection.category)
        _said_something(text)
        key = None if reporter.user_id is None else people.chat_key(reporter.user_id)
        return await self._batcher.submit(IntakeItem(
            chat_id, chat_report_key(chat_id, message_id), reporter, key, text[:MAX_TEXT],
            detection.category, detection.confidence, detection.urgent, detection.location,
            detection.summary, explicit, at or self.clock(), group_title,
            message_id=message_id, urgent_kind=detection.urgent_kind))

    async def submit_report(self, chat_id: int, report: NewReport, *,
                            at: datetime | None = None) -> IntakeResult:
        """A report from another channel (Open311, the hotline, the command line), in the
        group that receives that channel's reports. Idempotent per `report.external_id`;
        never taken as a "me too" of another issue (each request is its own case, and its
        coordinates stay its own)."""
        self._known_category(report.category)
        _said_something(report.text)
        if report.lat is not None and report.lon is not None and not (
                -90 <= report.lat <= 90 and -180 <= report.lon <= 180):
            raise InvalidInput("bad_coordinates", lat=report.lat, lon=report.lon)
        text = report.text[:MAX_TEXT]
        external_id = report.external_id or secrets.token_hex(16)
        identity = (str(report.channel), report.reporter_id) if report.reporter_id else None
        return await self._batcher.submit(IntakeItem(
            chat_id, (str(report.channel), "", external_id),
            PersonRef(None, report.reporter_name), identity, text, report.category, 1.0,
            report.urgent, report.location, self.summarize(text), True, at or self.clock(), "",
            lat=report.lat, lon=report.lon, merge=False))

    def forget_groups(self, *chat_ids: int) -> None:
        """Chats whose group row changed (a supergroup migration moves one chat's row to
        another chat and may delete the row that chat had): asked again at their next
        report. Another worker's migration is caught by the insert that fails on a deleted
        row: a batch retried asks for every group again (`intake_batch`)."""
        for chat_id in chat_ids:
            self._context.groups.pop(chat_id, None)

    def _known_category(self, code: str) -> None:
        if code not in self.settings.categories:
            raise InvalidInput("unknown_category", category=code)

    async def _write(self, items: list[IntakeItem]) -> list[IntakeResult]:
        return await intake_batch(self._context, self.uow, items)

    async def set_card_message(self, issue_id: int, message_id: int) -> None:
        """Remember the card's message id (cards posted together are remembered together)."""
        await self._cards.submit((issue_id, message_id))

    async def _set_cards(self, cards: list[tuple[int, int]]) -> list[None]:
        await self.uow.unit(
            lambda s: run(s, _set_card(), [{"issue": i, "card": m} for i, m in cards]))
        return [None] * len(cards)

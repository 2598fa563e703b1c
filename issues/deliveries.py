"""Exactly-once posts: a delivery is claimed in the database before it is sent.

A key names one post (group, date, kind …). Whoever claims it sends it; a claim is a lease, so
a worker that died mid-send leaves it to the next one after `DELIVERY_LEASE`, and a failed send
is released at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    bindparam,
    exists,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from issues.models import Delivery, UTCDateTime
from issues.unit_of_work import Room

DELIVERY_LEASE = timedelta(seconds=60)
RELEASED = datetime(2000, 1, 1, tzinfo=UTC)  # a claimed_at that any lease has outlived
_DELIVERIES = cast(Table, Delivery.__table__)


def not_claimed(key: ColumnElement[str]) -> ColumnElement[bool]:
    """No delivery holds `key` yet (sent, or claimed by anyone)."""
    taken = aliased(Delivery)
    return ~exists().where(taken.key == key)


async def claim_selected(s: AsyncSession, sqlite: bool, rows: Select[str, int],
                         now: datetime) -> list[str]:
    """Claim the posts `rows` names (columns labelled key and chat_id) in one INSERT …
    SELECT: whatever finds them claims them, so nothing is found by one statement and taken
    by another. A key claimed by someone else meanwhile is skipped; returns the keys taken."""
    picked = rows.subquery()
    source = select(picked.c.key, picked.c.chat_id, literal("pending"),
                    literal(now, UTCDateTime()), literal(1)).where(true())  # WHERE: SQLite's
    # parser needs one before ON CONFLICT in an INSERT … SELECT
    insert = sqlite_insert(Delivery) if sqlite else pg_insert(Delivery)
    stmt = (insert.from_select(["key", "chat_id", "status", "claimed_at", "attempts"], source)
            .on_conflict_do_nothing(index_elements=["key"]).returning(Delivery.key))
    return list((await s.execute(stmt)).scalars())


async def reclaim_expired(s: AsyncSession, prefixes: Sequence[str], now: datetime,
                          limit: int) -> list[str]:
    """Take back up to `limit` pending claims of these kinds whose lease ran out (their worker
    died mid-send, the send failed, or they were held through quiet hours); each is taken by
    one worker only (the condition is checked again on the row it updates)."""
    expired = and_(Delivery.status == "pending", Delivery.claimed_at <= now - DELIVERY_LEASE,
                   or_(*(Delivery.key.startswith(p, autoescape=True) for p in prefixes)))
    keys = select(Delivery.key).where(expired).limit(limit).scalar_subquery()
    return list((await s.execute(
        update(Delivery).where(Delivery.key.in_(keys), expired)
        .values(claimed_at=now, attempts=Delivery.attempts + 1).returning(Delivery.key)
    )).scalars())


class Deliveries(Room):
    async def claim_delivery(self, key: str, chat_id: int) -> bool:
        """Take the right to send `key`. False when it was sent, or is being sent by another
        worker whose lease has not expired."""
        now = self.clock()

        async def run(s: AsyncSession) -> bool:
            d = await s.get(Delivery, key, with_for_update=not self.uow.is_sqlite)
            if d is None:
                s.add(Delivery(key=key, chat_id=chat_id, status="pending", claimed_at=now,
                               attempts=1))
                await s.flush()
                return True
            if d.status == "sent" or now - d.claimed_at < DELIVERY_LEASE:
                return False
            d.claimed_at, d.attempts = now, d.attempts + 1
            return True

        try:
            return await self.uow.write(run, retries=1)
        except IntegrityError:
            return False

    async def mark_delivered(self, key: str, message_id: int | None) -> None:
        async def run(s: AsyncSession) -> None:
            await s.execute(update(Delivery).where(Delivery.key == key).values(
                status="sent", message_id=message_id, sent_at=self.clock()))

        await self.uow.write(run)

    async def release_delivery(self, key: str) -> None:
        """Sending failed: let the next attempt (this worker or another) retry at once."""
        async def run(s: AsyncSession) -> None:
            await s.execute(update(Delivery).where(
                Delivery.key == key, Delivery.status == "pending"
            ).values(claimed_at=RELEASED))

        await self.uow.write(run)

    async def sent_message(self, key: str) -> int | None:
        """The message a sent delivery became (to edit or point at instead of sending again)."""
        async def run(s: AsyncSession) -> int | None:
            return (await s.execute(select(Delivery.message_id).where(
                Delivery.key == key, Delivery.status == "sent"))).scalar()

        return await self.uow.read(run)

    async def mark_many(self, sent: Iterable[tuple[str, int | None]]) -> None:
        """Many posts sent (key, message id; None: settled without a message), in one
        statement."""
        rows = [{"k": key, "m": message_id} for key, message_id in sent]
        if not rows:
            return
        now = self.clock()
        d = _DELIVERIES.c

        async def run(s: AsyncSession) -> None:
            await s.execute(update(_DELIVERIES).where(d.key == bindparam("k")).values(
                status="sent", message_id=bindparam("m"), sent_at=now), rows)

        await self.uow.write(run)

    async def release_many(self, keys: Sequence[str]) -> None:
        """Sending failed: the next tick takes them back (`reclaim_expired`)."""
        await self.hold(keys, RELEASED + DELIVERY_LEASE)

    async def hold(self, keys: Sequence[str], until: datetime) -> None:
        """Keep pending claims from being taken back before `until` (quiet hours)."""
        if not keys:
            return

        async def run(s: AsyncSession) -> None:
            await s.execute(update(Delivery).where(
                Delivery.key.in_(keys), Delivery.status == "pending"
            ).values(claimed_at=until - DELIVERY_LEASE))

        await self.uow.write(run)

    async def settled(self, keys: Sequence[str]) -> set[str]:
        """Those of `keys` that need no sending now: sent, or claimed under a live lease."""
        if not keys:
            return set()
        alive = self.clock() - DELIVERY_LEASE

        async def run(s: AsyncSession) -> set[str]:
            return set((await s.execute(select(Delivery.key).where(
                Delivery.key.in_(keys),
                or_(Delivery.status == "sent", Delivery.claimed_at > alive)))).scalars())

        return await self.uow.read(run)

    async def pending_deliveries(self) -> list[tuple[str, int]]:
        async def run(s: AsyncSession) -> list[tuple[str, int]]:
            rows = await s.execute(select(Delivery.key, Delivery.chat_id).where(
                Delivery.status == "pending"))
            return [(k, c) for k, c in rows.all()]

        return await self.uow.read(run)

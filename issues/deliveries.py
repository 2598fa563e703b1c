"""Exactly-once posts: a delivery is claimed in the database before it is sent.

A key names one post (group, date, kind …). Whoever claims it sends it; a claim is a lease, so
a worker that died mid-send leaves it to the next one after `DELIVERY_LEASE`, and a failed send
is released at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from issues.models import Delivery
from issues.unit_of_work import Room

DELIVERY_LEASE = timedelta(seconds=60)


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
            ).values(claimed_at=datetime(2000, 1, 1, tzinfo=UTC)))

        await self.uow.write(run)

    async def sent_message(self, key: str) -> int | None:
        """The message a sent delivery became (to edit or point at instead of sending again)."""
        async def run(s: AsyncSession) -> int | None:
            return (await s.execute(select(Delivery.message_id).where(
                Delivery.key == key, Delivery.status == "sent"))).scalar()

        return await self.uow.read(run)

    async def pending_deliveries(self) -> list[tuple[str, int]]:
        async def run(s: AsyncSession) -> list[tuple[str, int]]:
            rows = await s.execute(select(Delivery.key, Delivery.chat_id).where(
                Delivery.status == "pending"))
            return [(k, c) for k, c in rows.all()]

        return await self.uow.read(run)

"""The inbox: every Telegram update is stored here before Telegram is answered (the 200 of a
webhook, the next getUpdates of polling) and removed once handled (see `bot.serve.queue`).

Each row names the worker that holds it and when that worker last said it is alive (a lease
it renews while the update waits or is handled). A worker killed mid-burst leaves its rows
behind; another worker, or itself after a restart, takes them over once the lease has run
out, so an update Telegram was told is safe is handled even if nobody asks for it again.

It shares the ledger's database and, on SQLite, its writer queue (`IssueService.uow`). The
table is declared with the ledger's (`issues.models.InboxUpdate`) because the one Alembic
history lives in `issues/migrations`, which may not import `bot/`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from issues.models import InboxUpdate
from issues.unit_of_work import UnitOfWork, core

_INBOX = cast(Table, InboxUpdate.__table__)
LEASE = timedelta(seconds=20)  # bot.inbox_lease: a worker silent this long has died


class Inbox:
    def __init__(self, uow: UnitOfWork, clock: Callable[[], datetime]) -> None:
        self.uow = uow
        self.clock = clock
        # Built once: an upsert per batch of updates is the bot's most frequent statement.
        upsert = (sqlite_insert if uow.is_sqlite else pg_insert)(_INBOX)
        self._upsert = upsert.on_conflict_do_update(index_elements=["update_id"], set_={
            "worker": upsert.excluded.worker, "leased_at": upsert.excluded.leased_at})
        self._delete = delete(_INBOX).where(_INBOX.c.update_id.in_(bindparam("ids",
                                                                          expanding=True)))

    async def put(self, updates: list[tuple[int, str]], worker: str | None = None) -> None:
        """Store updates (id, JSON) for `worker`. One stored already (Telegram sends an update
        again until it is confirmed) becomes this worker's: it is handling it now."""
        if not updates:
            return
        now = self.clock()

        async def run(s: AsyncSession) -> None:
            await core(s, self._upsert, [{"update_id": u, "payload": p, "received_at": now,
                                          "worker": worker, "leased_at": now}
                                         for u, p in updates])

        await self.uow.write(run)

    async def forget(self, ids: list[int]) -> None:
        """Handled updates leave the inbox."""
        async def run(s: AsyncSession) -> None:
            await core(s, self._delete, {"ids": ids})

        await self.uow.write(run)

    async def renew(self, worker: str) -> None:
        """The worker is alive: the updates it holds stay its own."""
        now = self.clock()

        async def run(s: AsyncSession) -> None:
            await s.execute(update(InboxUpdate).where(InboxUpdate.worker == worker)
                            .values(leased_at=now))

        await self.uow.write(run)

    async def take_over(self, worker: str, lease: timedelta = LEASE,
                        ) -> list[tuple[int, str]]:
        """Updates whose worker has been silent for `lease` (all stored ones with a zero
        lease), oldest first, now held by `worker`; another worker taking over at the same
        moment gets none of them (the condition is checked again on each row updated)."""
        now = self.clock()
        expired = or_(InboxUpdate.leased_at.is_(None), InboxUpdate.leased_at <= now - lease)

        async def run(s: AsyncSession) -> list[tuple[int, str]]:
            rows = await s.execute(update(InboxUpdate).where(expired)
                                   .values(worker=worker, leased_at=now)
                                   .returning(InboxUpdate.update_id, InboxUpdate.payload))
            return sorted((u, p) for u, p in rows.all())

        return await self.uow.write(run)

    async def pending(self) -> list[tuple[int, str]]:
        """Updates stored but not yet handled, oldest first."""
        async def run(s: AsyncSession) -> list[tuple[int, str]]:
            rows = await s.execute(select(InboxUpdate.update_id, InboxUpdate.payload)
                                   .order_by(InboxUpdate.update_id))
            return [(u, p) for u, p in rows.all()]

        return await self.uow.read(run)

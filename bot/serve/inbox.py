"""The poller's inbox: Telegram updates stored before they are confirmed to Telegram and
removed once handled (see `bot.serve.polling`).

It shares the ledger's database and, on SQLite, its writer queue (`IssueService.uow`). The
table is declared with the ledger's (`issues.models.InboxUpdate`) because the one Alembic
history lives in `issues/migrations`, which may not import `bot/`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from issues.models import InboxUpdate
from issues.unit_of_work import UnitOfWork


class Inbox:
    def __init__(self, uow: UnitOfWork, clock: Callable[[], datetime]) -> None:
        self.uow = uow
        self.clock = clock

    async def put(self, updates: list[tuple[int, str]]) -> None:
        """Store fetched updates (id, JSON) before they are confirmed; repeats are ignored."""
        if not updates:
            return
        now = self.clock()
        upsert = sqlite_insert if self.uow.is_sqlite else pg_insert
        stmt = upsert(InboxUpdate).on_conflict_do_nothing(index_elements=["update_id"])

        async def run(s: AsyncSession) -> None:
            await s.execute(stmt, [{"update_id": u, "payload": p, "received_at": now}
                                   for u, p in updates])

        await self.uow.write(run)

    async def forget(self, ids: list[int]) -> None:
        """Handled updates leave the inbox."""
        async def run(s: AsyncSession) -> None:
            await s.execute(delete(InboxUpdate).where(InboxUpdate.update_id.in_(ids)))

        await self.uow.write(run)

    async def pending(self) -> list[tuple[int, str]]:
        """Updates stored but never handled (the process stopped first), oldest first."""
        async def run(s: AsyncSession) -> list[tuple[int, str]]:
            rows = await s.execute(select(InboxUpdate.update_id, InboxUpdate.payload)
                                   .order_by(InboxUpdate.update_id))
            return [(u, p) for u, p in rows.all()]

        return await self.uow.read(run)

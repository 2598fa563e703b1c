"""Transactions: one per public call of the service, with the read path kept apart.

Writes go through `write`, which retries when a concurrent writer got there first and, on
SQLite, queues the process's write transactions (SQLite has one writer) and runs them on the
event loop (they are short, and one at a time anyway). Pure reads go through `read`, which
never waits in that queue, or `glance` for the few-row lookups every message needs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Executable, Result, and_, bindparam, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from issues.db import Database
from issues.settings import Settings
from issues.sqlite_driver import on_loop

T = TypeVar("T")


def run(s: Session, statement: Executable, params: Any = None) -> Result[*tuple[Any, ...]]:
    """A Core statement (tables and columns, no ORM entities) on the session's connection,
    past the ORM's per-statement machinery, inside code that runs as one synchronous unit
    (`AsyncSession.run_sync`: one trip into SQLAlchemy's greenlet for all its statements,
    not one per statement). The ORM's pending changes are not flushed first (flush before,
    if a statement must see them); rows come buffered, as from `s.execute`."""
    return s.connection().execute(statement, params)


def among(columns: Any, name: str, alone: bool) -> ColumnElement[bool]:
    """`columns IN :name`, or `= :name` when the batch is of one (a tuple of columns: each
    `=` its own `:name0`, `:name1`…). SQLAlchemy renders an expanding `IN` anew at every
    execution, which took longer than the SQLite work behind a complaint's reads, and most
    batches hold one complaint."""
    if isinstance(columns, tuple):
        if alone:
            return and_(*(c == bindparam(f"{name}{n}") for n, c in enumerate(columns)))
        return tuple_(*columns).in_(bindparam(name, expanding=True))
    return columns == bindparam(name) if alone else columns.in_(bindparam(name, expanding=True))


def among_values(name: str, items: Iterable[Any], alone: bool) -> dict[str, Any]:
    """The parameters of `among(…, name, alone)` for `items` (one, when `alone`)."""
    if not alone:
        return {name: list(items)}
    one = next(iter(items))
    if isinstance(one, tuple):
        return {f"{name}{n}": v for n, v in enumerate(one)}
    return {name: one}


async def core(s: AsyncSession, statement: Executable,
               params: Any = None) -> Result[*tuple[Any, ...]]:
    """`run` from async code: about half the Python of `s.execute`."""
    return await s.run_sync(run, statement, params)


class UnitOfWork:
    """The sessions of one process: a write path and a read path over one `Database`."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._write_lock: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.db.is_sqlite

    async def write(self, fn: Callable[[AsyncSession], Awaitable[T]], retries: int = 4) -> T:
        """Run fn in one transaction; retry when a concurrent writer got there first."""
        async def once() -> T:
            async with self._session() as s, s.begin():
                return await fn(s)

        return await self._retried(once, retries)

    async def unit(self, fn: Callable[[Session], T], retries: int = 4) -> T:
        """`write` for a transaction of synchronous statements (`run`): begin, the statements
        and commit in one trip into SQLAlchemy's greenlet. `write` takes four trips (begin,
        the work, commit, close), each costing about what a statement does: on the path of
        every complaint, that was a tenth of its reply time."""
        return await self._retried(
            lambda: self.db.sessionmaker().run_sync(_committed, fn), retries)

    async def _retried(self, once: Callable[[], Awaitable[T]], retries: int) -> T:
        """A write transaction, queued on SQLite and run on its loop (`_serial`,
        `sqlite_driver.on_loop`), retried when a concurrent writer got there first."""
        for attempt in range(retries):
            try:
                with on_loop():
                    async with self._serial():
                        result = await once()
                self.db.wrote()  # outside on_loop(): its checkpoint runs in the thread
                return result
            except (StaleDataError, IntegrityError):
                if attempt == retries - 1:
                    raise
        raise AssertionError("unreachable")

    async def read(self, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run fn in a read-only session: on SQLite (WAL) readers never wait for the writer,
        so reads skip the queue of `_serial`; on SQLite their statements run in aiosqlite's
        thread, so a long one (a dashboard's figures) never stops the event loop."""
        async with self.db.sessionmaker() as s:
            return await fn(s)

    async def rows(self, statement: Executable) -> list[Any]:
        """The rows of one Core statement, in a read session of its own (`read`): plain
        tuples, which for thousands of figure rows cost far less than the ORM's result
        processing; statements read this way side by side run in parallel."""
        async def run(s: AsyncSession) -> list[Any]:
            return list((await (await s.connection()).execute(statement)).all())

        return await self.read(run)

    async def glance(self, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """`read` for a lookup of a few rows by index on the path of every message (a group's
        settings): on SQLite it runs on the event loop, as the writes do, which is several
        times quicker than the hop to the database thread and back."""
        with on_loop():
            async with self._session() as s:
                return await fn(s)

    def _session(self) -> contextlib.AbstractAsyncContextManager[AsyncSession]:
        """A session for `write` and `glance`. SQLAlchemy closes a session in a task of its
        own, so that a caller cancelled meanwhile cannot leave it half closed: one more turn
        of the event loop, in which whatever else is ready runs first (for a complaint, twice
        before its card could go). On SQLite these sessions run on the loop, where closing
        waits for nothing, so it is done right here."""
        if not self.db.is_sqlite:
            return self.db.sessionmaker()
        return _closed_here(self.db.sessionmaker())

    def _serial(self) -> contextlib.AbstractAsyncContextManager[object]:
        """On SQLite, one transaction of this process at a time.

        SQLite has one writer; concurrent transactions of one process would only wait for its
        file lock by sleeping and polling (busy_timeout), or fail when a reader turns writer.
        Queueing them here costs nothing and keeps concurrent chats fast. PostgreSQL runs
        them side by side."""
        if not self.db.is_sqlite:
            return contextlib.nullcontext()
        loop = asyncio.get_running_loop()
        if self._write_lock is None or self._write_lock[0] is not loop:
            self._write_lock = (loop, asyncio.Lock())
        return self._write_lock[1]


def _committed(s: Session, fn: Callable[[Session], T]) -> T:
    try:
        with s.begin():
            return fn(s)
    finally:
        s.close()


@contextlib.asynccontextmanager
async def _closed_here(s: AsyncSession) -> AsyncIterator[AsyncSession]:
    try:
        yield s
    finally:
        await s.close()


@dataclass(eq=False)
class Room:
    """What every room of the domain works with: the one unit of work, the deployment's
    settings and the one clock (tests move it). Rooms that use another room name it as a
    further field."""

    uow: UnitOfWork
    settings: Settings
    clock: Callable[[], datetime]

"""aiosqlite for SQLAlchemy with one trip to the database thread per statement, or none.

aiosqlite runs sqlite3 in a thread of its own; every call is a hop there and back through the
event loop. SQLAlchemy's adapter makes four such hops for a statement (open a cursor, execute,
fetch, close), and on a busy loop each hop waits for a turn of the loop: a dozen statements
per message turned into most of the bot's reply time. This adapter runs open-execute-fetch-
close as one function in aiosqlite's thread, so a statement is one hop. Same aiosqlite, same
SQLAlchemy dialect and URL (`sqlite+aiosqlite://`); `Database` passes it as the DBAPI module.

Inside `on_loop()` there is no hop at all: statements, commit and rollback run on the event
loop's own thread. A short statement takes a few tens of microseconds there, a fifth of what
the hop costs, so the unit of work runs its writes (short, and one at a time anyway) and the
lookups every message needs that way; anything that may scan stays in the thread, where it
never stops the loop.

It uses `aiosqlite.Connection._execute`, `_conn` and `_connection` (the queue into the thread
and the sqlite3 connection it owns), as SQLAlchemy's own adapter does for isolation levels;
the tests run the whole suite through it.
"""

from __future__ import annotations

import collections
import contextlib
import sqlite3
from collections.abc import Iterator
from contextvars import ContextVar
from threading import Thread
from typing import Any

import aiosqlite
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

_Outcome = tuple[Any, int, int | None, list[Any]]
_ON_LOOP: ContextVar[bool] = ContextVar("suqiu_sqlite_on_loop", default=False)


@contextlib.contextmanager
def on_loop() -> Iterator[None]:
    """The statements of this block (in this task) run on the event loop's thread."""
    token = _ON_LOOP.set(True)
    try:
        yield
    finally:
        _ON_LOOP.reset(token)


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Outcome:
    """In aiosqlite's thread: the whole statement, rows included."""
    cur = conn.cursor()
    try:
        if many:
            cur.executemany(operation, parameters)
        elif parameters is None:
            cur.execute(operation)
        else:
            cur.execute(operation, parameters)
        rows = cur.fetchall() if cur.description else []
        return cur.description, cur.rowcount, cur.lastrowid, rows
    finally:
        cur.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor: results arrive whole with the statement."""

    __slots__ = ("_description", "_lastrowid", "_rowcount", "arraysize")

    def __init__(self, adapt_connection: AsyncAdapt_dbapi_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]  # no DBAPI cursor is kept open
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self.arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]  # None before an insert, as sqlite3

    async def _async_soft_close(self) -> None:
        return None

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._statement(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        self._statement(operation, seq_of_parameters, many=True)

    def _statement(self, operation: Any, parameters: Any, many: bool) -> None:
        # SQLAlchemy types it as its DBAPI protocol; under this dialect it is aiosqlite's.
        conn: aiosqlite.Connection = self._connection  # type: ignore[assignment]  # see above
        try:
            if _ON_LOOP.get():
                outcome = _run(conn._conn, operation, parameters, many)
            else:
                outcome = await_(self._hop(conn, operation, parameters, many))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._description, self._rowcount, self._lastrowid, rows = outcome
        self._rows = collections.deque(rows)

    async def _hop(self, conn: aiosqlite.Connection, operation: Any, parameters: Any,
                   many: bool) -> _Outcome:
        async with self._adapt_connection._execute_mutex:
            return await conn._execute(_run, conn._conn, operation, parameters, many)


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneHopCursor

    def commit(self) -> None:
        if not self._on_loop("commit"):
            super().commit()

    def rollback(self) -> None:
        if not self._on_loop("rollback"):
            super().rollback()

    def _on_loop(self, end: str) -> bool:
        """Commit or roll back right here inside `on_loop()` (True); else the caller hops."""
        conn: aiosqlite.Connection = self._connection  # type: ignore[assignment]  # as above
        if not _ON_LOOP.get() or conn._connection is None:
            return False
        try:
            getattr(conn._connection, end)()
        except Exception as error:
            self._handle_exception(error)
        return True


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        creator = kw.pop("async_creator_fn", None)
        connection = creator(*arg, **kw) if creator else self.aiosqlite.connect(*arg, **kw)
        if not creator:
            thread = connection if isinstance(connection, Thread) else connection._thread
            thread.daemon = True  # as SQLAlchemy's adapter: never hold the process open
        return OneHopConnection(self, await_(connection))


def dbapi() -> OneHopDBAPI:
    return OneHopDBAPI(aiosqlite, sqlite3)

"""The one-hop aiosqlite adapter behaves as a DBAPI cursor must for SQLAlchemy: rows and
description of a SELECT, rowcount of UPDATE and executemany (the ORM's version check counts
on it), lastrowid of INSERT, errors as the dialect's exceptions."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from issues.db import Database
from issues.sqlite_driver import OneHopCursor


async def test_cursor_semantics(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    try:
        async with db.engine.begin() as conn:
            raw = await conn.get_raw_connection()
            assert isinstance(raw.dbapi_connection.cursor(), OneHopCursor)  # type: ignore[union-attr]
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
            r = await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
            assert r.lastrowid == 1
            r = await conn.execute(text("INSERT INTO t (v) VALUES (:v)"),
                                   [{"v": "b"}, {"v": "c"}, {"v": "d"}])
            assert r.rowcount == 3
            r = await conn.execute(text("UPDATE t SET v = v || '!' WHERE id > 2"))
            assert r.rowcount == 2
            r = await conn.execute(text("UPDATE t SET v = 'x' WHERE id = 99"))
            assert r.rowcount == 0
            r = await conn.execute(text("SELECT id, v FROM t ORDER BY id"))
            assert list(r.keys()) == ["id", "v"]
            assert r.all() == [(1, "a"), (2, "b"), (3, "c!"), (4, "d!")]
            r = await conn.execute(text("SELECT v FROM t WHERE id = 1"))
            assert r.scalar_one() == "a"
        with pytest.raises(IntegrityError):
            async with db.engine.begin() as conn:
                await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
        async with db.engine.connect() as conn:  # the failed transaction left nothing behind
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 4
    finally:
        await db.dispose()

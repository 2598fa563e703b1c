"""Run one bench on SQLite (a temporary file) and on PostgreSQL (a private server from
Debian's binaries, as the tests start it), each on a fresh database; PostgreSQL is reported as
skipped, with the reason, when it cannot start here."""

from __future__ import annotations

import tempfile
from collections.abc import Awaitable, Callable
from typing import Any

Bench = Callable[[str], Awaitable[dict[str, Any]]]


async def on_both(bench: Bench, postgres: bool = True, sqlite: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            out["sqlite"] = await bench(f"sqlite+aiosqlite:///{tmp}/bench.db")
    if not postgres:
        return out
    try:
        from tests import pgserver

        server = pgserver.start()
    except Exception as exc:  # no PostgreSQL here: say so in the output
        out["postgresql"] = {"skipped": str(exc)[:200]}
        return out
    try:
        import asyncpg

        conn = await asyncpg.connect(server.dsn("postgres"))
        await conn.execute("CREATE DATABASE bench")
        await conn.close()
        out["postgresql"] = await bench(server.url("bench"))
    finally:
        server.stop()
    return out

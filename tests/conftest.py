"""Fixtures shared by every test package.

`pg_server` starts one private PostgreSQL for the whole run (see tests/pgserver.py), or uses
the server named by SUQIU_TEST_PG_DSN. Database tests parametrize over SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

# Opt in to PTB 22's timedelta durations (RetryAfter.retry_after) so its deprecation warning,
# an error under filterwarnings=error, does not fire.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from tests import pgserver
from tests.suqiu import InProcess


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pgserver.PostgresServer | str]:
    """A running PostgreSQL; fails the test (never skips) when none can be started."""
    external = os.environ.get("SUQIU_TEST_PG_DSN")
    if external:
        yield external
        return
    server = pgserver.start()
    try:
        yield server
    finally:
        server.stop()


# --- databases ------------------------------------------------------------------------------
_db_counter = itertools.count(1)
# pytest-xdist's worker ("gw0", …), in database names: workers may share one server
# (SUQIU_TEST_PG_DSN).
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _pg_dsn(server: pgserver.PostgresServer | str, database: str) -> str:
    if isinstance(server, str):
        base = server.rsplit("/", 1)[0]
        return f"{base}/{database}"
    return server.dsn(database)


@pytest.fixture(scope="session")
def pg_template(pg_server: pgserver.PostgresServer | str) -> str:
    """A database migrated once; each test copies it (CREATE DATABASE … TEMPLATE)."""
    import asyncpg

    from issues.db import Database

    template = f"suqiu_template{WORKER}"

    async def build() -> None:
        conn = await asyncpg.connect(_pg_dsn(pg_server, "postgres"))
        try:
            await conn.execute(f"DROP DATABASE IF EXISTS {template}")
            await conn.execute(f"CREATE DATABASE {template}")
        finally:
            await conn.close()
        db = Database(_pg_dsn(pg_server, template).replace(
            "postgresql://", "postgresql+asyncpg://"))
        await db.upgrade()
        await db.dispose()

    # Requested from inside async tests, so run in a thread with an event loop of its own.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, build()).result()
    return template


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, migrated database per test, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        from tests.ledgers import migrated_sqlite

        yield migrated_sqlite(tmp_path / "suqiu.db")
        return
    import asyncpg

    server = request.getfixturevalue("pg_server")
    template = request.getfixturevalue("pg_template")
    name = f"t{WORKER}_{next(_db_counter)}_{abs(hash(request.node.nodeid)) % 10**8}"
    conn = await asyncpg.connect(_pg_dsn(server, "postgres"))
    try:
        # FILE_COPY copies the template's few files at once; PostgreSQL 15's default
        # (WAL_LOG, block by block through the WAL) takes five times as long here.
        strategy = " STRATEGY FILE_COPY" if conn.get_server_version().major >= 15 else ""
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE {template}{strategy}')
    finally:
        await conn.close()
    yield _pg_dsn(server, name).replace("postgresql://", "postgresql+asyncpg://")
    conn = await asyncpg.connect(_pg_dsn(server, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
def suqiu(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
          tmp_path: Path) -> Iterator[InProcess]:
    """The `suqiu` command run in this process, in tmp_path (tests/suqiu.py)."""
    yield InProcess(monkeypatch, capsys, tmp_path)

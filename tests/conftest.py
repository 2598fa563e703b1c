"""Fixtures shared by every test package.

`pg_server` starts one private PostgreSQL for the whole run (see tests/pgserver.py), or uses
the server named by SUQIU_TEST_PG_DSN. Database tests parametrize over SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Opt in to PTB 22's timedelta durations (RetryAfter.retry_after) so its deprecation warning,
# an error under filterwarnings=error, does not fire.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from tests import pgserver


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

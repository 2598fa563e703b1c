"""Two webhook workers on one PostgreSQL behind a balancer; one is killed with SIGKILL in the
middle of a burst of complaints and never comes back. Every update it had answered 200 to was
stored first, so the other worker takes it over once the dead one's lease runs out: every
complaint gets its issue and its card, none twice beyond the card in flight at the kill (see
test_restart.py). bench/restart_bench.py --webhook runs it with 1,000 complaints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.proofs.restart_scenario import run

pytestmark = pytest.mark.slow


def _dsn(server: Any, db: str) -> str:
    return server.dsn(db) if not isinstance(server, str) else f"{server.rsplit('/', 1)[0]}/{db}"


async def test_sigkill_of_a_webhook_worker_in_the_middle_of_a_burst(pg_server: Any,
                                                                     tmp_path: Path) -> None:
    conn = await asyncpg.connect(_dsn(pg_server, "postgres"))
    await conn.execute("DROP DATABASE IF EXISTS webhook_crash")
    await conn.execute("CREATE DATABASE webhook_crash")
    await conn.close()
    url = _dsn(pg_server, "webhook_crash").replace("postgresql://", "postgresql+asyncpg://")
    out = await run(tmp_path, groups=5, complaints=60, kill_after=15, webhook_db=url)
    assert out.cards_before_kill < 60, "the workers finished before one could be killed"
    assert out.complaints_with_card == 60, f"a complaint got no card: {out}"
    assert out.complaints_with_issue == 60 and out.distinct_issues == 60
    assert out.max_cards_for_one_message <= 2, "a card was sent three times"
    assert out.max_repeats_in_a_chat <= 1, f"more than the in-flight card: {out}"

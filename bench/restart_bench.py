"""The restart proofs at scale: 1,000 complaints across 50 groups, SIGKILL in the middle.

Default: the bot (its own process, polling the sandbox, SQLite) killed and started again.
--webhook: two webhook workers on one PostgreSQL (started here from Debian's binaries, as the
suite does) behind a balancer, one killed for good; the other takes over what the dead one had
stored once its lease runs out (bot.inbox_lease, 2 s here).

Prints JSON: how many complaints got a card and an issue (all of them is the target), how many
distinct issues (one per complaint), and how many cards were sent twice (at most the one in
flight per chat at the moment of the kill; see tests/proofs/test_restart.py for why).

    .venv/bin/python bench/restart_bench.py [--groups 50 --complaints 1000] [--webhook]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import pgserver
from tests.proofs.restart_scenario import run


async def main(args: argparse.Namespace) -> dict[str, object]:
    server = pgserver.start() if args.webhook else None
    try:
        url = None
        if server is not None:
            import asyncpg

            conn = await asyncpg.connect(server.dsn("postgres"))
            await conn.execute("CREATE DATABASE restart")
            await conn.close()
            url = server.url("restart")
        with tempfile.TemporaryDirectory() as tmp:
            out = await run(Path(tmp), args.groups, args.complaints,
                            kill_after=args.complaints // 3, timeout=600, webhook_db=url)
    finally:
        if server is not None:
            server.stop()
    result: dict[str, object] = {"mode": "two webhook workers, PostgreSQL" if args.webhook
                                 else "polling, SQLite", **out.as_dict()}
    result["lost"] = out.complaints - min(out.complaints_with_card, out.complaints_with_issue)
    result["duplicated_issues"] = out.complaints_with_issue - out.distinct_issues
    return result


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--groups", type=int, default=50)
    p.add_argument("--complaints", type=int, default=1000)
    p.add_argument("--webhook", action="store_true")
    print(json.dumps(asyncio.run(main(p.parse_args())), ensure_ascii=False))

"""Ledgers at the newest migration for tests and benches.

Only `suqiu db upgrade` migrates a real deployment, and the bot refuses a database that is
behind, so every test that starts a bot needs a migrated ledger first. Migrating takes a
moment; a SQLite file is migrated once per run and copied for each test.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import shutil
import tempfile
from pathlib import Path

from issues.db import Database

_template: list[Path] = []


async def upgrade(url: str) -> str:
    """Migrate the database at `url` (as `suqiu db upgrade` does); returns the url."""
    db = Database(url)
    try:
        await db.upgrade()
    finally:
        await db.dispose()
    return url


def migrated_sqlite(path: Path) -> str:
    """A SQLite ledger at `path`, at the newest migration; its aiosqlite URL."""
    if not _template:
        folder = Path(tempfile.mkdtemp(prefix="suqiu-ledger-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        template = folder / "template.db"
        # Callers may be inside a running event loop: migrate in a thread with its own.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, upgrade(f"sqlite+aiosqlite:///{template}")).result()
        _template.append(template)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_template[0], path)
    return f"sqlite+aiosqlite:///{path}"

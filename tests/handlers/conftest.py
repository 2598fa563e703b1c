"""Handler tests, offline: the real bot and ledger, Telegram answered from memory
(tests/offline.py). Each test gets its own SQLite ledger, copied from one migrated once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.bot.conftest import bot_settings
from tests.ledgers import migrated_sqlite
from tests.offline import OfflineBot


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[OfflineBot]:
    offline = OfflineBot(bot_settings(migrated_sqlite(tmp_path / "bot.db")))
    await offline.start()
    try:
        yield offline
    finally:
        await offline.stop()

"""A service on a fresh database (SQLite and PostgreSQL) with a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from issues.db import Database
from issues.service import IssueService
from issues.settings import load_settings
from issues.views import PersonRef


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def service(db_url: str, clock: Clock) -> AsyncIterator[IssueService]:
    settings = load_settings(overrides={
        "database_url": db_url,
        "sla": {"default": {"ack": "1h", "resolve": "4h"},
                "categories": {"streetlight": {"ack": "1h", "resolve": "4h"}},
                "escalation_grace": "30m"},
    }, env={})
    db = Database(db_url)
    svc = IssueService(db, settings, clock=clock)
    try:
        yield svc
    finally:
        await db.dispose()


OWNER = PersonRef(1001, "王网格", "wang_wangge")
ADMIN = PersonRef(1002, "赵书记", None)
RESIDENT = PersonRef(2001, "李阿姨", None)
NEIGHBOUR = PersonRef(2002, "张师傅", "zhang_shifu")
STRANGER = PersonRef(3001, "路人", None)
CHAT = -1001


@pytest.fixture
async def group(service: IssueService) -> int:
    await service.register_group(CHAT, "幸福社区3栋群", OWNER, [OWNER, ADMIN])
    return CHAT

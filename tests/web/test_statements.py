"""The dashboard's district-wide pages run as many SQL statements for 12 groups as for 3: a
district has 2,000 groups and the 大屏 reloads every 30 seconds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from issues.db import Database
from issues.service import IssueService
from issues.settings import load_settings
from tests.issues.conftest import Clock
from tests.issues.test_statements import add_groups, statements
from web.app import make_app

PAGES = ("/", "/screen", "/api/screen.json", "/api/stats.json", "/issues")


@pytest.fixture
async def site(db_url: str) -> AsyncIterator[tuple[TestClient, IssueService]]:
    settings = load_settings(overrides={"database_url": db_url},
                             env={"SUQIU_DASHBOARD_ADMIN_TOKEN": "admin-secret"})
    db = Database(db_url)
    svc = IssueService(db, settings, clock=Clock())
    client = TestClient(TestServer(make_app(settings, svc)))
    await client.start_server()
    try:
        yield client, svc
    finally:
        await client.close()
        await db.dispose()


async def _admin_get(client: TestClient, path: str) -> bytes:
    resp = await client.get(path, headers={"Authorization": "Bearer admin-secret"})
    assert resp.status == 200, path
    return await resp.read()


async def _counts(client: TestClient, svc: IssueService) -> dict[str, int]:
    out = {}
    for path in PAGES:
        async def get(path: str = path) -> Any:
            svc.supervisor._fresh.clear()  # count a computation, not a cached report
            svc.statistics._fresh.clear()  # nor cached headline figures
            svc._holders.clear()  # nor the ledger's list of people in charge
            return await _admin_get(client, path)

        out[path] = await statements(svc, get)
    return out


async def test_district_pages_take_as_many_statements_for_3_as_for_12_groups(
        site: tuple[TestClient, IssueService]) -> None:
    client, svc = site
    await add_groups(svc, 0, 3)
    few = await _counts(client, svc)
    await add_groups(svc, 3, 9)
    assert await _counts(client, svc) == few



async def test_a_dashboard_that_warmed_up_serves_its_first_pages_as_it_serves_later_ones(
        site: tuple[TestClient, IssueService]) -> None:
    """`suqiu run` starts the dashboard warm (web.warm): the first officer after a deploy finds
    the overview's figures computed (kept for their minute, as for any request), where a cold
    start computed them on that officer's request."""
    cold, svc = site
    await add_groups(svc, 0, 3)
    warm = TestClient(TestServer(make_app(svc.settings, svc, warm=True)))
    await warm.start_server()
    try:
        for path in ("/", "/screen"):
            first = await statements(svc, lambda p=path: _admin_get(warm, p))
            assert first == await statements(svc, lambda p=path: _admin_get(warm, p)), path
        svc.statistics._fresh.clear()
        svc.supervisor._fresh.clear()
        computed = await statements(svc, lambda: _admin_get(cold, "/"))
        assert computed > await statements(svc, lambda: _admin_get(warm, "/"))
    finally:
        await warm.close()

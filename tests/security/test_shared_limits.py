"""The per-person intake limit and the failed-login limit hold across the workers of one
database and across a restart: with N webhook workers behind a balancer a member must not
get N times her reports in, nor an attacker N times the login attempts (both were counted in
each process's memory). Two applications (or two dashboards) on one ledger stand for two
workers, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from issues.db import Database
from issues.service import IssueService
from issues.settings import load_settings
from issues.views import IssueFilter
from tests.bot.conftest import bot_settings
from tests.offline import OfflineBot, plain
from web.app import make_app
from web.auth import LOGIN_TRIES


@pytest.fixture
async def two_workers(db_url: str) -> AsyncIterator[tuple[OfflineBot, OfflineBot]]:
    workers = (OfflineBot(bot_settings(db_url)), OfflineBot(bot_settings(db_url)))
    workers[1].telegram._ids = workers[0].telegram._ids  # one Telegram: one series of ids
    for w in workers:
        await w.start()
    try:
        yield workers
    finally:
        for w in workers:
            await w.stop()


async def test_two_workers_take_no_more_of_one_members_reports_than_the_limit(
        two_workers: tuple[OfflineBot, OfflineBot]) -> None:
    a, b = two_workers
    group, _, (resident, _) = await a.group()
    b.telegram.groups[group.id] = group
    limit = a.service.settings.intake_per_person
    for n in range(2 * limit + 2):  # the balancer hands her messages to each in turn
        await (a, b)[n % 2].say(group, resident, f"{n + 1}栋门口路灯坏了好几天了")
    opened = await a.service.list_issues(IssueFilter(chat_id=group.id), page=1, page_size=50)
    assert opened.total == limit
    told = [c for w in (a, b) for c in w.telegram.calls if c.method == "sendMessage"
            and "太多" in plain(str(c.params.get("text", "")))]
    assert len(told) == 1  # told once, by one of them


async def test_a_restarted_worker_remembers_her_reports(db_url: str) -> None:
    first = OfflineBot(bot_settings(db_url))
    await first.start()
    group, _, (resident, _) = await first.group()
    limit = first.service.settings.intake_per_person
    for n in range(limit):
        await first.say(group, resident, f"{n + 1}栋门口路灯坏了好几天了")
    await first.stop()
    again = OfflineBot(bot_settings(db_url))
    again.telegram.groups[group.id] = group
    again.telegram._ids = first.telegram._ids
    await again.start()
    try:
        for n in range(limit, limit + 3):
            await again.say(group, resident, f"{n + 1}栋门口路灯坏了好几天了")
        opened = await again.service.list_issues(IssueFilter(chat_id=group.id), page=1,
                                                 page_size=50)
        # The first report after a restart is taken before the ledger is asked (no
        # statement on a complaint's path): one more at most.
        assert opened.total <= limit + 1
    finally:
        await again.stop()


async def test_two_dashboards_share_the_failed_logins_of_an_address(db_url: str) -> None:
    settings = load_settings(overrides={"database_url": db_url},
                             env={"SUQIU_DASHBOARD_TOKEN": "read-token-1234567",
                                  "SUQIU_DASHBOARD_ADMIN_TOKEN": "admin-token-1234567"})
    databases = [Database(db_url), Database(db_url)]
    clients: list[TestClient[Any, Any]] = []
    try:
        for db in databases:
            client = TestClient(TestServer(make_app(settings, IssueService(db, settings))))
            await client.start_server()
            clients.append(client)
        statuses = []
        for n in range(2 * LOGIN_TRIES):  # the proxy hands the attempts to each in turn
            resp = await clients[n % 2].post("/login", data={"token": f"guess-{n}"},
                                             allow_redirects=False)
            statuses.append(resp.status)
        assert statuses.count(429) >= LOGIN_TRIES, statuses
        assert statuses[:LOGIN_TRIES].count(429) == 0
        # the right token from that address waits too, on either worker
        resp = await clients[1].post("/login", data={"token": "admin-token-1234567"},
                                     allow_redirects=False)
        assert resp.status == 429
    finally:
        for client in clients:
            await client.close()
        for db in databases:
            await db.dispose()


async def _login_from(client: TestClient[Any, Any], address: str, token: str) -> int:
    resp = await client.post("/login", data={"token": token}, allow_redirects=False,
                             headers={"X-Forwarded-For": f"10.9.9.9, {address}"})
    return resp.status


@pytest.mark.parametrize("proxies", [None, ["127.0.0.1"], ["127.0.0.0/8", "::1"]])
async def test_behind_the_proxy_an_attacker_locks_out_only_himself(
        tmp_path: Any, proxies: list[str] | None) -> None:
    """Behind the district's proxy every login arrives from the proxy's address: counted by
    it, one attacker's guesses locked every supervisor out. The proxy named in
    `web.trusted_proxies` is looked through (X-Forwarded-For, as it appends the client);
    nobody else's header is believed, or a guesser would name a new address each time."""
    from tests.ledgers import migrated_sqlite

    url = migrated_sqlite(tmp_path / "proxy.db")
    web_conf = {"trusted_proxies": proxies} if proxies else {}
    settings = load_settings(overrides={"database_url": url, "web": web_conf},
                             env={"SUQIU_DASHBOARD_ADMIN_TOKEN": "admin-token-1234567"})
    db = Database(url)
    client = TestClient(TestServer(make_app(settings, IssueService(db, settings))))
    await client.start_server()
    try:
        for n in range(LOGIN_TRIES):
            assert await _login_from(client, "203.0.113.9", f"guess-{n}") == 200
        assert await _login_from(client, "203.0.113.9", "admin-token-1234567") == 429
        supervisor = await _login_from(client, "198.51.100.7", "admin-token-1234567")
        if proxies:
            assert supervisor == 302  # in: the attacker's count is his own
        else:  # no proxy named: the peer's address counts, whatever the header says
            assert supervisor == 429
    finally:
        await client.close()
        await db.dispose()


async def test_each_kind_of_count_is_swept_when_its_window_has_passed(db_url: str) -> None:
    """Rows of windows long past are deleted, each kind by its own window: a stream of
    reports (a minute's window) must not keep the failed logins (ten minutes') forever."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import func, select

    from issues.models import RateCount

    now = [datetime(2026, 12, 1, 8, 0, tzinfo=UTC)]
    db = Database(db_url)
    settings = load_settings(overrides={"database_url": db_url}, env={})
    service = IssueService(db, settings, clock=lambda: now[0])
    rates = service.rates
    minute, ten = timedelta(minutes=1), timedelta(minutes=10)

    async def rows(kind: str) -> int:
        got = await service.uow.rows(select(func.count()).select_from(RateCount).where(
            RateCount.kind == kind))
        return int(got[0][0])

    try:
        await rates.add("login", {"203.0.113.9": 1}, ten)
        for n in range(41):  # reports every half minute, for twenty minutes
            await rates.add("intake", {str(n): 1}, minute)
            now[0] += timedelta(seconds=30)
        await rates.add("login", {"198.51.100.7": 1}, ten)
        assert await rows("login") == 1  # the guesser's window passed long ago
        assert await rows("intake") < 40
    finally:
        await db.dispose()


def test_only_an_address_named_by_a_listed_proxy_is_believed() -> None:
    from aiohttp.test_utils import make_mocked_request

    from web.auth import client_address, networks

    proxies = networks(["10.0.0.0/8"])

    def who(forwarded: str, peer: str = "10.0.0.2") -> str:
        request = make_mocked_request("POST", "/login",
                                      headers={"X-Forwarded-For": forwarded})
        return client_address(request.clone(remote=peer), proxies)

    assert who("203.0.113.9") == "203.0.113.9"
    assert who("1.2.3.4, 203.0.113.9, 10.0.0.7") == "203.0.113.9"  # a chain of our proxies
    assert who("203.0.113.9", peer="198.51.100.1") == "198.51.100.1"  # not our proxy
    assert who("x" * 500) == "10.0.0.2"  # no address: the proxy's own, never the text

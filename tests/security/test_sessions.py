"""#15 item 8: the dashboard's login and sessions: no open redirect, sessions that `/logout`
ends, the Secure flag behind HTTPS, a limit on guessing the token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer

from issues.db import Database
from issues.service import IssueService
from issues.settings import load_settings
from web.app import make_app
from web.auth import LoginLimiter

TOKENS = {"SUQIU_DASHBOARD_TOKEN": "read-secret", "SUQIU_DASHBOARD_ADMIN_TOKEN": "admin-secret"}


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[TestServer]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'dash.db'}"
    db = Database(url)
    await db.upgrade()
    settings = load_settings(overrides={"database_url": url}, env=TOKENS)
    server = TestServer(make_app(settings, IssueService(db, settings)))
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()
        await db.dispose()


async def _client(server: TestServer) -> TestClient:
    client = TestClient(server)
    await client.start_server()
    return client


async def _login(client: TestClient, token: str = "admin-secret", nxt: str = "/",
                 **headers: str) -> tuple[int, str, str]:
    """(status, Location, Set-Cookie) of a login."""
    resp = await client.post("/login", data={"token": token, "next": nxt},
                             allow_redirects=False, headers=headers)
    return resp.status, resp.headers.get("Location", ""), resp.headers.get("Set-Cookie", "")


@pytest.mark.parametrize("nxt", ["/\t/evil.example/phish", "/%09/evil.example/phish",
                                 "//evil.example", "/\\evil.example", "https://evil.example/",
                                 "/\n/evil.example", " //evil.example", "/\\/evil.example"])
async def test_login_never_redirects_off_site(site: TestServer, nxt: str) -> None:
    client = await _client(site)
    try:
        status, location, _ = await _login(client, nxt=nxt)
        assert status == 302
        parts = urlsplit(location)
        assert not parts.scheme and not parts.netloc
        assert location.startswith("/") and not location.startswith(("//", "/\\"))
        assert not any(c in location for c in "\t\r\n\\")
    finally:
        await client.close()


async def test_a_same_site_next_is_kept(site: TestServer) -> None:
    client = await _client(site)
    try:
        _, location, _ = await _login(client, nxt="/issues?status=open&page=2")
        assert location == "/issues?status=open&page=2"
    finally:
        await client.close()


async def test_logout_revokes_the_session(site: TestServer) -> None:
    browser, other_browser, thief = (await _client(site), await _client(site),
                                     await _client(site))
    try:
        _, _, cookie_a = await _login(browser)
        _, _, cookie_b = await _login(other_browser)
        a = SimpleCookie(cookie_a)["suqiu_session"].value
        b = SimpleCookie(cookie_b)["suqiu_session"].value
        assert a != b  # a random id per session, not one value per role
        stolen = {"Cookie": f"suqiu_session={a}"}
        assert (await thief.get("/issues", headers=stolen, allow_redirects=False)).status == 200
        await browser.get("/logout", allow_redirects=False)
        after = await thief.get("/issues", headers=stolen, allow_redirects=False)
        assert after.status == 302 and after.headers["Location"].startswith("/login")
        assert (await other_browser.get("/issues", allow_redirects=False)).status == 200
        forged = {"Cookie": "suqiu_session=admin." + "0" * 64}
        assert (await thief.get("/issues", headers=forged, allow_redirects=False)).status == 302
    finally:
        for c in (browser, other_browser, thief):
            await c.close()


async def test_cookie_is_secure_behind_https(site: TestServer) -> None:
    client = await _client(site)
    try:
        _, _, plain = await _login(client)
        assert "HttpOnly" in plain and "Secure" not in plain  # plain http: the sandbox
        _, _, https = await _login(client, **{"X-Forwarded-Proto": "https"})
        assert "Secure" in https and "HttpOnly" in https and "SameSite=Lax" in https
        resp = await client.get("/?token=read-secret", allow_redirects=False,
                                headers={"X-Forwarded-Proto": "https"})
        assert "Secure" in resp.headers.get("Set-Cookie", "")
    finally:
        await client.close()


async def test_guessing_the_token_is_limited(site: TestServer) -> None:
    client = await _client(site)
    try:
        answers = [(await _login(client, token=f"guess-{n}"))[0] for n in range(12)]
        assert answers[0] == 200 and answers[-1] == 429
        status, _, cookie = await _login(client)  # even the right token waits now
        assert status == 429 and not cookie
        limited = await client.post("/login", data={"token": "x", "next": "/"})
        assert "稍后" in await limited.text()
    finally:
        await client.close()


async def test_failed_logins_are_held_only_within_their_window() -> None:
    """Guesses from ever new addresses do not grow the process: an address is forgotten a
    window after its last failure. One address is still blocked after its tries."""
    now = [0.0]
    limiter = LoginLimiter(tries=3, window=600.0, clock=lambda: now[0])
    for n in range(5_000):
        await limiter.failed(f"10.0.{n // 256}.{n % 256}")
    assert len(limiter) == 5_000
    for _ in range(3):
        await limiter.failed("10.9.9.9")
    assert await limiter.blocked("10.9.9.9") and not await limiter.blocked("10.0.0.1")
    now[0] += 601
    await limiter.failed("10.8.8.8")
    assert len(limiter) == 1
    assert not await limiter.blocked("10.9.9.9")

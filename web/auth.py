"""Dashboard access: a token from the environment opens a session kept server-side.

Two roles: read-only (SUQIU_DASHBOARD_TOKEN) and admin (SUQIU_DASHBOARD_ADMIN_TOKEN; when only
one token is set it is the admin's). Tokens are compared in constant time and never logged.

A login opens a session with a random id (`issues.access`): the cookie carries only that id,
`/logout` deletes the session (a copied cookie is dead too), a changed token ends the sessions
it opened, and a session lasts a week at most. The cookie is HttpOnly and SameSite=Lax, and
Secure whenever the dashboard is reached over HTTPS (directly or behind a proxy that says so).
Failed logins are limited per client address (behind a proxy named in
`web.trusted_proxies`, the client it names). After login, only a path on this site is
followed (`/login?next=/%09/evil.example` goes to `/`).
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import ipaddress
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Middleware
from cachetools import TTLCache

from issues.access import SESSION_TTL
from issues.service import IssueService
from issues.settings import Settings

COOKIE = "suqiu_session"
ROLE = web.RequestKey("role", str)
PUBLIC_PREFIXES = ("/login", "/static/", "/open311/")
LOGIN_TRIES = 8  # failed logins from one address …
LOGIN_WINDOW = 600.0  # … within this many seconds, then it waits
LOGIN_KIND = "login"  # their count in the ledger (issues.rates)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def safe_next(value: str) -> str:
    """Where to go after login: a path on this site, else "/". Browsers drop tabs and
    newlines and read a backslash as a slash, so `/\\t/evil.example` would leave the site."""
    if (not value.startswith("/") or value.startswith("//") or "\\" in value
            or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value)):
        return "/"
    parts = urlsplit(value)
    return "/" if parts.scheme or parts.netloc else value


def is_https(request: web.Request) -> bool:
    """Reached over HTTPS: directly, or through a proxy that forwards the scheme."""
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return request.secure or forwarded == "https" or "proto=https" in request.headers.get(
        "Forwarded", "").lower()


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(proxies: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _among(address: str, nets: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in nets)


def client_address(request: web.Request, proxies: tuple[Network, ...]) -> str:
    """Whom a login comes from: the peer, or, when the peer is one of the deployment's
    proxies, the nearest address before them in X-Forwarded-For (each proxy appends the one
    it got the request from). Nobody else's header is believed: a guesser would name a new
    address with every try."""
    peer = request.remote or "?"
    if not _among(peer, proxies):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getall("X-Forwarded-For", ()))
            .split(",") if h.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:  # not an address: a header that did not come from our proxy
            return peer
        if not _among(hop, proxies):
            return hop
    return peer


class LoginLimiter:
    """Failed logins per client address in a sliding window. Only addresses that failed
    within the window are held (at most `held`, the longest-held going first): an attacker
    trying from ever new addresses must not grow the process without end.

    With the ledger (`service`) the failures are also counted there (`issues.rates`, a window
    from the first failure): every worker of the database sees them, and so does a worker
    started again. Logins are rare; an address this process already blocks is answered
    without asking."""

    def __init__(self, tries: int = LOGIN_TRIES, window: float = LOGIN_WINDOW,
                 held: int = 100_000, clock: Callable[[], float] = time.monotonic,
                 service: IssueService | None = None) -> None:
        self.tries, self.window, self._clock = tries, window, clock
        self._failures: TTLCache[str, collections.deque[float]] = TTLCache(held, window, clock)
        self.service = service

    def __len__(self) -> int:
        """The addresses held: those that failed within the window."""
        self._failures.expire()
        return len(self._failures)

    def _recent(self, who: str) -> collections.deque[float]:
        seen = self._failures.get(who) or collections.deque()
        while seen and self._clock() - seen[0] > self.window:
            seen.popleft()
        return seen

    async def blocked(self, who: str) -> bool:
        if len(self._recent(who)) >= self.tries:
            return True
        if self.service is None:
            return False
        window = timedelta(seconds=self.window)
        return await self.service.rates.count(LOGIN_KIND, who, window) >= self.tries

    async def failed(self, who: str) -> None:
        seen = self._recent(who)
        seen.append(self._clock())
        self._failures[who] = seen  # held for a window from now
        if self.service is not None:
            await self.service.rates.add(LOGIN_KIND, {who: 1},
                                            timedelta(seconds=self.window))


class Auth:
    def __init__(self, settings: Settings, service: IssueService | None,
                 open_paths: Iterable[str] = ()) -> None:
        self.read_token = settings.dashboard_token
        self.admin_token = settings.dashboard_admin_token or (
            settings.dashboard_token if settings.dashboard_token else None)
        self.service = service
        self.limiter = LoginLimiter(service=service)
        self.proxies = networks(settings.trusted_proxies)
        # Telegram posts updates to its webhook, with its own secret header: exactly those
        # paths are open, nothing else near them.
        self.open_paths = frozenset(open_paths)

    @property
    def configured(self) -> bool:
        return bool(self.read_token or self.admin_token)

    def role_for_token(self, token: str) -> str | None:
        given = token.encode()
        if self.admin_token and hmac.compare_digest(given, self.admin_token.encode()):
            return "admin"
        if self.read_token and hmac.compare_digest(given, self.read_token.encode()):
            return "read"
        return None

    def _key(self, role: str) -> str:
        """Which token a session was opened with: a changed token ends its sessions."""
        token = self.admin_token if role == "admin" else self.read_token
        return hashlib.sha256(f"suqiu-session:{role}:{token}".encode()).hexdigest()

    async def start_session(self, request: web.Request, role: str, to: str) -> web.HTTPFound:
        """The redirect after a login, carrying the new session's cookie."""
        if self.service is None:
            raise web.HTTPServiceUnavailable(text="诉求服务尚未就绪")
        raw = await self.service.open_session(role, self._key(role))
        resp = web.HTTPFound(safe_next(to))
        resp.set_cookie(COOKIE, raw, httponly=True, samesite="Lax", secure=is_https(request),
                        max_age=int(SESSION_TTL.total_seconds()))
        return resp

    async def end_session(self, request: web.Request) -> None:
        raw = request.cookies.get(COOKIE, "")
        if raw and self.service is not None:
            await self.service.close_session(raw)

    async def role(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return self.role_for_token(header[7:].strip())
        raw = request.cookies.get(COOKIE, "")
        if not raw or self.service is None:
            return None
        found = await self.service.session(raw)
        if found is None:
            return None
        role, key = found
        return role if hmac.compare_digest(key, self._key(role)) else None

    async def login(self, request: web.Request, token: str) -> str | None:
        """The role the token gives; None when it is wrong. Too many wrong ones from one
        address: 429, whatever the token."""
        who = client_address(request, self.proxies)
        if await self.limiter.blocked(who):
            raise web.HTTPTooManyRequests(text="登录尝试次数过多，请稍后再试。")
        role = self.role_for_token(token)
        if role is None:
            await self.limiter.failed(who)
        return role

    def middleware(self) -> Middleware:
        @web.middleware
        async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
            if request.path.startswith(PUBLIC_PREFIXES) or request.path in self.open_paths:
                return await handler(request)
            if not self.configured:
                return web.Response(status=503, content_type="text/html", charset="utf-8",
                                    text="<h1>仪表盘未启用</h1><p>请设置环境变量 "
                                         "SUQIU_DASHBOARD_TOKEN 后重启。</p>")
            token = request.query.get("token")
            if token:
                role = await self.login(request, token)
                if role:
                    raise await self.start_session(request, role, request.path)
            role = await self.role(request)
            if role is None:
                if request.path.startswith("/api/") or request.path.endswith((".csv", ".xlsx")):
                    return web.json_response({"error": "unauthorized"}, status=401)
                raise web.HTTPFound(f"/login?next={request.path}")
            request[ROLE] = role
            return await handler(request)

        return check

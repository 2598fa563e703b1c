"""Dashboard access: a token from the environment, kept in a signed cookie after login.

Two roles: read-only (SUQIU_DASHBOARD_TOKEN) and admin (SUQIU_DASHBOARD_ADMIN_TOKEN; when only
one token is set it is the admin's). Tokens are compared in constant time and never logged.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from issues.settings import Settings

COOKIE = "suqiu_session"
ROLE = web.RequestKey("role", str)
PUBLIC_PREFIXES = ("/login", "/static/", "/open311/", "/telegram/")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _sign(secret: str, role: str) -> str:
    mac = hmac.new(hashlib.sha256(b"suqiu-dashboard:" + secret.encode()).digest(),
                   role.encode(), hashlib.sha256).hexdigest()
    return f"{role}.{mac}"


class Auth:
    def __init__(self, settings: Settings) -> None:
        self.read_token = settings.dashboard_token
        self.admin_token = settings.dashboard_admin_token or (
            settings.dashboard_token if settings.dashboard_token else None)
        self.secret = (self.admin_token or "") + "|" + (self.read_token or "")

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

    def cookie_for(self, role: str) -> str:
        return _sign(self.secret, role)

    def role(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return self.role_for_token(header[7:].strip())
        cookie = request.cookies.get(COOKIE, "")
        role = cookie.split(".", 1)[0]
        if role in ("admin", "read") and hmac.compare_digest(cookie.encode(),
                                                             _sign(self.secret, role).encode()):
            return role
        return None

    def middleware(self) -> Middleware:
        @web.middleware
        async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
            if request.path.startswith(PUBLIC_PREFIXES):
                return await handler(request)
            if not self.configured:
                return web.Response(status=503, content_type="text/html", charset="utf-8",
                                    text="<h1>仪表盘未启用</h1><p>请设置环境变量 "
                                         "SUQIU_DASHBOARD_TOKEN 后重启。</p>")
            token = request.query.get("token")
            if token:
                role = self.role_for_token(token)
                if role:
                    resp = web.HTTPFound(request.rel_url.with_query({}).path or "/")
                    resp.set_cookie(COOKIE, self.cookie_for(role), httponly=True,
                                    samesite="Lax", max_age=7 * 86400)
                    raise resp
            role = self.role(request)
            if role is None:
                if request.path.startswith("/api/") or request.path.endswith((".csv", ".xlsx")):
                    return web.json_response({"error": "unauthorized"}, status=401)
                raise web.HTTPFound(f"/login?next={request.path}")
            request[ROLE] = role
            return await handler(request)

        return check

"""One-time codes for district-level acts, handed out by a dashboard admin: registering a
department's group, binding a unit's own group, creating or re-parenting a unit. The code is
typed after the command in the group (`/dept add chengguan 7KQ2…`); it works once, for 30
minutes, and is stored only as a hash (`issues.access`)."""

from __future__ import annotations

from aiohttp import web

from web.auth import ROLE
from web.pages import svc_of
from web.render import render


def _admin_only(request: web.Request) -> None:
    if request.get(ROLE) != "admin":
        raise web.HTTPForbidden(text="生成授权码需要管理员口令")


async def code_page(request: web.Request) -> web.Response:
    _admin_only(request)
    return render(request, "access_code.html", code=None)


async def new_code(request: web.Request) -> web.Response:
    _admin_only(request)
    code = await svc_of(request).new_access_code()
    return render(request, "access_code.html", code=code)


def routes() -> list[web.RouteDef]:
    return [web.get("/admin/code", code_page), web.post("/admin/code", new_code)]

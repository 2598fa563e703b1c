"""The dashboard app: overview, ledger and issue pages, the 大屏, the map, exports, Open311.

`make_app` is called by the composition root (the CLI's wiring), which also hands in the photo
fetcher built on the bot: `web/` never imports `bot/`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiohttp import web

from issues.service import IssueService
from issues.settings import Settings
from web import codes, figures, hotline, maps, open311, pages, practices, supervision
from web.auth import COOKIE, ROLE, Auth, Handler, safe_next
from web.export import XlsxLedger, csv_header, csv_rows, figures_of
from web.pages import PHOTOS, SERVICE, SETTINGS, issue_filter, svc_of
from web.photos import PhotoFetcher, PhotoStore
from web.render import HERE, TEMPLATES, make_env, render
from web.warm import warm_up


def make_app(settings: Settings, service: IssueService | None,
             photos: PhotoFetcher | None = None,
             open_paths: Iterable[str] = (), warm: bool = False) -> web.Application:
    """`open_paths`: what the caller mounts on this site outside the login (Telegram's
    webhook, which checks its own secret); `warm`: compute the first pages' work as the app
    starts (web.warm), as a served dashboard does."""
    auth = Auth(settings, service, open_paths)
    app = web.Application(middlewares=[open311.georeport_errors, auth.middleware(),
                                       error_pages])
    app[TEMPLATES] = make_env(settings.timezone, settings.department_names(),
                              settings.category_names())
    app[SETTINGS] = settings
    app[PHOTOS] = PhotoStore(settings.photo_cache_dir, photos)
    app[maps.UNITS] = maps.load_units(settings.web_map.units_geojson)
    if service is not None:
        app[SERVICE] = service
    views = Views(auth)
    app.add_routes([
        web.get("/login", views.login_form), web.post("/login", views.login),
        web.get("/logout", views.logout),
        web.get("/screen", screen), web.get("/api/screen.json", screen_json),
        web.get("/export.csv", export_csv), web.get("/export.xlsx", export_xlsx),
        *pages.routes(), *maps.routes(), *supervision.routes(), *codes.routes(),
        *hotline.routes(), *practices.routes(),
    ])
    if service is not None:
        app.add_routes(open311.routes(settings, service))
    app.router.add_static("/static/", HERE / "static")
    if warm:
        app.on_startup.append(warm_up)
    return app


# What a page's refusal says, when its own text is not for a person (aiohttp's English).
_HEADINGS = {400: ("请求有误", "链接里的参数看不懂，请从页面上的筛选重新选择。"),
             404: ("找不到这个页面", "链接可能已过期，或者地址输错了。"),
             405: ("不能这样打开", "请从仪表盘的页面上操作。")}
_MACHINE = ("/api/", "/open311/", "/static/", "/telegram/")


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A page that cannot be shown (a stale link, a mistyped address, a bad parameter) is
    answered in the dashboard's frame, in Chinese, with the way back — not a bare line of
    text, nor aiohttp's "404: Not Found". JSON, exports and files keep their own answers."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        path = request.path
        if exc.status not in _HEADINGS or path.startswith(_MACHINE) or "/photos/" in path \
                or path.endswith((".json", ".csv", ".xlsx")):
            raise
        heading, default = _HEADINGS[exc.status]
        said = exc.text or ""
        message = said if said and not said.startswith(f"{exc.status}:") else default
        response = render(request, "error.html", heading=heading, message=message)
        response.set_status(exc.status)
        return response


class Views:
    def __init__(self, auth: Auth) -> None:
        self.auth = auth

    async def login_form(self, request: web.Request) -> web.Response:
        return render(request, "login.html", error=None,
                      next=safe_next(request.query.get("next", "/")))

    async def login(self, request: web.Request) -> web.Response:
        form = await request.post()
        nxt = safe_next(str(form.get("next") or "/"))
        role = await self.auth.login(request, str(form.get("token") or ""))
        if role is None:
            return render(request, "login.html", error="口令不正确", next=nxt)
        raise await self.auth.start_session(request, role, nxt)

    async def logout(self, request: web.Request) -> web.Response:
        await self.auth.end_session(request)
        resp = web.HTTPFound("/login")
        resp.del_cookie(COOKIE)
        raise resp


async def screen(request: web.Request) -> web.Response:
    """The 大屏: a page that draws itself from /api/screen.json and redraws every 30 s."""
    data = await figures.screen(svc_of(request), request.app[SETTINGS])
    return render(request, "screen.html", data=data)


async def screen_json(request: web.Request) -> web.Response:
    return web.json_response(await figures.screen(svc_of(request), request.app[SETTINGS]),
                             headers={"Cache-Control": "no-store"})


def _admin_only(request: web.Request) -> None:
    # The ledger holds residents' phone numbers and full text: admins only.
    if request.get(ROLE) != "admin":
        raise web.HTTPForbidden(text="导出台账需要管理员口令")


async def export_csv(request: web.Request) -> web.StreamResponse:
    """The ledger as CSV, written to the browser a batch at a time as the rows are read: a
    district's year is a million rows, never held in memory at once."""
    _admin_only(request)
    f = issue_filter(request)  # a bad parameter answers 400 before the stream starts
    svc = svc_of(request)
    tz = request.app[SETTINGS].timezone
    owners = pages.owners(await svc.list_groups())
    resp = web.StreamResponse(headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": 'attachment; filename="suqiu-ledger.csv"'})
    await resp.prepare(request)
    await resp.write(csv_header())
    async for batch in svc.ledger_stream(f):  # written in a thread: the bot shares this loop
        await resp.write(await asyncio.to_thread(csv_rows, batch, tz, owners))
    await resp.write_eof()
    return resp


async def export_xlsx(request: web.Request) -> web.Response:
    """The ledger as XLSX, its rows read a batch at a time into a write-only workbook (never
    the whole selection in memory); the workbook is sent once complete, a zip file being
    written last to first."""
    _admin_only(request)
    f = issue_filter(request)
    q, report, _ = await supervision.report_for(request)  # a bad parameter: 400, no book yet
    svc = svc_of(request)
    book = XlsxLedger(request.app[SETTINGS].timezone, pages.owners(await svc.list_groups()))
    async for batch in svc.ledger_stream(f):  # in a thread: the bot shares this loop
        await asyncio.to_thread(book.add, batch)
    stats = await svc.statistics.selection(f)  # the figures of the rows exported
    least = request.app[SETTINGS].satisfaction_min_ratings  # 满意度 as the dashboard shows it
    units = (f"{supervision.by_names()[q.by]}（{q.first} 至 {q.last}）",
             supervision.sorted_rows(report.rows, q, least))  # in the page's order
    return web.Response(
        body=await asyncio.to_thread(book.finish, figures_of(stats, least), units, least),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="suqiu-ledger.xlsx"'})

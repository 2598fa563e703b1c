"""The dashboard app: overview, issue list and detail, big screen, exports, Open311."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from issues.errors import NotFound
from issues.service import IssueService
from issues.settings import Settings
from issues.views import LIGHT_NAMES, STATUS_NAMES, IssueFilter
from nlp.types import CATEGORIES, category_name
from web import charts, open311
from web.auth import COOKIE, ROLE, Auth
from web.export import to_csv, to_xlsx

HERE = Path(__file__).resolve().parent
SERVICE = web.AppKey("service", IssueService)
SETTINGS = web.AppKey("settings", Settings)
TEMPLATES = web.AppKey("templates", Environment)


def make_app(settings: Settings, service: IssueService | None) -> web.Application:
    auth = Auth(settings)
    app = web.Application(middlewares=[auth.middleware()])
    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(["html"]))
    tz = ZoneInfo(settings.timezone)
    env.filters["t"] = lambda at: at.astimezone(tz).strftime("%m月%d日 %H:%M") if at else "—"
    env.filters["pct"] = lambda v: "—" if v is None else f"{v:.0%}"
    env.globals.update(STATUS_NAMES=STATUS_NAMES, CATEGORIES=CATEGORIES,
                       LIGHT_NAMES=LIGHT_NAMES)
    app[TEMPLATES] = env
    app[SETTINGS] = settings
    if service is not None:
        app[SERVICE] = service
    views = Views(auth)
    app.add_routes([
        web.get("/login", views.login_form), web.post("/login", views.login),
        web.get("/logout", views.logout), web.get("/", views.overview),
        web.get("/issues", views.issues), web.get("/issues/{id}", views.issue),
        web.get("/screen", views.screen), web.get("/api/stats.json", views.stats_json),
        web.get("/export.csv", views.export_csv), web.get("/export.xlsx", views.export_xlsx),
    ])
    if service is not None:
        app.add_routes(open311.routes(settings, service))
    app.router.add_static("/static/", HERE / "static")
    return app


def _render(request: web.Request, name: str, **ctx: Any) -> web.Response:
    html = request.app[TEMPLATES].get_template(name).render(role=request.get(ROLE), **ctx)
    return web.Response(text=html, content_type="text/html", charset="utf-8")


def _filter(request: web.Request) -> IssueFilter:
    q = request.query
    tz = ZoneInfo(request.app[SETTINGS].timezone)

    def day(key: str) -> datetime | None:
        try:
            return datetime.strptime(q[key], "%Y-%m-%d").replace(tzinfo=tz) if q.get(key) else None
        except ValueError:
            return None

    until = day("until")
    chat = q.get("group", "")
    who = q.get("assignee", "")
    unit = q.get("unit", "")
    return IssueFilter(
        org_unit_id=int(unit) if unit.isdigit() else None,
        assignee_user_id=int(who) if who.lstrip("-").isdigit() else None,
        status=q.get("status") or None, category=q.get("category") or None,
        light=q.get("light") or None, text=q.get("q") or None, since=day("since"),
        until=until + timedelta(days=1) if until else None,
        chat_id=int(chat) if chat.lstrip("-").isdigit() else None,
    )


class Views:
    def __init__(self, auth: Auth) -> None:
        self.auth = auth

    @staticmethod
    def _svc(request: web.Request) -> IssueService:
        if SERVICE not in request.app:
            raise web.HTTPServiceUnavailable(text="诉求服务尚未就绪")
        return request.app[SERVICE]

    async def login_form(self, request: web.Request) -> web.Response:
        return _render(request, "login.html", error=None, next=request.query.get("next", "/"))

    async def login(self, request: web.Request) -> web.Response:
        form = await request.post()
        role = self.auth.role_for_token(str(form.get("token") or ""))
        nxt = str(form.get("next") or "/")
        if not nxt.startswith("/") or nxt.startswith("//"):
            nxt = "/"
        if role is None:
            return _render(request, "login.html", error="口令不正确", next=nxt)
        resp = web.HTTPFound(nxt)
        resp.set_cookie(COOKIE, self.auth.cookie_for(role), httponly=True, samesite="Lax",
                        max_age=7 * 86400)
        raise resp

    async def logout(self, request: web.Request) -> web.Response:
        resp = web.HTTPFound("/login")
        resp.del_cookie(COOKIE)
        raise resp

    async def _figures(self, request: web.Request) -> dict[str, Any]:
        svc = self._svc(request)
        settings = request.app[SETTINGS]
        tz = ZoneInfo(settings.timezone)
        now = svc.clock().astimezone(tz)
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        month = today.replace(day=1)
        day_stats = await svc.stats(None, today, None)
        month_stats = await svc.stats(None, month, None)
        trend = await svc.daily_counts(14, settings.timezone)
        groups = []
        for g in await svc.list_groups():
            if g.department_code:
                continue
            s = await svc.stats(g.chat_id, month, None)
            groups.append((g, s))
        cats = [(category_name(c), n) for c, n in month_stats.by_category.items()][:10]
        return {"today": day_stats, "month": month_stats, "trend": trend, "groups": groups,
                "trend_svg": Markup(charts.trend(trend)),
                "cat_svg": Markup(charts.bars(cats)), "now": now}

    async def overview(self, request: web.Request) -> web.Response:
        return _render(request, "overview.html", **await self._figures(request))

    async def screen(self, request: web.Request) -> web.Response:
        return _render(request, "screen.html", **await self._figures(request))

    async def stats_json(self, request: web.Request) -> web.Response:
        f = await self._figures(request)
        pick = ("received", "answered", "in_progress", "resolved", "resolution_rate",
                "satisfaction_rate", "median_ack_minutes", "median_resolve_hours", "overdue")
        return web.json_response({
            "today": {k: getattr(f["today"], k) for k in pick},
            "month": {k: getattr(f["month"], k) for k in pick},
            "trend": f["trend"],
        })

    async def issues(self, request: web.Request) -> web.Response:
        svc = self._svc(request)
        try:
            page = max(1, int(request.query.get("page", "1")))
        except ValueError:
            page = 1
        result = await svc.list_issues(_filter(request), page=page, page_size=20)
        query = {k: v for k, v in request.query.items() if k != "page" and v}
        pages = max(1, -(-result.total // 20))
        return _render(request, "issues.html", page=result, pages=pages, q=request.query,
                       qs=urlencode(query), groups=await svc.list_groups(),
                       assignees=await svc.assignees(), units=await svc.org_units())

    async def issue(self, request: web.Request) -> web.Response:
        try:
            issue = await self._svc(request).get_issue_by_id(int(request.match_info["id"]),
                                                             with_events=True)
        except (ValueError, NotFound):
            raise web.HTTPNotFound(text="没有这条诉求") from None
        return _render(request, "issue.html", i=issue)

    async def _rows(self, request: web.Request) -> tuple[list[Any], str]:
        # The ledger holds residents' phone numbers and full text: admins only.
        if request.get(ROLE) != "admin":
            raise web.HTTPForbidden(text="导出台账需要管理员口令")
        rows = await self._svc(request).ledger_rows(_filter(request))
        return rows, request.app[SETTINGS].timezone

    async def export_csv(self, request: web.Request) -> web.Response:
        rows, tz = await self._rows(request)
        return web.Response(body=to_csv(rows, tz), content_type="text/csv", charset="utf-8",
                            headers={"Content-Disposition":
                                     'attachment; filename="suqiu-ledger.csv"'})

    async def export_xlsx(self, request: web.Request) -> web.Response:
        rows, tz = await self._rows(request)
        return web.Response(
            body=to_xlsx(rows, tz),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": 'attachment; filename="suqiu-ledger.xlsx"'})

"""The dashboard's pages: overview, the ledger (台账), one issue, its photos."""

from __future__ import annotations

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web
from markupsafe import Markup

from issues.errors import NotFound
from issues.facts import FACTS
from issues.search import LONGEST, searchable
from issues.service import IssueService
from issues.settings import Settings
from issues.views import EventView, GroupView, IssueFilter, IssueView, PersonRef
from web import charts, figures
from web.auth import ROLE
from web.params import INT32, INT64, choice_param, day_param, int_param, page_param
from web.photos import PhotoStore, PhotoUnavailable
from web.render import for_role, ledger, render

SERVICE = web.AppKey("service", IssueService)
SETTINGS = web.AppKey("settings", Settings)
PHOTOS = web.AppKey("photos", PhotoStore)
PAGE_SIZE = 20


def svc_of(request: web.Request) -> IssueService:
    if SERVICE not in request.app:
        raise web.HTTPServiceUnavailable(text="诉求服务尚未就绪")
    return request.app[SERVICE]


HOLDERS_MAX_AGE = 60.0  # seconds the ledger's list of people in charge may be old


def issue_filter(request: web.Request) -> IssueFilter:
    """The ledger's filters from the query string; a value that cannot be one is a 400."""
    q = request.query
    tz = ZoneInfo(request.app[SETTINGS].timezone)
    # Anyone but the admin reads text masked, and may not search for what the mask hides.
    masked = request.get(ROLE) != "admin"
    if masked and q.get("q") and not searchable(q["q"]):
        raise web.HTTPBadRequest(text=f"电话、证件号码已隐去，不能按号码搜索：搜索词里的数字最多 "
                                      f"{LONGEST} 位。", content_type="text/plain")
    return IssueFilter(
        org_unit_id=int_param(q, "unit", 1, INT32),
        assignee_user_id=int_param(q, "assignee", -INT64, INT64),
        holder_user_id=int_param(q, "holder", -INT64, INT64),
        status=q.get("status") or None, category=q.get("category") or None,
        light=q.get("light") or None, text=q.get("q") or None, masked=masked,
        since=day_param(q, "since", tz),
        until=day_param(q, "until", tz, end=True), chat_id=int_param(q, "group", -INT64, INT64),
        department_code=q.get("dept") or None, fact=choice_param(q, "fact", FACTS),
    )


def owners(groups: list[GroupView]) -> dict[int, PersonRef | None]:
    return {g.chat_id: g.owner for g in groups}


async def overview(request: web.Request) -> web.Response:
    svc = svc_of(request)
    h = await figures.headline(svc, request.app[SETTINGS])
    level, units = figures.unit_rows(h["report"], h["w"],
                                     request.app[SETTINGS].satisfaction_min_ratings)
    cats = [(c["code"], c["name"], c["value"]) for c in h["categories"]]
    first = h["w"].month.isoformat()
    return render(request, "overview.html", **h, units=units, units_level=level,
                  trend_svg=Markup(charts.trend(h["trend"], lambda d: ledger(since=d, until=d))),
                  cat_svg=Markup(charts.bars(cats, lambda c: ledger(category=c, since=first))))


async def issues(request: web.Request) -> web.Response:
    svc = svc_of(request)
    result = await svc.list_issues(issue_filter(request), page=page_param(request.query),
                                   page_size=PAGE_SIZE)
    query = {k: v for k, v in request.query.items() if k != "page" and v}
    shown = await svc.groups_of(i.chat_id for i in result.items)  # owners of this page's
    return render(request, "issues.html", page=result,
                  pages=max(1, -(-result.total // PAGE_SIZE)), q=request.query,
                  qs=urlencode(query), groups=await svc.group_titles(), owners=owners(shown),
                  qs_all=urlencode({k: v for k, v in query.items() if k != "fact"}),
                  holders=await svc.holders(max_age=HOLDERS_MAX_AGE),
                  units=await svc.org_units())


def _last(events: tuple[EventView, ...], *kinds: str) -> EventView | None:
    return next((e for e in reversed(events) if e.kind in kinds), None)


async def issue(request: web.Request) -> web.Response:
    svc = svc_of(request)
    # The role's view first: the events picked out below (the resolution's note, the rating's
    # rater) are shown beside the issue and must be masked as its timeline is.
    i = for_role(await _issue(request), request.get(ROLE))
    group = await svc.get_group(i.chat_id)
    rating = _last(i.events, "rate")
    reopen = _last(i.events, "reopen", "reason")  # her words after 不满意, or a /reopen's
    resolution = _last(i.events, "resolve")
    return render(
        request, "issue.html", i=i, group=group, crumbs=await svc.unit_path(chat_id=i.chat_id),
        owner=group.owner if group else None,
        resolution=resolution,
        # Reopened since (不满意 or /reopen): that note no longer says how it ended.
        superseded=resolution is not None and i.status not in ("resolved", "closed"),
        rating=rating,
        # A resident's 不满意 reopens the issue; her words, if any, are her answer to "哪里不
        # 满意？" (a reason) or the note of a /reopen.
        rating_reason=reopen.note if reopen and rating and reopen.at >= rating.at else None,
        escalations=[e for e in i.events if e.kind in ("escalate", "auto_escalate", "claim")],
        tile_url=request.app[SETTINGS].web_map.tile_url,
        tile_attribution=request.app[SETTINGS].web_map.tile_attribution)


async def _issue(request: web.Request) -> IssueView:
    raw = request.match_info["id"]
    try:
        if not (raw.isascii() and raw.isdigit() and 0 < int(raw) <= INT32):
            raise NotFound()
        return await svc_of(request).get_issue_by_id(int(raw), with_events=True)
    except NotFound:
        raise web.HTTPNotFound(text="没有这条诉求") from None


async def photo(request: web.Request) -> web.Response:
    """One of an issue's photos. Behind the login like every page (never a public URL), and
    private to the browser's cache."""
    i = await _issue(request)
    try:
        file_id = i.photos[int(request.match_info["n"])]
    except (ValueError, IndexError):
        raise web.HTTPNotFound(text="没有这张照片") from None
    try:
        data, kind = await request.app[PHOTOS].get(file_id)
    except PhotoUnavailable:
        raise web.HTTPServiceUnavailable(text="照片暂时无法从 Telegram 取得") from None
    return web.Response(body=data, content_type=kind, headers={
        "Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"})


def routes() -> list[web.RouteDef]:
    return [web.get("/", overview), web.get("/issues", issues),
            web.get("/issues/{id}", issue), web.get("/issues/{id}/photos/{n}", photo)]


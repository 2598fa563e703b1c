"""督办: the supervision figures per level (区 › 街道 › 社区 › 网格 › 群), department or holder
(负责人: the assignee, else the group's owner) for a period, with rankings, as a page
(`/supervision`) and as JSON (`/api/stats.json`).

Reports come from `IssueService.supervision` with `max_age`: a district's month is a few hundred
thousand rows, so a page or a wall screen is served a report at most a minute old (a staler one
while a fresh one is computed in the background)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from operator import attrgetter
from typing import Any
from urllib.parse import quote_plus, urlencode
from zoneinfo import ZoneInfo

from aiohttp import web
from multidict import MultiMapping

from issues.facts import FACTS
from issues.rankings import RANKABLE, change, rankings
from issues.supervision import BY
from issues.supervision_figures import TOTAL, Figures, Period, Report
from issues.views import LEVELS, IssueFilter
from web.names import LEVEL_NAMES
from web.pages import SETTINGS, svc_of
from web.params import INT32, INT64, bad, day_param, int_param, page_param
from web.render import ledger, render

MAX_AGE = 60.0
# `by` as links made before the holder was the key named it: the assignee alone.
BY_ALIASES = {"assignee": "holder"}


def by_names() -> dict[str, str]:
    """按区/街道/社区/网格 (the levels' names, read on first use), 群, 部门, 负责人."""
    levels = {lv: LEVEL_NAMES[lv] for lv in reversed(LEVELS)}
    return {**levels, "group": "群", "department": "部门", "holder": "负责人"}


RANK_NAMES = {"resolve_rate": "按时办结率", "ack_rate": "按时受理率",
              "satisfaction_rate": "满意度"}
# The table's columns a reader may sort by, and the order of a first click: the counts that
# call for supervision most first, the rates lowest first (the worst-served on top).
SORTS: dict[str, tuple[Callable[[Figures], Any], bool]] = {
    **{count: (attrgetter(count), True)
       for count in ("received", "red", "yellow", "reopened", "repeat")},
    **{rate: (value, False) for rate, value in RANKABLE.items()},
}
# Rows on one page of the table: a district's 2,000 groups or 4,000 people in charge made a
# page of several megabytes that a browser lays out for seconds, and nobody reads it whole.
PAGE_ROWS = 100
# What each key's links filter the ledger by.
LEDGER_KEY = {"group": "group", "department": "dept", "holder": "holder",
              **{level: "unit" for level in LEVELS}}


@dataclass(frozen=True)
class Query:
    by: str
    period: Period
    first: date
    last: date  # inclusive, as the ledger's `until`
    scope: IssueFilter
    rank_by: str
    sort: str = ""  # a SORTS key; "" keeps the report's order (most received first)
    descending: bool = True
    page: int = 1


# The calendar a period (and the one before it, as long) may span: beyond it a date is a 400.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9000, 12, 31)


def parse(request: web.Request) -> Query:
    """by, since/until (local dates, default this month), unit/group/dept scope, rank_by; a
    value that cannot be one is a 400 naming it (web.params), as on the ledger."""
    q = request.query
    tz = ZoneInfo(request.app[SETTINGS].timezone)
    today = svc_of(request).clock().astimezone(tz).date()

    def day(key: str) -> date | None:
        at = day_param(q, key, tz)
        if at is not None and not FIRST_DAY <= at.date() <= LAST_DAY:
            raise bad(key, q[key])
        return None if at is None else at.date()

    first = day("since") or today.replace(day=1)
    next_month = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    last = max(first, day("until") or next_month - timedelta(days=1))
    if (last - first) > first - FIRST_DAY:  # the period before it would leave the calendar
        raise bad("since", q.get("since", ""))

    def at(d: date) -> datetime:
        return datetime(d.year, d.month, d.day, tzinfo=tz)

    by = BY_ALIASES.get(q.get("by", ""), q.get("by", ""))
    sort = q.get("sort", "")
    sort = sort if sort in SORTS else ""
    order = q.get("order", "")
    return Query(by if by in BY else "", Period(at(first), at(last + timedelta(days=1))),
                 first, last,
                 IssueFilter(org_unit_id=int_param(q, "unit", 1, INT32),
                             chat_id=int_param(q, "group", -INT64, INT64),
                             department_code=q.get("dept") or None),
                 str(q.get("rank_by")) if q.get("rank_by") in RANKABLE else "resolve_rate",
                 sort, order == "desc" if order in ("asc", "desc") else SORTS.get(
                     sort, (None, True))[1], page_param(q))


def sorted_rows(rows: list[Figures], q: Query, least: int) -> list[Figures]:
    """The table's rows in the reader's order; a row without the figure (nothing judged, or a
    satisfaction from fewer than `least` ratings, which the page shows as —) goes last either
    way, and ties keep the report's order."""
    if not q.sort:
        return rows
    value = SORTS[q.sort][0]

    def shown(f: Figures) -> Any:
        if q.sort == "satisfaction_rate" and f.rated < least:
            return None
        return value(f)

    known = [f for f in rows if shown(f) is not None]
    known.sort(key=shown, reverse=q.descending)
    return known + [f for f in rows if shown(f) is None]


def sort_link(q: Query, query: MultiMapping[str], column: str) -> str:
    """The address a column's heading leads to: sorted by it (its first order, or the other
    one when it is the order already shown), from the first page."""
    descending = not q.descending if q.sort == column else SORTS[column][1]
    keep = [(k, v) for k, v in query.items() if k not in ("sort", "order", "page")]
    return "/supervision?" + urlencode([*keep, ("sort", column),
                                        ("order", "desc" if descending else "asc")])


def child_level(tree: list[tuple[int, str, str, int | None]], unit: int | None) -> str:
    """The level to show under a unit: the highest level among the units below it (a street
    shows its communities), the groups when none is below (a grid, or a community whose groups
    joined it directly), the top level of the district when no unit is chosen."""
    if unit is None:
        tops = [lv for _, _, lv, up in tree if up is None]
        return max(tops, key=LEVELS.index) if tops else "group"
    below = [lv for _, _, lv, up in tree if up == unit]
    return max(below, key=LEVELS.index) if below else "group"


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def figures_json(f: Figures, links: dict[str, str] | None = None) -> dict[str, Any]:
    """One row as JSON: counts, rates (0–1), times in minutes, the ratings' breakdown."""
    def rates(x: Figures) -> dict[str, Any]:
        return {"received": x.received, "ack_rate": x.ack_rate, "resolve_rate": x.resolve_rate,
                "satisfaction_rate": x.satisfaction_rate}

    out: dict[str, Any] = {
        "key": f.key, "name": f.name, "group_owner": f.owner,
        "received": f.received, "rejected": f.rejected,
        "ack_on_time": f.ack_on_time, "ack_judged": f.ack_judged, "ack_rate": f.ack_rate,
        "resolve_on_time": f.resolve_on_time, "resolve_judged": f.resolve_judged,
        "resolve_rate": f.resolve_rate,
        "ack_minutes": {"median": _minutes(f.ack_p50_s), "p90": _minutes(f.ack_p90_s)},
        "resolve_minutes": {"median": _minutes(f.resolve_p50_s),
                            "p90": _minutes(f.resolve_p90_s)},
        "overdue_now": {"red": f.red, "yellow": f.yellow},
        "reopened": f.reopened, "repeat": f.repeat, "repeat_rate": f.repeat_rate,
        "satisfaction": {"满意": f.satisfied, "基本满意": f.basic, "不满意": f.unsatisfied,
                         "sample": f.rated, "rate": f.satisfaction_rate},
        "previous": rates(f.previous) if f.previous else None,
        "change": {k: change(f, k) for k in RANKABLE},
    }
    if links:
        out["links"] = links
    return out


_KEY = "0ROWKEY0"  # stands for a row's key in the links' addresses (urlencode keeps it)


def links(by: str, q: Query) -> Callable[[Figures], dict[str, str]]:
    """The ledger behind each row's numbers: received in the period, red and yellow now, and
    each fact a figure counts (issues.facts.FACTS: late ones for the on-time rates). The
    addresses are made once per report with a stand-in for the row's key: a district's 2,000
    groups by 17 links each were 34,000 urlencodes, a third of a second."""
    keyed, unkeyed = _links(by, _KEY, q), _links(by, None, q)

    def of(f: Figures) -> dict[str, str]:
        if f.key == TOTAL or not f.key:
            return dict(unkeyed)
        key = quote_plus(f.key)
        return {name: url.replace(_KEY, key) for name, url in keyed.items()}

    return of


def _links(by: str, key: str | None, q: Query) -> dict[str, str]:
    scope: dict[str, object] = {}
    if key:
        scope[LEDGER_KEY[by]] = key
    if q.scope.org_unit_id is not None and "unit" not in scope:
        scope["unit"] = q.scope.org_unit_id
    if q.scope.chat_id is not None and "group" not in scope:
        scope["group"] = q.scope.chat_id
    if q.scope.department_code and "dept" not in scope:
        scope["dept"] = q.scope.department_code
    period = {"since": q.first.isoformat(), "until": q.last.isoformat()}
    return {"received": ledger(**scope, **period),
            "rejected": ledger(**scope, **period, status="rejected"),
            "red": ledger(**scope, light="red"), "yellow": ledger(**scope, light="yellow"),
            "open": ledger(**scope, status="open_all"),
            **{fact: ledger(**scope, **period, fact=fact) for fact in FACTS}}


async def report_for(request: web.Request) -> tuple[Query, Report, list[Any]]:
    svc = svc_of(request)
    q = parse(request)
    tree = await svc.org_tree()
    if not q.by:
        q = Query(child_level(tree, q.scope.org_unit_id), q.period, q.first, q.last, q.scope,
                  q.rank_by)
    return q, await svc.supervision(q.by, q.period, q.scope, max_age=MAX_AGE), tree


def path_of(tree: list[tuple[int, str, str, int | None]], unit: int | None
            ) -> list[tuple[int, str, str]]:
    """Breadcrumbs: (id, name, level) from the top unit down to `unit`."""
    units = {i: (i, n, lv, up) for i, n, lv, up in tree}
    out: list[tuple[int, str, str]] = []
    while unit is not None and unit in units and len(out) < len(units):
        i, n, lv, up = units[unit]
        out.append((i, n, lv))
        unit = up
    return out[::-1]


async def page(request: web.Request) -> web.Response:
    q, report, tree = await report_for(request)
    best, worst = rankings(report.rows, q.rank_by)
    link = links(q.by, q)
    # a rate from fewer ratings is not shown, as on the overview and the digest
    least = request.app[SETTINGS].satisfaction_min_ratings
    pages = max(1, -(-len(report.rows) // PAGE_ROWS))
    number = min(q.page, pages)
    rows = sorted_rows(report.rows, q, least)[(number - 1) * PAGE_ROWS:number * PAGE_ROWS]
    keep = [(k, v) for k, v in request.query.items() if k != "page"]
    dated = [(k, v) for k, v in keep if k not in ("since", "until")]  # the period shown
    return render(request, "supervision.html", q=q, report=report, by_names=by_names(),
                  rank_names=RANK_NAMES, best=best, worst=worst, change=change,
                  crumbs=path_of(tree, q.scope.org_unit_id), rows=rows,
                  links={f.key: link(f) for f in rows},  # the rows shown
                  total_links=link(report.total), drill=lambda f: drill(q, f),
                  query_string=request.query_string, least=least, export_qs=urlencode(
                      [*dated, ("since", q.first.isoformat()), ("until", q.last.isoformat())]),
                  sort_link=lambda column: sort_link(q, request.query, column),
                  pager={"page": number, "pages": pages, "first": (number - 1) * PAGE_ROWS + 1,
                         "last": (number - 1) * PAGE_ROWS + len(rows),
                         "at": lambda n: "/supervision?" + urlencode([*keep, ("page", n)])})


def drill(q: Query, f: Figures) -> str:
    """Where a row's name leads: the level below a unit, a group's ledger otherwise."""
    period = {"since": q.first.isoformat(), "until": q.last.isoformat()}
    if q.by in LEVELS:
        return "/supervision?" + urlencode({"unit": f.key, **period, "rank_by": q.rank_by})
    return ledger(**{LEDGER_KEY[q.by]: f.key}, **period)


async def stats_json(request: web.Request) -> web.Response:
    """Supervision figures per key for a period, with the district total, rankings and the
    previous period; `by` = grid|community|street|district|group|department|holder (or
    assignee, as before: the holder)."""
    q, report, _ = await report_for(request)
    best, worst = rankings(report.rows, q.rank_by)
    link = links(q.by, q)
    return web.json_response({
        "by": q.by, "period": {"since": q.first.isoformat(), "until": q.last.isoformat()},
        "previous": {"since": report.period.previous.start.date().isoformat(),
                     "until": (report.period.start - timedelta(days=1)).date().isoformat()},
        "total": figures_json(report.total, link(report.total)),
        "rows": [figures_json(f, link(f)) for f in report.rows],
        "rankings": {"by": q.rank_by,
                     "best": [{"key": f.key, "name": f.name, "value": RANKABLE[q.rank_by](f),
                               "change": change(f, q.rank_by)} for f in best],
                     "worst": [{"key": f.key, "name": f.name, "value": RANKABLE[q.rank_by](f),
                                "change": change(f, q.rank_by)} for f in worst]},
        "definitions": "README.md#supervision-figures",
    }, headers={"Cache-Control": "no-store"})


def routes() -> list[web.RouteDef]:
    return [web.get("/supervision", page), web.get("/api/stats.json", stats_json)]

"""12345 hotline orders over HTTP, behind the dashboard's login (the admin role, by its
bearer token): `POST /api/hotline/orders` takes a JSON list (or CSV) of orders as
`suqiu import hotline FILE` does, and the cards of new ones go into their groups;
`GET /api/hotline/orders.json` sends back what became of each order (also `suqiu export
hotline`)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from issues.errors import IssueError
from issues.hotline import Imported, Outcome, parse_orders
from issues.privacy import mask
from issues.service import IssueService
from web.auth import ROLE
from web.cells import csv_cell
from web.names import name
from web.pages import svc_of

KINDS = {"application/json": "json", "text/csv": "csv"}
COLUMNS = ("order", "issue", "group", "status", "status_name", "category", "received_at",
           "acknowledged_at", "resolved_at", "progress", "result", "rating", "followup")


def _when(at: datetime | None, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M") if at else ""


def outcome_row(o: Outcome, tz: str) -> dict[str, Any]:
    """One order's outcome, as sent back to the hotline: times in the district's zone, the
    steps' notes masked like every other output."""
    i = o.issue
    notes = [f"{_when(at, tz)} {name('hotline_step', kind)}{'：' + mask(note) if note else ''}"
             for at, kind, note in o.steps if kind not in ("resolve", "reject")]
    result = next((mask(note) for _, kind, note in reversed(o.steps)
                   if kind in ("resolve", "reject") and note), "")
    return {
        "order": o.number, "issue": i.reference, "group": i.group_title,
        "status": i.status, "status_name": name("status", i.status),
        "category": i.category_name, "received_at": _when(i.created_at, tz),
        "acknowledged_at": _when(i.acknowledged_at, tz),
        "resolved_at": _when(i.resolved_at, tz), "progress": notes, "result": result,
        "rating": name("rating", i.rating) if i.rating else "",
        "followup": name("followup", i.followup) if i.followup else "",
    }


def outcomes_text(rows: Sequence[dict[str, Any]], kind: str) -> str:
    """JSON (a list), or CSV with one row per order and its progress notes joined."""
    if kind == "json":
        return json.dumps(list(rows), ensure_ascii=False, indent=1)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([csv_cell("\n".join(r[c]) if c == "progress" else str(r[c]))
                    for c in COLUMNS])
    return "\ufeff" + out.getvalue()


def imported_json(results: Sequence[Imported]) -> dict[str, Any]:
    return {
        "created": sum(r.created for r in results),
        "existing": sum(1 for r in results if r.issue is not None and not r.created),
        "failed": [{"order": r.number, "error": r.error} for r in results if r.error],
        "orders": [{"order": r.number, "issue": r.issue.reference,
                    "created": r.created} for r in results if r.issue is not None],
    }


async def post_cards(service: IssueService, results: Sequence[Imported]) -> None:
    """The new orders' cards, into their groups (when the bot runs in this process)."""
    for r in results:
        if r.created and r.issue is not None:
            await service.opened_elsewhere(r.issue)


def _admin(request: web.Request, act: str) -> None:
    if request.get(ROLE) != "admin":
        raise web.HTTPForbidden(text=f"{act}需要管理员口令")


async def import_orders(request: web.Request) -> web.Response:
    _admin(request, "导入热线工单")
    kind = KINDS.get(request.content_type)
    if kind is None:  # a cross-site form cannot send these without asking first (CORS)
        return web.json_response({"error": "send application/json or text/csv"}, status=415)
    service = svc_of(request)
    try:
        orders = parse_orders(await request.read(), kind,
                              service.settings.practices.hotline.columns)
    except IssueError as err:
        return web.json_response({"error": err.code, **err.params}, status=400)
    results = await service.hotline.import_orders(orders)
    await post_cards(service, results)
    return web.json_response(imported_json(results))


async def order_outcomes(request: web.Request) -> web.Response:
    _admin(request, "查看热线工单的办理结果")
    service = svc_of(request)
    tz = service.settings.timezone
    since = None
    if request.query.get("since"):
        try:
            day = date.fromisoformat(request.query["since"])
        except ValueError:
            return web.json_response({"error": "since must be YYYY-MM-DD"}, status=400)
        since = datetime.combine(day, time(), ZoneInfo(tz))
    numbers = request.query.getall("order", [])
    found = await service.hotline.outcomes(since, numbers)
    return web.json_response([outcome_row(o, tz) for o in found],
                             dumps=lambda x: json.dumps(x, ensure_ascii=False))


def routes() -> list[web.RouteDef]:
    return [web.post("/api/hotline/orders", import_orders),
            web.get("/api/hotline/orders.json", order_outcomes)]

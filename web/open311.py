"""Open311 GeoReport v2 (JSON) under /open311/v2/: discovery, services, requests.

Errors use the spec's format: a JSON list of {"code", "description"}. Creating a request needs
the API key (SUQIU_OPEN311_API_KEY) and a configured receiving group (web.open311_group).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from aiohttp import web

from issues.errors import IssueError, NotFound
from issues.service import IssueService
from issues.settings import Settings
from issues.views import Channel, IssueFilter, IssueView, NewReport
from nlp.types import CATEGORIES

BASE = "/open311/v2"


def _error(status: int, description: str) -> web.Response:
    return web.json_response([{"code": status, "description": description}], status=status)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat(timespec="seconds") if at else None


def request_json(i: IssueView) -> dict[str, Any]:
    closed = i.status in ("resolved", "closed", "rejected")
    notes = {"resolved": "已办结", "closed": "已关闭", "rejected": i.reject_reason or "不予受理"}
    return {
        "service_request_id": str(i.id), "status": "closed" if closed else "open",
        "status_notes": notes.get(i.status, i.status_name), "service_name": i.category_name,
        "service_code": i.category, "description": i.text[:2000],
        "agency_responsible": i.department_name or i.group_title, "service_notice": "",
        "requested_datetime": _iso(i.created_at), "updated_datetime": _iso(i.updated_at),
        "expected_datetime": _iso(i.resolve_due_at), "address": i.location_text or "",
        "address_id": "", "zipcode": "", "lat": i.lat, "long": i.lon,
        "media_url": "",
    }


def routes(settings: Settings, service: IssueService) -> list[web.RouteDef]:
    async def discovery(request: web.Request) -> web.Response:
        base = f"{request.scheme}://{request.host}{BASE}/"
        return web.json_response({
            "changeset": "2026-11-24T00:00:00+08:00", "contact": "社区网格服务中心",
            "key_service": "向管理员申请 API key",
            "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2",
                           "url": base, "changeset": "2026-11-24T00:00:00+08:00",
                           "type": "production", "formats": ["application/json"]}],
        })

    async def services(request: web.Request) -> web.Response:
        return web.json_response([
            {"service_code": code, "service_name": name, "description": name,
             "metadata": False, "type": "realtime", "keywords": "", "group": "社区诉求"}
            for code, name in CATEGORIES.items()
        ])

    async def list_requests(request: web.Request) -> web.Response:
        q = request.query
        if q.get("service_request_id"):
            ids = [x for x in q["service_request_id"].split(",") if x.strip()]
            out = []
            for x in ids:
                try:
                    out.append(request_json(await service.get_issue_by_id(int(x))))
                except (ValueError, NotFound):
                    continue
            return web.json_response(out)
        try:
            since = datetime.fromisoformat(q["start_date"]) if "start_date" in q else None
            until = datetime.fromisoformat(q["end_date"]) if "end_date" in q else None
        except ValueError:
            return _error(400, "start_date/end_date must be ISO 8601 (w3c) dates")
        status = q.get("status")
        if status not in (None, "open", "closed"):
            return _error(400, "status must be open or closed")
        code = q.get("service_code")
        if code and code not in CATEGORIES:
            return _error(400, f"unknown service_code {code}")
        page = await service.list_issues(
            IssueFilter(category=code, since=since, until=until,
                        status="open_all" if status == "open" else None),
            page=1, page_size=500)
        items = [request_json(i) for i in page.items]
        if status == "closed":
            items = [i for i in items if i["status"] == "closed"]
        return web.json_response(items[:1000])

    async def one_request(request: web.Request) -> web.Response:
        try:
            issue = await service.get_issue_by_id(int(request.match_info["id"]))
        except (ValueError, NotFound):
            return _error(404, "service_request_id not found")
        return web.json_response([request_json(issue)])

    async def create(request: web.Request) -> web.Response:
        form = await request.post()
        key = str(form.get("api_key") or "")
        if not settings.open311_api_key or not hmac.compare_digest(
                key.encode(), settings.open311_api_key.encode()):
            return _error(403, "invalid api_key")
        if settings.open311_group is None:
            return _error(403, "this server does not accept new requests (no receiving group)")
        code = str(form.get("service_code") or "")
        if code not in CATEGORIES:
            return _error(400, "service_code is required and must be one of services.json")
        description = str(form.get("description") or "").strip()
        if not description:
            return _error(400, "description is required")
        try:
            lat = float(str(form["lat"])) if form.get("lat") else None
            lon = float(str(form["long"])) if form.get("long") else None
        except ValueError:
            return _error(400, "lat/long must be numbers")
        name = " ".join(x for x in (str(form.get("first_name") or ""),
                                    str(form.get("last_name") or "")) if x) or "Open311 用户"
        email = str(form.get("email") or "").strip() or None
        report = NewReport(
            Channel.OPEN311, code, description, name, reporter_id=email,
            # A client that posts the same request again (a retry) gets the same issue.
            external_id=hashlib.sha256(f"{description}|{email}".encode()).hexdigest(),
            location=str(form.get("address_string") or "") or None, lat=lat, lon=lon)
        try:
            result = await service.submit_report(settings.open311_group, report)
        except IssueError as err:
            return _error(400, str(err))
        return web.json_response([{"service_request_id": str(result.issue.id),
                                   "service_notice": "已受理登记", "account_id": None}])

    return [
        web.get(f"{BASE}/discovery.json", discovery),
        web.get(f"{BASE}/services.json", services),
        web.get(f"{BASE}/requests.json", list_requests),
        web.post(f"{BASE}/requests.json", create),
        web.get(f"{BASE}/requests/{{id}}.json", one_request),
    ]

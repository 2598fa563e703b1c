"""Open311 GeoReport v2 (JSON) under /open311/v2/: discovery, services, requests.

What is published: only the groups listed in `web.open311_public_groups` (none until
configured; never a department's group), only issues that are or were being handled (never
rejected or 不是诉求, but for one asked for by its id: closed, with nothing of what it said),
their text masked (`issues.privacy`), no reporter. Every error under
/open311/ — a bad parameter, an unknown id or path, a body too large, a failure of ours — is the
spec's list of {"code", "description"}. Creating a request needs the API key
(SUQIU_OPEN311_API_KEY) and a receiving group (`web.open311_group`), whose chat is shown the
new issue's card.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
import math
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from aiohttp.typedefs import Handler

from issues.errors import IssueError, NotFound
from issues.lifecycle import OPEN_STATUSES, Status
from issues.privacy import public_view
from issues.service import IssueService
from issues.settings import Settings
from issues.views import Channel, IssueFilter, IssueView, NewReport
from web.names import STATUS_NAMES

log = logging.getLogger(__name__)
BASE = "/open311/v2"
CLOSED = (Status.RESOLVED, Status.CLOSED)
PUBLISHED = (*OPEN_STATUSES, *CLOSED)  # never rejected / 不是诉求
# Asked for by id, a rejected or withdrawn request is closed, its words and place withheld: a
# client that created it learns its fate, and a message that was no complaint stays unread.
ENDED = (Status.REJECTED, Status.WITHDRAWN)
DEFAULT_WINDOW = timedelta(days=90)  # the spec's default range of requests.json
MAX_IDS = 100
MAX_ID = 2**31 - 1  # issue ids are 32-bit integers in the database


def error(status: int, description: str) -> web.Response:
    return web.json_response([{"code": status, "description": description}], status=status)


@web.middleware
async def georeport_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Under /open311/, every error answers in the spec's format, whoever raised it."""
    if not request.path.startswith("/open311/"):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error(exc.status, exc.reason)
    except Exception:
        log.exception("Open311 request %s failed", request.path)
        return error(500, "internal server error")


def _iso(at: datetime | None) -> str | None:
    return at.isoformat(timespec="seconds") if at else None


def request_json(issue: IssueView) -> dict[str, Any]:
    """One published request: masked text, no reporter."""
    i = public_view(issue)
    return {
        "service_request_id": str(i.id), "status": "closed" if i.status in CLOSED else "open",
        "status_notes": STATUS_NAMES[i.status], "service_name": i.category_name,
        "service_code": i.category, "description": i.text[:2000],
        "agency_responsible": i.department_name or i.group_title, "service_notice": "",
        "requested_datetime": _iso(i.created_at), "updated_datetime": _iso(i.updated_at),
        "expected_datetime": _iso(i.resolve_due_at), "address": i.location_text or "",
        "address_id": "", "zipcode": "", "lat": i.lat, "long": i.lon, "media_url": "",
    }


def ended_json(issue: IssueView) -> dict[str, Any]:
    """A rejected or withdrawn request asked for by its id: closed, and nothing it said."""
    return {**request_json(dataclasses.replace(issue, text="", location_text=None,
                                               lat=None, lon=None)),
            "status": "closed", "expected_datetime": None}


def parse_w3c(value: str, tz: ZoneInfo) -> datetime:
    """A W3C date or datetime; without an offset it is the deployment's local time (the
    calendar's ends, 0001-01-01 and 9999-12-31, a client's "everything", stay its ends).
    Raises ValueError."""
    at = datetime.fromisoformat(value.strip())
    if at.tzinfo is None:
        at = at.replace(tzinfo=tz)
    try:
        return at.astimezone(UTC)
    except OverflowError:  # the calendar's first or last day, off UTC: "from the start"
        return (datetime.min if at.year == 1 else datetime.max).replace(tzinfo=UTC)


def _external_id(form: Any) -> str:
    """The request's own id: the same request posted again (a client's retry) is one issue;
    two different requests are two, whatever their text."""
    key = "\x1f".join(str(form.get(k) or "") for k in (
        "service_code", "description", "email", "device_id", "account_id", "lat", "long",
        "address_string", "address_id"))
    return hashlib.sha256(key.encode()).hexdigest()


def _point(form: Any) -> tuple[float | None, float | None] | None:
    """(lat, long), (None, None) when neither is given, None when they are not a point."""
    raw_lat, raw_lon = str(form.get("lat") or "").strip(), str(form.get("long") or "").strip()
    if not raw_lat and not raw_lon:
        return None, None
    try:
        lat, lon = float(raw_lat), float(raw_lon)
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90
            and -180 <= lon <= 180):
        return None
    return lat, lon


def routes(settings: Settings, service: IssueService) -> list[web.RouteDef]:
    tz = ZoneInfo(settings.timezone)
    categories = settings.category_names()  # the services, as config/categories.yaml has them

    async def public_chats() -> frozenset[int]:
        """The configured public groups that are residents' groups (a department's never)."""
        out = set()
        for chat_id in settings.open311_public_groups:
            group = await service.get_group(chat_id, max_age=60)
            if group is not None and not group.department_code:
                out.add(chat_id)
        return frozenset(out)

    async def published(issue_id: int) -> dict[str, Any] | None:
        """The request with this id as published, or None: not in a public group."""
        if not 0 < issue_id <= MAX_ID:
            return None
        try:
            issue = await service.get_issue_by_id(issue_id)
        except NotFound:
            return None
        if issue.chat_id not in await public_chats():
            return None
        if issue.status in ENDED:
            return ended_json(issue)
        return request_json(issue) if issue.status in PUBLISHED else None

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
            for code, name in categories.items()
        ])

    async def service_definition(request: web.Request) -> web.Response:
        code = request.match_info["code"]
        if code not in categories:
            return error(404, f"service_code {code} not found")
        return web.json_response({"service_code": code, "attributes": []})

    async def list_requests(request: web.Request) -> web.Response:
        q = request.query
        if q.get("service_request_id"):
            out = []
            for x in q["service_request_id"].split(",")[:MAX_IDS]:
                x = x.strip()
                one = await published(int(x)) if x.isascii() and x.isdigit() else None
                if one is not None:
                    out.append(one)
            return web.json_response(out)
        try:
            since = parse_w3c(q["start_date"], tz) if q.get("start_date") else None
            until = parse_w3c(q["end_date"], tz) if q.get("end_date") else None
        except (ValueError, OverflowError):
            return error(400, "start_date and end_date must be W3C dates, "
                              "e.g. 2026-01-01T00:00:00+08:00")
        if since is None and until is None:
            since = service.clock() - DEFAULT_WINDOW
        status = q.get("status")
        statuses = {None: PUBLISHED, "open": OPEN_STATUSES, "closed": CLOSED}.get(status)
        if statuses is None:
            return error(400, "status must be open or closed")
        code = q.get("service_code")
        if code and code not in categories:
            return error(400, f"unknown service_code {code}")
        chats = await public_chats()
        if not chats:
            return web.json_response([])
        page = await service.list_issues(
            IssueFilter(category=code, since=since, until=until, chat_ids=chats,
                        statuses=tuple(statuses)),
            page=1, page_size=500)
        return web.json_response([request_json(i) for i in page.items])

    async def one_request(request: web.Request) -> web.Response:
        x = request.match_info["id"]
        one = await published(int(x)) if x.isascii() and x.isdigit() else None
        if one is None:
            return error(404, f"service_request_id {x} not found")
        return web.json_response([one])

    async def create(request: web.Request) -> web.Response:
        try:
            form = await request.post()
        except (UnicodeDecodeError, ValueError):
            return error(400, "the body must be UTF-8 form data")
        key = str(form.get("api_key") or "")
        if not settings.open311_api_key or not hmac.compare_digest(
                key.encode(), settings.open311_api_key.encode()):
            return error(403, "invalid api_key")
        receiving = await service.get_group(settings.open311_group or 0)
        if receiving is None or receiving.department_code:
            return error(403, "this server does not accept new requests (no receiving group)")
        code = str(form.get("service_code") or "")
        if code not in categories:
            return error(400, "service_code is required and must be one of services.json")
        description = str(form.get("description") or "").strip()
        if not description:
            return error(400, "description is required")
        point = _point(form)
        if point is None:
            return error(400, "lat and long must be a point: -90..90, -180..180")
        lat, lon = point
        name = " ".join(x for x in (str(form.get("first_name") or ""),
                                    str(form.get("last_name") or "")) if x) or "Open311"
        report = NewReport(
            Channel.OPEN311, code, description, name,
            reporter_id=str(form.get("email") or "").strip() or None,
            external_id=_external_id(form),
            location=str(form.get("address_string") or "").strip()[:200] or None,
            lat=lat, lon=lon)
        try:
            result = await service.submit_report(receiving.chat_id, report)
        except IssueError as err:
            return error(400, err.code)
        if result.created:
            try:
                await service.opened_elsewhere(result.issue)
            except Exception:  # the request is recorded; the card can be asked for later
                log.exception("could not tell group %s about issue %s",
                              receiving.chat_id, result.issue.id)
        return web.json_response([{"service_request_id": str(result.issue.id),
                                   "service_notice": "已受理登记", "account_id": None}])

    return [
        web.get(f"{BASE}/discovery.json", discovery),
        web.get(f"{BASE}/services.json", services),
        web.get(f"{BASE}/services/{{code}}.json", service_definition),
        web.get(f"{BASE}/requests.json", list_requests),
        web.post(f"{BASE}/requests.json", create),
        web.get(f"{BASE}/requests/{{id}}.json", one_request),
    ]

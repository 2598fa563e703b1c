"""The map: issues with coordinates as points coloured by their light, clustered, over the
district's units drawn from the operator's GeoJSON (no tile server is assumed reachable; a tile
URL can be configured). The ledger's filters apply to the points."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from aiohttp import web

from issues.views import IssueView
from web.figures import issue_row
from web.pages import SETTINGS, issue_filter, svc_of
from web.palette import LIGHT_FILLS
from web.render import render

log = logging.getLogger(__name__)
MAX_POINTS = 5_000  # newest first; the page says when more matched
UNITS = web.AppKey("map_units", dict)


def feature(i: IssueView, tz: str, now: Any) -> dict[str, Any]:
    props = issue_row(i, tz, now)
    props["fill"] = LIGHT_FILLS[i.light or "none"]
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [i.lon, i.lat]},
            "properties": props}


async def map_page(request: web.Request) -> web.Response:
    m = request.app[SETTINGS].web_map
    return render(request, "map.html", q=request.query, query_string=request.query_string,
                  center=list(m.center), zoom=m.zoom, tile_url=m.tile_url,
                  tile_attribution=m.tile_attribution, fills=LIGHT_FILLS)


async def points(request: web.Request) -> web.Response:
    """The filtered issues that have coordinates, as a GeoJSON FeatureCollection."""
    svc = svc_of(request)
    f = issue_filter(request)
    tz = request.app[SETTINGS].timezone
    now = svc.clock()
    out: list[dict[str, Any]] = []
    scanned, page, more = 0, 1, False
    while True:
        got = await svc.list_issues(f, page=page, page_size=500)
        scanned += len(got.items)
        out += [feature(i, tz, now) for i in got.items if i.lat is not None and i.lon is not None]
        if len(got.items) < 500:
            break
        if len(out) >= MAX_POINTS or scanned >= 4 * MAX_POINTS:
            more = True
            break
        page += 1
    return web.json_response({"type": "FeatureCollection", "features": out[:MAX_POINTS],
                              "truncated": more or len(out) > MAX_POINTS})


def load_units(path: str | None) -> dict[str, Any]:
    """The operator's GeoJSON of the district's units; an empty collection (and a log line)
    when none is configured or the file cannot be read."""
    empty: dict[str, Any] = {"type": "FeatureCollection", "features": []}
    if not path:
        return empty
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("map units GeoJSON %s unreadable: %s", path, exc)
        return empty
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        log.warning("map units GeoJSON %s is not a FeatureCollection", path)
        return empty
    return data


async def units(request: web.Request) -> web.Response:
    if UNITS not in request.app:
        return web.json_response({"type": "FeatureCollection", "features": []})
    return web.json_response(request.app[UNITS])


def routes() -> list[web.RouteDef]:
    return [web.get("/map", map_page), web.get("/api/map.json", points),
            web.get("/api/units.geojson", units)]

"""The templates' environment: filters for times, rates and durations, the issue reference,
and links to the filtered ledger (every number on the dashboard is one)."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from issues.privacy import unnamed_view
from issues.views import LEVELS, EventView, IssueView, Page, percent
from web.auth import ROLE
from web.names import FACT_NAMES, LEVEL_NAMES, LIGHT_NAMES, STATUS_NAMES, event_detail
from web.palette import LIGHT_COLORS, family_of

EVENT_NAMES = {
    "open": "登记", "second": "同类反映 +1", "acknowledge": "受理", "assign": "交办",
    "progress": "进展", "resolve": "办结", "reject": "不予受理", "false_positive": "标记误识别",
    "reopen": "重新打开", "rate": "评价", "escalate": "吹哨上报", "auto_escalate": "超时自动升级",
    "claim": "部门报到认领", "photo": "补充照片", "locate": "补充位置", "edit": "修改原文",
    "reason": "不满意原因", "comment": "备注", "supervise": "督办", "joint": "发起攻坚",
    "joint_claim": "攻坚部门认领", "joint_done": "攻坚部门办结", "unrated": "回访未评价",
}
# Templates and static files are package data: found the same in a checkout and in a wheel.
HERE = Path(str(resources.files("web")))
TEMPLATES = web.AppKey("templates", Environment)


def ledger(**filters: object) -> str:
    """The ledger's address with these filters (empty ones left out)."""
    query = {k: str(v) for k, v in filters.items() if v not in (None, "")}
    return "/issues" + (f"?{urlencode(query)}" if query else "")


_LEVEL_NOTE = re.compile(r"层级：(grid|community|street|district)")


def _old_note(note: str | None) -> str:
    """Escalations written before events kept their facts as data named the level by its
    code in the note."""
    return _LEVEL_NOTE.sub(lambda m: f"层级：{LEVEL_NAMES[m.group(1)]}", note or "")


def minutes(value: float | None) -> str:
    """A duration given in minutes, in the unit a person would use."""
    if value is None:
        return "—"
    if value < 90:
        return f"{value:.0f} 分钟"
    if value < 48 * 60:
        return f"{value / 60:.1f} 小时"
    return f"{value / 1440:.1f} 天"


def make_env(tz: str, departments: dict[str, str] | None = None,
             categories: dict[str, str] | None = None) -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(["html"]))
    zone = ZoneInfo(tz)

    def t(at: datetime | None, fmt: str = "%m月%d日 %H:%M") -> str:
        return at.astimezone(zone).strftime(fmt) if at else "—"

    def detail(e: EventView) -> str:
        """What an event says besides its kind (facts, then note), as HTML."""
        return event_detail(EventView(e.kind, e.at, e.actor, e.from_status, e.to_status,
                                      _old_note(e.note), e.data), departments or {})

    env.filters.update(t=t, pct=percent, minutes=minutes, detail=detail)
    env.globals.update(STATUS_NAMES=STATUS_NAMES, CATEGORIES=categories or {},
                       LIGHT_NAMES=LIGHT_NAMES, LEVEL_NAMES=LEVEL_NAMES, FACT_NAMES=FACT_NAMES,
                       EVENT_NAMES=EVENT_NAMES, LEVELS=LEVELS,
                       LIGHT_COLORS=LIGHT_COLORS, ledger=ledger, family_of=family_of)
    return env


def for_role(value: Any, role: str | None) -> Any:
    """What a role may see of a page's data: the admin all of it; anyone else every issue as
    the public sees it (`issues.privacy`: free text masked, the reporter's name too), in
    lists and pages too."""
    if role == "admin":
        return value
    if isinstance(value, IssueView):
        return unnamed_view(value)
    if isinstance(value, Page):
        return dataclasses.replace(value, items=[unnamed_view(i) for i in value.items])
    if isinstance(value, list | tuple):
        return type(value)(for_role(v, role) for v in value)
    return value


def render(request: web.Request, name: str, **ctx: Any) -> web.Response:
    role = request.get(ROLE)
    html = request.app[TEMPLATES].get_template(name).render(
        role=role, **{k: for_role(v, role) for k, v in ctx.items()})
    return web.Response(text=html, content_type="text/html", charset="utf-8")

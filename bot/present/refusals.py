"""Refusals in words: the domain's error codes and data (`issues.errors`) rendered from the
`error_<code>` templates, with the names of statuses and actions and who may act."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.present.templates import has, render
from issues.errors import IssueError


def who_may(roles: Iterable[str], action: str) -> str:
    """"Only the reporter may rate", worded by the roles the domain says may act."""
    allowed = set(roles)
    if allowed == {"reporter"}:
        who = "reporter"
    elif allowed == {"department"}:
        who = "department"
    elif allowed == {"owner", "admin"}:
        who = "group_managers"
    elif "reporter" in allowed:
        who = "managers_or_reporter"
    else:
        who = "managers"
    return render(f"forbidden.{who}", action=act_name(action))


def act_name(action: str) -> str:
    return render(f"act.{action}") if has(f"act.{action}") else action


def refusal(err: IssueError) -> str:
    """The Telegram HTML a person reads for `err`."""
    params: dict[str, Any] = {"number": "?", **err.params}
    if err.code == "forbidden":
        params["reason"] = who_may(err.params.get("roles", ()), err.params.get("action", ""))
    elif err.code == "bad_transition":
        params["status"] = render(f"status.{err.params.get('status')}")
        params["action"] = act_name(str(err.params.get("action", "")))
    name = f"error_{err.code}"
    return render(name if has(name) else "error_invalid", **params)

"""The issue lifecycle: which action may start from which status, and who may take it."""

from __future__ import annotations

from issues.views import OPEN_STATUSES, STATUS_NAMES

MANAGERS = frozenset({"owner", "admin", "assignee", "department"})
ACTION_NAMES = {
    "acknowledge": "受理", "assign": "交办", "progress": "更新进展", "resolve": "办结",
    "reject": "不予受理", "reopen": "重新打开", "escalate": "吹哨上报", "claim": "报到认领",
    "rate": "评价", "photo": "补充照片", "locate": "补充位置",
}
# action → (statuses it may start from, roles allowed)
RULES: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "acknowledge": (("open",), MANAGERS),
    "assign": (OPEN_STATUSES, MANAGERS),
    "progress": (OPEN_STATUSES, MANAGERS),
    "resolve": (OPEN_STATUSES, MANAGERS),
    "reject": (OPEN_STATUSES, MANAGERS),
    "reopen": (("resolved", "closed", "rejected"), MANAGERS | {"reporter"}),
    "escalate": (OPEN_STATUSES, MANAGERS),
    "claim": (OPEN_STATUSES, frozenset({"department"})),
    "rate": (("resolved",), frozenset({"reporter"})),
    "photo": (tuple(STATUS_NAMES), MANAGERS | {"reporter"}),
    "locate": (tuple(STATUS_NAMES), MANAGERS | {"reporter"}),
}


def who_may(allowed: frozenset[str], action: str) -> str:
    name = ACTION_NAMES[action]
    if allowed == frozenset({"reporter"}):
        return f"只有提交人本人可以{name}"
    if allowed == frozenset({"department"}):
        return f"只有承办部门的成员可以{name}"
    if "reporter" in allowed:
        return f"只有群主、管理员、负责人或提交人可以{name}"
    return f"只有群主、管理员或负责人可以{name}"


def rating_word(score: int) -> str:
    return "满意" if score >= 4 else "基本满意" if score >= 3 else "不满意"

"""The issue lifecycle as one table: for each action, who may take it and, for each status it
may start from, the status it leads to.

`open` (待受理) → `acknowledged` (已受理) → `in_progress` (处理中) → `resolved` (已办结, awaiting
the resident's rating) → `closed` (已关闭); `rejected` (不予受理) from any open status; a
false detection is `withdrawn` (误识别): kept for the detector's learning, left out of every
statistic and public list. A resolved, closed, rejected or withdrawn issue may be reopened,
and a 不满意 rating reopens it. Escalation
level and department are kept apart from the status. This module is pure data: the actions
are applied by `issues.transitions`, which never sets a status the table does not give.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class Status(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # 误识别: not a request at all (不是诉求)


OPEN_STATUSES: tuple[Status, ...] = (Status.OPEN, Status.ACKNOWLEDGED, Status.IN_PROGRESS)
DONE_STATUSES: tuple[Status, ...] = (Status.RESOLVED, Status.CLOSED, Status.REJECTED,
                                     Status.WITHDRAWN)


class Role(StrEnum):
    """What a person is to an issue: the group's owner or admin, or the issue's assignee,
    reporter, or a member of the department it was sent to."""

    OWNER = "owner"
    ADMIN = "admin"
    ASSIGNEE = "assignee"
    DEPARTMENT = "department"
    REPORTER = "reporter"


MANAGERS = frozenset({Role.OWNER, Role.ADMIN, Role.ASSIGNEE, Role.DEPARTMENT})
GROUP_MANAGERS = frozenset({Role.OWNER, Role.ADMIN})


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    PROGRESS = "progress"
    RESOLVE = "resolve"
    REJECT = "reject"
    WITHDRAW = "withdraw"  # 不是诉求: a false detection, out of the statistics
    REOPEN = "reopen"
    ESCALATE = "escalate"
    CLAIM = "claim"
    RATE = "rate"  # 满意 / 基本满意: the issue is closed
    RATE_UNSATISFIED = "rate_unsatisfied"  # 不满意: the issue is worked on again
    PHOTO = "photo"
    LOCATE = "locate"


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    moves: Mapping[Status, Status]  # from-status → to-status; the keys are where it may start

    def may_start(self, status: str) -> bool:
        return status in self.moves

    def leads_to(self, status: str) -> Status:
        return self.moves[Status(status)]


def _moves(starts: Iterable[Status], to: Status | None) -> dict[Status, Status]:
    """Each start leads to `to`; None: the status stays as it is."""
    return {s: to or s for s in starts}


_REPORTER = frozenset({Role.REPORTER})

RULES: Mapping[Action, Rule] = MappingProxyType({
    Action.ACKNOWLEDGE: Rule(MANAGERS, _moves([Status.OPEN], Status.ACKNOWLEDGED)),
    Action.ASSIGN: Rule(MANAGERS, _moves(OPEN_STATUSES, Status.IN_PROGRESS)),
    Action.PROGRESS: Rule(MANAGERS, _moves(OPEN_STATUSES, Status.IN_PROGRESS)),
    Action.RESOLVE: Rule(MANAGERS, _moves(OPEN_STATUSES, Status.RESOLVED)),
    Action.REJECT: Rule(MANAGERS, _moves(OPEN_STATUSES, Status.REJECTED)),
    Action.WITHDRAW: Rule(MANAGERS, _moves(OPEN_STATUSES, Status.WITHDRAWN)),
    Action.REOPEN: Rule(MANAGERS | _REPORTER, {
        **_moves([Status.RESOLVED, Status.CLOSED], Status.IN_PROGRESS),
        # It was never taken on: back to 待受理.
        **_moves([Status.REJECTED, Status.WITHDRAWN], Status.OPEN),
    }),
    Action.ESCALATE: Rule(MANAGERS, _moves(OPEN_STATUSES, Status.IN_PROGRESS)),
    Action.CLAIM: Rule(frozenset({Role.DEPARTMENT}),
                       _moves(OPEN_STATUSES, Status.IN_PROGRESS)),
    Action.RATE: Rule(_REPORTER, _moves([Status.RESOLVED], Status.CLOSED)),
    Action.RATE_UNSATISFIED: Rule(_REPORTER, _moves([Status.RESOLVED], Status.IN_PROGRESS)),
    Action.PHOTO: Rule(MANAGERS | _REPORTER, _moves(Status, None)),
    Action.LOCATE: Rule(MANAGERS | _REPORTER, _moves(Status, None)),
})


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES


def reopens(before: str, after: str) -> bool:
    """A move from a finished status back to an open one (the owner is told)."""
    return before in DONE_STATUSES and after in OPEN_STATUSES


# Names a person reads; they move to config/templates with the domain's other texts.
ACTION_NAMES = {
    "acknowledge": "受理", "assign": "交办", "progress": "更新进展", "resolve": "办结",
    "reject": "不予受理", "withdraw": "标记为不是诉求", "reopen": "重新打开",
    "escalate": "吹哨上报", "claim": "报到认领",
    "rate": "评价", "rate_unsatisfied": "评价", "photo": "补充照片", "locate": "补充位置",
}


def who_may(allowed: frozenset[Role], action: str) -> str:
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

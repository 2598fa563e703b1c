"""The issue lifecycle as one table: for each action, who may take it and, for each status it
may start from, the status it leads to.

`open` → `acknowledged` → `in_progress` → `resolved` (awaiting the resident's rating) →
`closed`; `rejected` from any open status; a false detection is `withdrawn`: kept for the
detector's learning, left out of every statistic and public list. A resolved, closed,
rejected or withdrawn issue may be reopened, and an unsatisfied rating reopens it. (Their
names are in config/templates/zh-CN-names.yaml.) Escalation
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
    WITHDRAWN = "withdrawn"  # not a request at all: a false detection


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
    WITHDRAW = "withdraw"  # a false detection, out of the statistics
    REOPEN = "reopen"
    ESCALATE = "escalate"
    CLAIM = "claim"
    JOINT = "joint"  # sent to several departments at once, done when each has reported
    RATE = "rate"  # satisfied or fairly satisfied: the issue is closed
    RATE_UNSATISFIED = "rate_unsatisfied"  # unsatisfied: the issue is worked on again
    PHOTO = "photo"
    LOCATE = "locate"
    COMMENT = "comment"  # a note on the record (the reporter's reason for being unsatisfied)


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
        # It was never taken on: back to open.
        **_moves([Status.REJECTED, Status.WITHDRAWN], Status.OPEN),
    }),
    Action.ESCALATE: Rule(MANAGERS, _moves(OPEN_STATUSES, Status.IN_PROGRESS)),
    Action.JOINT: Rule(MANAGERS, _moves(OPEN_STATUSES, Status.IN_PROGRESS)),
    Action.CLAIM: Rule(frozenset({Role.DEPARTMENT}),
                       _moves(OPEN_STATUSES, Status.IN_PROGRESS)),
    Action.RATE: Rule(_REPORTER, _moves([Status.RESOLVED], Status.CLOSED)),
    Action.RATE_UNSATISFIED: Rule(_REPORTER, _moves([Status.RESOLVED], Status.IN_PROGRESS)),
    Action.PHOTO: Rule(MANAGERS | _REPORTER, _moves(Status, None)),
    Action.LOCATE: Rule(MANAGERS | _REPORTER, _moves(Status, None)),
    Action.COMMENT: Rule(MANAGERS | _REPORTER, _moves(Status, None)),
})


class GroupAct(StrEnum):
    """Acts on a group rather than on an issue; only the group's owner or admins take them."""

    SET_OWNER = "set_owner"
    SETTINGS = "settings"
    JOIN_UNIT = "join_unit"
    UNIT_HOME = "unit_home"
    VOTE = "vote"  # open a vote (a poll) in the group


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES


def reopens(before: str, after: str) -> bool:
    """A move from a finished status back to an open one (the owner is told)."""
    return before in DONE_STATUSES and after in OPEN_STATUSES

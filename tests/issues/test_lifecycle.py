"""The lifecycle table is what the service does: every action from every status either leads
where the table says or is refused, on both databases."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from issues.errors import AlreadyRated, InvalidTransition
from issues.lifecycle import OPEN_STATUSES, RULES, Action, Role, Status, reopens
from issues.service import IssueService
from issues.views import TransitionResult
from nlp.types import Detection
from tests.issues.conftest import CHAT, OWNER, RESIDENT

Step = Callable[[IssueService, int], Awaitable[TransitionResult]]

# How an issue reaches each status, from open.
REACH: dict[Status, list[Step]] = {
    Status.OPEN: [],
    Status.ACKNOWLEDGED: [lambda s, n: s.acknowledge(CHAT, n, OWNER)],
    Status.IN_PROGRESS: [lambda s, n: s.progress(CHAT, n, OWNER, "在修")],
    Status.RESOLVED: [lambda s, n: s.resolve(CHAT, n, OWNER)],
    Status.CLOSED: [lambda s, n: s.resolve(CHAT, n, OWNER),
                    lambda s, n: s.rate(CHAT, n, RESIDENT, 5)],
    Status.REJECTED: [lambda s, n: s.reject(CHAT, n, OWNER, "重复")],
    Status.WITHDRAWN: [lambda s, n: s.withdraw(CHAT, n, OWNER)],
}

# Each action, taken by someone the table allows (the reporter for ratings).
DO: dict[Action, Step] = {
    Action.ACKNOWLEDGE: lambda s, n: s.acknowledge(CHAT, n, OWNER),
    Action.ASSIGN: lambda s, n: s.assign(CHAT, n, OWNER, RESIDENT),
    Action.PROGRESS: lambda s, n: s.progress(CHAT, n, OWNER, "在修"),
    Action.RESOLVE: lambda s, n: s.resolve(CHAT, n, OWNER),
    Action.REJECT: lambda s, n: s.reject(CHAT, n, OWNER, "重复"),
    Action.WITHDRAW: lambda s, n: s.withdraw(CHAT, n, OWNER),
    Action.REOPEN: lambda s, n: s.reopen(CHAT, n, OWNER),
    Action.ESCALATE: lambda s, n: s.escalate(CHAT, n, OWNER),
    Action.JOINT: lambda s, n: s.oversight.joint(CHAT, n, OWNER, ["water", "gas"]),
    Action.RATE: lambda s, n: s.rate(CHAT, n, RESIDENT, 5),
    Action.RATE_UNSATISFIED: lambda s, n: s.rate(CHAT, n, RESIDENT, 1),
    Action.PHOTO: lambda s, n: s.add_photo(CHAT, n, OWNER, "file-1"),
    Action.LOCATE: lambda s, n: s.set_location(CHAT, n, OWNER, 28.2, 112.9),
    Action.COMMENT: lambda s, n: s.comment(CHAT, n, RESIDENT, "灯还是不亮"),
}


def test_every_action_has_one_rule_and_every_status_a_way_on() -> None:
    assert set(RULES) == set(Action)
    assert set(DO) == set(Action) - {Action.CLAIM}  # claim: test_department_escalation_and_claim
    for status in Status:
        assert any(rule.may_start(status) and rule.leads_to(status) != status
                   for rule in RULES.values()), status
    assert reopens(Status.RESOLVED, Status.IN_PROGRESS)
    assert not reopens(Status.OPEN, Status.IN_PROGRESS)
    assert RULES[Action.RATE].roles == {Role.REPORTER}
    # The design's edges (DESIGN.md "Issue lifecycle").
    assert dict(RULES[Action.REOPEN].moves) == {Status.RESOLVED: Status.IN_PROGRESS,
                                                Status.CLOSED: Status.IN_PROGRESS,
                                                Status.REJECTED: Status.OPEN,
                                                Status.WITHDRAWN: Status.OPEN}
    assert dict(RULES[Action.ACKNOWLEDGE].moves) == {Status.OPEN: Status.ACKNOWLEDGED}
    assert dict(RULES[Action.RATE].moves) == {Status.RESOLVED: Status.CLOSED}
    assert dict(RULES[Action.RATE_UNSATISFIED].moves) == {Status.RESOLVED: Status.IN_PROGRESS}
    assert {s: RULES[Action.REJECT].leads_to(s) for s in OPEN_STATUSES} == dict.fromkeys(
        OPEN_STATUSES, Status.REJECTED)
    assert RULES[Action.CLAIM].roles == {Role.DEPARTMENT}


async def test_the_service_moves_as_the_table_says(service: IssueService, group: int) -> None:
    message = 100
    for action, step in DO.items():
        rule = RULES[action]
        for status in Status:
            message += 1
            det = Detection(True, "streetlight", 0.8, False, f"{message}号门", "路灯坏了")
            opened = await service.intake(CHAT, message, RESIDENT, f"路灯坏了 {message}", det,
                                          explicit=True)
            number = opened.issue.number
            for reach in REACH[status]:
                await reach(service, number)
            assert (await service.get_issue(CHAT, number)).status == status
            if rule.may_start(status):
                result = await step(service, number)
                assert result.issue.status == rule.leads_to(status), (action, status)
                assert (result.event.from_status, result.event.to_status) == (
                    status, rule.leads_to(status))
                assert result.reopened == (status not in OPEN_STATUSES
                                           and result.issue.status in OPEN_STATUSES)
            else:
                try:
                    await step(service, number)
                except (InvalidTransition, AlreadyRated):
                    pass
                else:
                    raise AssertionError(f"{action} from {status} was not refused")
                assert (await service.get_issue(CHAT, number)).status == status

"""Reports from channels other than the group chat: a category given, a reporter known by the
channel's own id (or by nobody), the same report twice one issue; a chat user and an Open311
account are different identities even with the same digits."""

from __future__ import annotations

import pytest

from issues.errors import InvalidInput
from issues.service import IssueService
from issues.views import Channel, NewReport, PersonRef
from nlp import summarize
from nlp.types import Detection
from tests.issues.conftest import CHAT, OWNER


async def test_an_open311_request_opens_an_issue_without_a_chat_message(
        service: IssueService, group: int) -> None:
    report = NewReport(Channel.OPEN311, "noise", "晚上十点广场舞音响还开得很大", "刘先生",
                       reporter_id="liu@example.cn", external_id="req-1", location="广场",
                       lat=28.2, lon=112.9)
    made = await service.submit_report(CHAT, report)
    issue = made.issue
    assert made.created and issue.category == "noise" and issue.location_text == "广场"
    assert (issue.lat, issue.lon) == (28.2, 112.9) and issue.source_message_id is None
    assert issue.reporter == PersonRef(None, "刘先生", None)  # nobody to mention in the group
    again = await service.submit_report(CHAT, report)  # a client's retry
    assert again.issue.id == issue.id and not again.created and not again.seconded
    stored = await service.get_issue(CHAT, issue.number, with_events=True)
    assert [e.kind for e in stored.events] == ["open"]
    assert stored.reporter == PersonRef(None, "刘先生", None)
    # The owner works it like any other issue.
    done = await service.resolve(CHAT, issue.number, OWNER, "已劝导")
    assert done.issue.status == "resolved"


async def test_the_same_account_is_one_person_and_other_channels_are_others(
        service: IssueService, group: int) -> None:
    first = await service.submit_report(CHAT, NewReport(
        Channel.OPEN311, "noise", "广场舞太吵", "刘先生", reporter_id="2001", location="广场"))
    second = await service.submit_report(CHAT, NewReport(
        Channel.OPEN311, "road", "井盖丢了", "刘先生", reporter_id="2001", location="北门"))
    anonymous = await service.submit_report(CHAT, NewReport(
        Channel.HOTLINE, "road", "井盖又丢了", "市民", location="南门"))
    chat = await service.intake(CHAT, 9, PersonRef(2001, "李阿姨"), "3栋路灯坏了",
                                Detection(True, "streetlight", 0.8, False, "3栋", "路灯坏了"))
    assert anonymous.created and chat.created
    # Open311 account "2001" is not chat user 2001: the chat user has no Open311 issues.
    assert [i.number for i in await service.mine(CHAT, 2001)] == [chat.issue.number]
    assert chat.issue.reporter == PersonRef(2001, "李阿姨")
    assert first.issue.reporter.user_id is None and second.issue.reporter.user_id is None


async def test_a_report_needs_a_known_category_and_sane_coordinates(
        service: IssueService, group: int) -> None:
    with pytest.raises(InvalidInput):
        await service.submit_report(CHAT, NewReport(Channel.CLI, "nope", "x", "某人"))
    with pytest.raises(InvalidInput):
        await service.submit_report(CHAT, NewReport(Channel.CLI, "road", "x", "某人",
                                                    lat=123.0, lon=0.0))


async def test_an_order_from_another_channel_is_summed_up_whole(
        service: IssueService, group: int) -> None:
    """A hotline order's summary was its first 20 characters (…一个星期了，晚): the domain's
    own is its first clause; given the detector's, a long clause is cut between words."""
    order = NewReport(Channel.HOTLINE, "streetlight",
                      "幸福路12号门口路灯不亮一个星期了，晚上很黑", "12345",
                      external_id="2026113000001")
    assert (await service.submit_report(CHAT, order)).issue.summary == \
        "幸福路12号门口路灯不亮一个星期了"
    reading = IssueService(service.db, service.settings, clock=service.clock,
                           summarize=summarize)
    order = NewReport(Channel.HOTLINE, "other",
                      "市民咨询社保卡补办需要带哪些材料以及办理地点在哪里", "12345",
                      external_id="2026113000002")
    assert (await reading.submit_report(CHAT, order)).issue.summary == \
        "市民咨询社保卡补办需要带哪些材料以及办理"

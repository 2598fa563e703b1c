"""`suqiu nlp feedback`'s rows: what owners taught the detector, for `suqiu nlp train`."""

from __future__ import annotations

from issues.service import IssueService
from nlp.types import Detection
from tests.issues.conftest import CHAT, OWNER, RESIDENT

LIGHT = Detection(True, "streetlight", 0.9, False, "3栋门口", "3栋门口路灯坏了")


async def test_feedback_holds_not_issues_and_reports_the_detector_missed(
        service: IssueService, group: int) -> None:
    await service.intake(CHAT, 10, RESIDENT, "路灯下面好多人打羽毛球", LIGHT)
    await service.reject(CHAT, 1, OWNER, "不是诉求", as_false_positive=True)
    # /report of a message the detector passed over: a positive, with the category it has
    missed = Detection(True, "facility", 1.0, False, None, "晾衣架坏了")
    await service.intake(CHAT, 11, RESIDENT, "小区的公共晾衣架坏了好久", missed, explicit=True)
    await service.intake(CHAT, 12, RESIDENT, "5栋门口路灯不亮", LIGHT)  # found by itself
    rows = [(r["text"], r["label"]) for r in await service.feedback_rows()]
    assert rows == [("路灯下面好多人打羽毛球", "none"), ("小区的公共晾衣架坏了好久", "facility")]

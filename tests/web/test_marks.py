"""曾超时 and 已升级 stay visible beyond the group: on the dashboard's ledger and issue pages
and in the exported ledger (an issue acknowledged a day late, then sent to 城管)."""

from __future__ import annotations

import csv
import io

from tests.web.conftest import CHAT, Dash, login


async def test_late_and_escalated_marks_on_the_dashboard_and_in_the_export(dash: Dash) -> None:
    issue = await dash.svc.get_issue(CHAT, 2)
    assert issue.was_late and issue.escalated
    fresh = await dash.svc.get_issue(CHAT, 1)
    assert not fresh.escalated
    client = dash.client
    await login(client, "admin-secret")
    page = await (await client.get(f"/issues/{issue.id}")).text()
    assert "曾超时" in page and "已升级" in page
    listing = await (await client.get(f"/issues?group={CHAT}")).text()
    assert listing.count("已升级") >= 1 and "曾超时" in listing
    raw = await (await client.get(f"/export.csv?group={CHAT}")).read()
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    marked = {r["群内编号"]: r["标记"] for r in rows}
    assert marked["2"] == "曾超时、已升级"

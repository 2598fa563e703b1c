"""#15 items 1 and 2: registering a department's group, binding a unit's own group and
re-parenting a unit are the district's acts (its admins, or a dashboard admin's one-time
code); a binding is never replaced silently; a residents' group never becomes a department's.
Through the sandbox, with the real bot."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from tests.security.conftest import TrustHarness
from web.app import make_app


async def _stranger_group(h: TrustHarness, title: str = "黑群") -> tuple[int, int]:
    """A brand-new group of someone who is nobody to the district."""
    stranger = await h.client.create_user("路人甲")
    return await h.new_group(title, stranger), stranger


async def test_a_member_cannot_make_their_group_a_department(trust_bot: Any) -> None:
    h: TrustHarness = await trust_bot()
    g = await h.group()
    chat, owner, resident = g["chat"], g["owner"], g["residents"][0]
    hostile, stranger = await _stranger_group(h)
    assert "区级管理员" in await h.answer(hostile, stranger, "/dept add chengguan")
    assert "区级管理员" in await h.answer(chat, owner, "/dept add chengguan")
    assert await h.service.department_chat("chengguan") is None
    assert (await h.service.get_group(hostile)).department_code is None  # type: ignore[union-attr]
    # With no department group of its own, /claim and /done are refused everywhere else.
    sent = await h.say(chat, resident, "3栋门口路灯坏了好几天了")
    await h.reply_from_bot(chat, sent["message_id"], lambda m: "#1" in h.text(m))
    issue = await h.service.get_issue(chat, 1)
    assert "部门群" in await h.answer(hostile, stranger, f"/claim {issue.id}")
    assert "部门群" in await h.answer(hostile, stranger, f"/done {issue.id} 已处理")
    assert (await h.service.get_issue(chat, 1)).status == "open"


async def test_rebinding_a_department_tells_the_old_group(trust_bot: Any) -> None:
    h: TrustHarness = await trust_bot()
    first = await h.new_group("城管一中队", h.district_admin)
    assert "部门群" in await h.answer(first, h.district_admin, "/dept add chengguan")
    second = await h.new_group("城管二中队", h.district_admin)
    assert "部门群" in await h.answer(second, h.district_admin, "/dept add chengguan")
    told = await h.client.wait_for(first, lambda m: "不再是" in h.text(m))
    assert "城管二中队" in h.text(told)
    assert await h.service.department_chat("chengguan") == second
    assert (await h.service.get_group(first)).department_code is None  # type: ignore[union-attr]


async def test_a_residents_group_never_becomes_a_department(trust_bot: Any) -> None:
    h: TrustHarness = await trust_bot()
    g = await h.group()
    chat, resident = g["chat"], g["residents"][0]
    await h.client.add_member(chat, h.district_admin, "administrator")
    sent = await h.say(chat, resident, "3栋门口路灯坏了好几天了")
    await h.reply_from_bot(chat, sent["message_id"], lambda m: "#1" in h.text(m))
    assert "居民群" in await h.answer(chat, h.district_admin, "/dept add chengguan")
    assert await h.service.department_chat("chengguan") is None


async def test_a_dashboard_admin_code_works_once(trust_bot: Any) -> None:
    h: TrustHarness = await trust_bot()
    settings = dataclasses.replace(h.app.bot_data.settings,
                                   dashboard_admin_token="admin-secret")
    client = TestClient(TestServer(make_app(settings, h.service)))
    await client.start_server()
    try:
        await client.post("/login", data={"token": "admin-secret", "next": "/"})
        page = await (await client.post("/admin/code")).text()
        code = re.search(r'id="access-code">([A-Z0-9]+)<', page)
        assert code is not None
        # the example commands are the ones people type (Chinese words, the department's name)
        assert f"/dept 登记 城管 {code.group(1)}" in page and "chengguan" not in page
        hostile, stranger = await _stranger_group(h, "供电所报到群")
        answer = await h.answer(hostile, stranger, f"/dept add power {code.group(1)}")
        assert "部门群" in answer and "区级管理员" not in answer
        assert await h.service.department_chat("power") == hostile
        again, other = await _stranger_group(h, "另一个群")
        assert "区级管理员" in await h.answer(again, other, f"/dept add water {code.group(1)}")
        assert await h.service.department_chat("water") is None
    finally:
        await client.close()


async def test_units_cannot_be_taken_over(trust_bot: Any) -> None:
    """Item 2: a new group's owner can neither make itself 幸福社区's own group nor move
    幸福社区 under a street of their choosing; the district can, and the old group is told."""
    h: TrustHarness = await trust_bot()
    community = await h.new_group("幸福社区工作群", h.district_admin)
    assert "工作群" in await h.answer(community, h.district_admin, "/unit home 幸福社区 社区")
    g = await h.group()
    assert "已归属" in await h.answer(g["chat"], g["owner"], "/unit join 幸福社区 社区")
    hostile, stranger = await _stranger_group(h)
    refused = await h.answer(hostile, stranger, "/unit home 幸福社区 社区")
    assert "区级管理员" in refused and "/unit 工作群 幸福社区 社区 授权码" in refused
    assert "区级管理员" in await h.answer(hostile, stranger, "/unit join 幸福社区 社区 黑街道")
    assert "区级管理员" in await h.answer(hostile, stranger, "/unit join 黑社区 社区")
    units = {name: (uid, chat) for uid, name, _level, chat in await h.service.org_units()}
    assert units["幸福社区"][1] == community and "黑街道" not in units and "黑社区" not in units
    assert await h.service.unit_chat(g["chat"], 1) == community
    # The district moves the community's own group: the old one is told.
    new_home = await h.new_group("幸福社区新工作群", h.district_admin)
    assert "工作群" in await h.answer(new_home, h.district_admin, "/unit home 幸福社区 社区")
    told = await h.client.wait_for(community, lambda m: "不再是" in h.text(m))
    assert "幸福社区新工作群" in h.text(told)

"""Every template reads as Chinese: no English word that is not a command, a number or a
username. (Every bot message the sandbox-driven tests produce is checked the same way when
their harness closes: tests/bot/conftest.py.)"""

from __future__ import annotations

import yaml

from bot.present.templates import SHIPPED
from tests.chinese import english_in_calls, english_words


def _templates() -> list[tuple[str, str]]:
    out = []
    for path in sorted(SHIPPED.glob("*.yaml")):
        for key, value in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            items = value.items() if isinstance(value, dict) else [("", value)]
            out += [(f"{path.name}:{key}.{sub}".rstrip("."), str(v)) for sub, v in items]
    return out


def test_every_template_reads_as_chinese() -> None:
    leaks = {name: words for name, text in _templates()
             if (words := english_words(text, template=True))}
    assert leaks == {}


def test_the_check_catches_what_leaked_before() -> None:
    for leaked in ("层级：grid", "超时自动升级至community", "灵敏度：normal",
                   "（/settings auto on|off）", "路灯照明（streetlight）", "(would-open)"):
        assert english_words(leaked), leaked
    for fine in ("发送 /report@suqiu_bot 问题描述", "负责人：@wang_wangge", "时限 20:00",
                 '<a href="tg://user?id=5">王网格</a> 请跟进', "#12 共 3 人反映"):
        assert english_words(fine) == [], fine
    calls = [{"method": "sendMessage", "params": {"text": "灵敏度：normal"}},
             {"method": "editMessageText", "params": {"text": "状态：已受理"}},
             {"method": "getMe", "params": {}},
             {"method": "setMyCommands", "params": {
                 "commands": '[{"command": "dept", "description": "部门群：/dept 登记 code"}]'}}]
    assert [c[2] for c in english_in_calls(calls)] == [["normal"], ["code"]]

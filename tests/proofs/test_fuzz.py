"""Hypothesis-driven input: any text into the detector, any arguments into the commands, any
body into the webhook. Nothing crashes; every bad command gets an answer."""

from __future__ import annotations

import json
import random
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.handlers.commands import _number
from bot.serve.webhook import webhook_routes
from bot.settings import bot_settings
from issues.settings import load_settings
from nlp import detect
from tests.bot.conftest import Harness

CHAT_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=300) | st.sampled_from(
    ["3栋门口路灯坏了", "冇得路灯", "［图片］", "@物业", "😡😡", "/report", "\u200b", ""])


@settings(max_examples=300, deadline=None)
@given(st.lists(CHAT_TEXT, max_size=4).map("".join))
def test_detector_never_crashes(text: str) -> None:
    d = detect(text)
    assert isinstance(d.is_issue, bool) and 0.0 <= d.confidence <= 1.0
    assert len(d.summary) <= 20
    assert d.category


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=12), max_size=4))
def test_issue_number_parser(args: list[str]) -> None:
    n = _number(args)
    assert n is None or (n >= 0 and str(n) in args[0])


def _random_body(rng: random.Random, depth: int = 0) -> Any:
    """Update-shaped junk: the keys a handler looks for, with values of the wrong kinds."""
    kinds = ["none", "int", "str", "list", "dict"] if depth < 3 else ["none", "int", "str"]
    kind = rng.choice(kinds)
    if kind == "int":
        return rng.choice([0, -1, 2**63, rng.randint(-10**6, 10**6)])
    if kind == "str":
        return rng.choice(["", "路灯坏了", "\u0000", "😡" * 50, "x" * 5000])
    if kind == "list":
        return [_random_body(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if kind == "dict":
        keys = ["update_id", "message", "text", "chat", "from", "id", "message_id", "date",
                "callback_query", "data", "edited_message", "my_chat_member"]
        return {rng.choice(keys): _random_body(rng, depth + 1)
                for _ in range(rng.randint(0, 5))}
    return None


async def test_malformed_webhook_bodies_are_refused_not_crashing(harness: Harness) -> None:
    app_settings = load_settings(env={"SUQIU_WEBHOOK_SECRET": "s", "SUQIU_WEBHOOK_URL": "x"})
    site = web.Application()
    site.add_routes(webhook_routes(harness.app, app_settings))
    rng = random.Random(20261124)
    async with TestClient(TestServer(site)) as http:
        for _ in range(60):
            body = _random_body(rng)
            resp = await http.post(bot_settings(app_settings).webhook_path, data=json.dumps(body),
                                   headers={"X-Telegram-Bot-Api-Secret-Token": "s"})
            assert resp.status in (200, 400)
        resp = await http.post(bot_settings(app_settings).webhook_path, data=b"\xff\xfe not json",
                               headers={"X-Telegram-Bot-Api-Secret-Token": "s"})
        assert resp.status == 400
    # The bot is still alive and answering.
    g = await harness.group()
    m = await harness.say(g["chat"], g["owner"], "/help")
    assert "使用说明" in (await harness.reply_from_bot(g["chat"], m["message_id"]))["text"]


async def test_every_bad_command_is_answered(harness: Harness) -> None:
    g = await harness.group()
    rng = random.Random(7)
    junk = ["", "#", "-1", "99999999999", "abc", "１２", "#0", "@nobody", "😡", "\u200b",
            "1 " + "长" * 500, "0x10", "1.5"]
    for cmd in ("ack", "resolve", "reject", "reopen", "progress", "assign", "issue",
                "settings", "setowner", "escalate", "claim", "done", "nosuchcommand"):
        arg = rng.choice(junk)
        m = await harness.say(g["chat"], g["owner"], f"/{cmd} {arg}".strip())
        reply = await harness.reply_from_bot(g["chat"], m["message_id"])
        assert reply["text"], (cmd, arg)

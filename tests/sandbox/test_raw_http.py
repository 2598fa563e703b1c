"""What no client library sends but Telegram answers anyway: malformed parameters, broken
bodies, unknown methods (issue #19 item 8), checked over raw HTTP."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from sandbox.server import Sandbox


async def _post(sandbox: Sandbox, method: str, **kw: Any) -> tuple[int, str, Any]:
    async with aiohttp.ClientSession() as http, http.post(
            f"{sandbox.bot_api_base}{sandbox.token}/{method}", **kw) as resp:
        body = await resp.text()
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        return resp.status, resp.content_type, parsed


async def test_unknown_method_is_404(sandbox: Sandbox) -> None:
    status, ctype, body = await _post(sandbox, "sendHologram", data={"chat_id": 1})
    assert status == 404 and ctype == "application/json"
    assert body == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}


async def test_method_names_are_case_insensitive(sandbox: Sandbox) -> None:
    status, _, body = await _post(sandbox, "GETME")
    assert status == 200 and body["result"]["username"] == "suqiu_bot"


async def test_malformed_parameters_are_400_json(sandbox: Sandbox,
                                                 group: dict[str, int]) -> None:
    chat = group["chat"]
    status, ctype, body = await _post(sandbox, "sendMessage", data={
        "chat_id": chat, "text": "x", "reply_markup": "[[1, 2]]"})
    assert (status, ctype) == (400, "application/json")
    assert body["description"] == "Bad Request: object expected as reply markup"
    status, _, body = await _post(sandbox, "sendMessage", data={
        "chat_id": chat, "text": "x", "reply_markup": "{not json"})
    assert body["description"] == "Bad Request: can't parse reply keyboard markup JSON object"
    status, _, body = await _post(sandbox, "sendMessage", json={
        "chat_id": chat, "text": "x", "reply_markup": {"inline_keyboard": [{"text": "a"}]}})
    assert body["description"] == ('Bad Request: Field "inline_keyboard" of the '
                                   "InlineKeyboardMarkup must be an Array of Arrays")
    # Entities that are no JSON array are ignored by Telegram, not refused.
    status, _, body = await _post(sandbox, "sendMessage", data={
        "chat_id": chat, "text": "普通文字", "entities": '{"type": "bold"}'})
    assert status == 200 and "entities" not in body["result"]
    status, _, body = await _post(sandbox, "sendMessage", data={
        "chat_id": chat, "text": "粗体", "entities": '[{"type": "bold", "offset": 0, '
                                                    '"length": 1}, 5]'})
    assert body["description"] == "Bad Request: can't parse MessageEntity: expected an Object"


async def test_broken_json_body_is_400_with_no_body(sandbox: Sandbox) -> None:
    status, _, body = await _post(sandbox, "sendMessage", data=b'{"chat_id": 1, "text": ',
                                  headers={"Content-Type": "application/json"})
    # tdlib's HTTP reader refuses the request before the Bot API sees it: status only.
    assert status == 400 and body is None


async def test_json_body_values_keep_their_types(sandbox: Sandbox,
                                                 group: dict[str, int]) -> None:
    status, _, body = await _post(sandbox, "sendMessage", json={
        "chat_id": group["chat"], "text": "<b>粗</b>", "parse_mode": "HTML",
        "reply_markup": {"inline_keyboard": [[{"text": "受理", "callback_data": "ack:1"}]]}})
    assert status == 200
    assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "ack:1"
    assert body["result"]["entities"] == [{"type": "bold", "offset": 0, "length": 1}]

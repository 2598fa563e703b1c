"""Helpers every control-API handler shares; bad input is a 400 that says what is wrong."""

from __future__ import annotations

from typing import Any, Literal, overload

from aiohttp import web

from sandbox.state import Chat, FloodControl, SandboxState


class ControlError(Exception):
    """Bad input to the control API: answered 400 with a clear message."""


@overload
def body_int(body: dict[str, Any], key: str, required: Literal[True] = True) -> int: ...


@overload
def body_int(body: dict[str, Any], key: str, required: bool) -> int | None: ...


def body_int(body: dict[str, Any], key: str, required: bool = True) -> int | None:
    value = body.get(key)
    if value is None:
        if required:
            raise ControlError(f"missing field: {key}")
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ControlError(f"{key} must be an integer") from None


class ControlBase:
    def __init__(self, state: SandboxState, flood: FloodControl | None = None) -> None:
        self.state = state
        self.flood = flood

    @staticmethod
    async def body(request: web.Request) -> dict[str, Any]:
        if not request.can_read_body:
            return {}
        try:
            body = await request.json()
        except ValueError:
            raise ControlError("body must be JSON") from None
        if not isinstance(body, dict):
            raise ControlError("body must be a JSON object")
        return body

    def chat(self, request: web.Request) -> Chat:
        try:
            return self.state.chats[int(request.match_info["chat_id"])]
        except (KeyError, ValueError):
            raise ControlError(f"no such chat: {request.match_info['chat_id']}") from None

    def group(self, request: web.Request) -> Chat:
        chat = self.chat(request)
        if chat.type == "private":
            raise ControlError("this is a private chat, not a group")
        return chat

    def user(self, user_id: int | None) -> dict[str, Any]:
        if user_id not in self.state.users:
            raise ControlError(f"no such user: {user_id}")
        return self.state.users[user_id]

    def chat_api(self, chat: Chat) -> dict[str, Any]:
        out = {**chat.as_api(), "members": [
            {"user": self.state.users[uid], "status": status}
            for uid, status in chat.members.items()
        ], "pinned_message_ids": list(chat.pinned)}
        if chat.is_forum:
            out["topics"] = [{"message_thread_id": t, "name": n} for t, n in chat.topics.items()]
        if chat.migrated_to is not None:
            out["migrate_to_chat_id"] = chat.migrated_to
        if chat.migrated_from is not None:
            out["migrate_from_chat_id"] = chat.migrated_from
        return out

    async def push(self, kind: str, payload: dict[str, Any]) -> int | None:
        uid = self.state.push_update(kind, payload)
        await self.state.notify()
        return uid

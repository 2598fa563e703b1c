"""Async client for the sandbox control API, for tests, benches and the demo."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import aiohttp


class SandboxError(RuntimeError):
    """The control API refused a request (its message says why)."""


class SandboxClient:
    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/") + "/sandbox/api"
        self._http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None,
                    params: dict[str, Any] | None = None) -> Any:
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        async with self._http.request(method, self.base + path, json=body,
                                      params=params) as resp:
            data = await resp.json()
            if resp.status >= 400:
                raise SandboxError(data.get("error", str(data)))
            return data

    # --- people and groups ------------------------------------------------------------------
    async def create_user(self, first_name: str, last_name: str | None = None,
                          username: str | None = None, is_bot: bool = False) -> int:
        body = {"first_name": first_name, "last_name": last_name, "username": username,
                "is_bot": is_bot}
        return int((await self._call("POST", "/users", body))["id"])

    async def create_chat(self, title: str, creator_id: int, type: str = "supergroup",
                          is_forum: bool = False) -> int:
        body = {"title": title, "creator_id": creator_id, "type": type, "is_forum": is_forum}
        return int((await self._call("POST", "/chats", body))["id"])

    async def chats(self) -> list[dict[str, Any]]:
        return list((await self._call("GET", "/chats"))["chats"])

    async def chat(self, chat_id: int) -> dict[str, Any]:
        return dict(await self._call("GET", f"/chats/{chat_id}"))

    async def add_member(self, chat_id: int, user_id: int, status: str = "member",
                         by: int | None = None) -> dict[str, Any]:
        """Add, promote ("administrator"), demote ("member"), remove ("left") or ban
        ("kicked") someone; `by` is who does it (default: the creator)."""
        body: dict[str, Any] = {"user_id": user_id, "status": status}
        if by is not None:
            body["by"] = by
        return dict(await self._call("POST", f"/chats/{chat_id}/members", body))

    async def add_bot(self, chat_id: int, status: str = "member") -> None:
        await self.add_member(chat_id, int((await self.bot_info())["id"]), status)

    async def migrate(self, chat_id: int) -> int:
        """Upgrade a basic group to a supergroup; returns the supergroup's id."""
        return int((await self._call("POST", f"/chats/{chat_id}/migrate", {}))["id"])

    async def start_bot(self, user_id: int, text: str = "/start") -> dict[str, Any]:
        """The user opens a private chat with the bot and sends /start (or text)."""
        return dict(await self._call("POST", f"/users/{user_id}/start", {"text": text}))

    async def block_bot(self, user_id: int, blocked: bool = True) -> dict[str, Any]:
        """The user blocks (or unblocks) the bot in their private chat."""
        return dict(await self._call("POST", f"/chats/{user_id}/block", {"blocked": blocked}))

    async def create_topic(self, chat_id: int, from_id: int, name: str) -> int:
        body = {"from_id": from_id, "name": name}
        return int((await self._call("POST", f"/chats/{chat_id}/topics",
                                     body))["message_thread_id"])

    async def vote(self, poll_id: str, user_id: int, option_ids: list[int]) -> dict[str, Any]:
        """A member answers the bot's poll ([] retracts the vote)."""
        body = {"user_id": user_id, "option_ids": option_ids}
        return dict(await self._call("POST", f"/polls/{poll_id}/answer", body))

    async def expire_poll(self, poll_id: str) -> None:
        """The poll's time runs out now: it closes and the bot gets a `poll` update."""
        await self._call("POST", f"/polls/{poll_id}/close", {})

    async def react(self, chat_id: int, message_id: int, user_id: int,
                    emoji: str | None) -> dict[str, Any]:
        body = {"user_id": user_id, "emoji": emoji}
        return dict(await self._call("POST", f"/chats/{chat_id}/messages/{message_id}/react",
                                     body))

    # --- messages ---------------------------------------------------------------------------
    async def send(self, chat_id: int, from_id: int, text: str | None = None, *,
                   caption: str | None = None, photo: bool = False,
                   location: tuple[float, float] | None = None,
                   reply_to_message_id: int | None = None, **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"from_id": from_id, **extra}
        if text is not None:
            body["text"] = text
        if caption is not None:
            body["caption"] = caption
        if photo:
            body["photo"] = True
        if location is not None:
            body["location"] = {"latitude": location[0], "longitude": location[1]}
        if reply_to_message_id is not None:
            body["reply_to_message_id"] = reply_to_message_id
        return dict(await self._call("POST", f"/chats/{chat_id}/messages", body))

    async def edit(self, chat_id: int, message_id: int, text: str) -> dict[str, Any]:
        return dict(await self._call("POST", f"/chats/{chat_id}/messages/{message_id}/edit",
                                     {"text": text}))

    async def press(self, chat_id: int, from_id: int, message_id: int, data: str) -> str:
        body = {"from_id": from_id, "message_id": message_id, "data": data}
        return str((await self._call("POST", f"/chats/{chat_id}/callback",
                                     body))["callback_query_id"])

    async def callback_answer(self, callback_query_id: str,
                              timeout: float = 10) -> dict[str, Any] | None:
        data = await self._call("GET", f"/callbacks/{callback_query_id}",
                                params={"wait": timeout})
        return dict(data) if data.get("answered") else None

    async def messages(self, chat_id: int, after_id: int = 0) -> list[dict[str, Any]]:
        data = await self._call("GET", f"/chats/{chat_id}/messages",
                                params={"after_id": after_id})
        return list(data["messages"])

    async def bot_messages(self, chat_id: int, after_id: int = 0) -> list[dict[str, Any]]:
        bot_id = int((await self.bot_info())["id"])
        return [m for m in await self.messages(chat_id, after_id) if m["from"]["id"] == bot_id]

    async def wait_for(self, chat_id: int, predicate: Callable[[dict[str, Any]], bool],
                       timeout: float = 15, after_id: int = 0) -> dict[str, Any]:
        """The first message (after after_id) matching predicate; polls until timeout."""
        deadline = time.monotonic() + timeout
        while True:
            msgs = await self.messages(chat_id, after_id)
            for m in msgs:
                if predicate(m):
                    return m
            if time.monotonic() > deadline:
                transcript = "\n".join(
                    f"  #{m['message_id']} {m['from'].get('first_name')}: "
                    f"{m.get('text') or m.get('caption') or '<media>'}" for m in msgs)
                raise TimeoutError(f"no matching message in chat {chat_id} after "
                                   f"{timeout}s; transcript:\n{transcript}")
            await asyncio.sleep(0.1)

    # --- the bot, faults, log ---------------------------------------------------------------
    async def bot_info(self) -> dict[str, Any]:
        return dict(await self._call("GET", "/bot"))

    async def set_privacy(self, can_read_all: bool) -> None:
        await self._call("POST", "/bot", {"can_read_all_group_messages": can_read_all})

    async def set_faults(self, error_rate: float = 0, codes: tuple[int, ...] | list[int] = (500,),
                         latency_ms: int | tuple[int, int] = 0, **kw: Any) -> None:
        lat = list(latency_ms) if isinstance(latency_ms, tuple) else latency_ms
        await self._call("POST", "/faults", {"error_rate": error_rate, "codes": list(codes),
                                             "latency_ms": lat, **kw})

    async def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        params = {"method": method} if method else None
        return list((await self._call("GET", "/calls", params=params))["calls"])

    async def reset(self) -> None:
        await self._call("POST", "/reset", {})

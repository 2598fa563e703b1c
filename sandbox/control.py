"""The sandbox control API (/sandbox/api/...): people, groups, messages, buttons, faults.

Residents' side of the conversation: what a test or the chat page does here reaches the bot
as ordinary Telegram updates. See sandbox/README.md for every route.
"""

from __future__ import annotations

import random
from typing import Any

from aiohttp import web

from sandbox.control_base import ControlError
from sandbox.control_messages import MessageControl
from sandbox.control_people import PeopleControl
from sandbox.state import Faults


class ControlApi(PeopleControl, MessageControl):
    def routes(self) -> list[web.RouteDef]:
        p = "/sandbox/api"
        chat = f"{p}/chats/{{chat_id}}"
        return [
            web.post(f"{p}/users", self.create_user),
            web.get(f"{p}/users", self.list_users),
            web.post(f"{p}/users/{{user_id}}/start", self.start_private),
            web.post(f"{p}/chats", self.create_chat),
            web.get(f"{p}/chats", self.list_chats),
            web.get(chat, self.get_chat),
            web.post(f"{chat}/members", self.set_member),
            web.post(f"{chat}/migrate", self.migrate),
            web.post(f"{chat}/topics", self.create_topic),
            web.post(f"{chat}/block", self.block_bot),
            web.post(f"{chat}/messages", self.post_message),
            web.get(f"{chat}/messages", self.get_messages),
            web.post(f"{chat}/messages/{{message_id}}/edit", self.edit_message),
            web.post(f"{chat}/messages/{{message_id}}/react", self.react),
            web.post(f"{chat}/callback", self.press_button),
            web.get(f"{p}/callbacks/{{cq_id}}", self.get_callback),
            web.post(f"{p}/polls/{{poll_id}}/answer", self.vote),
            web.post(f"{p}/polls/{{poll_id}}/close", self.expire_poll),
            web.get(f"{p}/files/{{file_id}}", self.get_file),
            web.get(f"{p}/bot", self.get_bot),
            web.post(f"{p}/bot", self.set_bot),
            web.post(f"{p}/faults", self.set_faults),
            web.get(f"{p}/calls", self.get_calls),
            web.post(f"{p}/reset", self.reset),
        ]

    # --- the bot, faults, log ---------------------------------------------------------------
    async def get_bot(self, request: web.Request) -> web.Response:
        st = self.state
        wh = st.webhook
        return web.json_response({
            **st.bot_user, "token": st.token, "can_read_all_group_messages": st.can_read_all,
            "webhook": None if wh is None else {
                "url": wh.url, "has_secret": wh.secret is not None,
                "pending_update_count": len(st.updates),
                "last_error_message": wh.last_error_message},
            "pending_updates": len(st.updates), "sent_429": st.sent_429,
            "calls": dict(st.call_counts), "started_by": sorted(st.started),
            "faults": {"error_rate": st.faults.error_rate, "codes": list(st.faults.codes)},
        })

    async def set_bot(self, request: web.Request) -> web.Response:
        body = await self.body(request)
        if "can_read_all_group_messages" not in body:
            raise ControlError("can_read_all_group_messages is required")
        self.state.can_read_all = bool(body["can_read_all_group_messages"])
        await self.state.notify()
        return web.json_response({"can_read_all_group_messages": self.state.can_read_all})

    async def set_faults(self, request: web.Request) -> web.Response:
        body = await self.body(request)
        try:
            rate = float(body.get("error_rate", 0))
            codes = tuple(int(c) for c in body.get("codes", (500,)))
            lat = body.get("latency_ms", 0)
            latency = (int(lat[0]), int(lat[1])) if isinstance(lat, list) else (0, int(lat))
            retry = int(body.get("retry_after", 1))
        except (TypeError, ValueError, IndexError):
            raise ControlError(
                "error_rate, codes, latency_ms and retry_after must be numbers") from None
        if not 0 <= rate <= 1:
            raise ControlError("error_rate must be between 0 and 1")
        methods = body.get("methods")
        seed = body.get("seed", self.state.seed)
        self.state.faults = Faults(rate, codes or (500,), latency, retry,
                                   frozenset(methods) if methods else None, random.Random(seed))
        return web.json_response({"ok": True})

    async def get_calls(self, request: web.Request) -> web.Response:
        method = request.query.get("method")
        calls = [c for c in self.state.calls if method is None or c["method"] == method]
        return web.json_response({"calls": calls})

    async def reset(self, request: web.Request) -> web.Response:
        """Forget every user, chat and update, and start flood windows, privacy mode and
        faults afresh, so one test's traffic never limits the next one's."""
        self.state.reset()
        if self.flood is not None:
            self.flood.reset()
        await self.state.notify()
        return web.json_response({"ok": True})


@web.middleware
async def control_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except ControlError as exc:
        return web.json_response({"error": str(exc)}, status=400)

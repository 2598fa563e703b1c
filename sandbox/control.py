"""The sandbox control API (/sandbox/api/...): people, groups, messages, buttons, faults.

Residents' side of the conversation: what a test or the chat page does here reaches the bot
as ordinary Telegram updates.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import random
import secrets
import time
from typing import Any

from aiohttp import web

from sandbox.messages import bot_sees, new_message, photo_sizes, placeholder_png, text_fields
from sandbox.state import ADMIN_RIGHTS, Chat, Faults, SandboxState, now_ts

STATUSES = ("member", "administrator", "creator", "left", "kicked")


class ControlError(Exception):
    """Bad input to the control API: answered 400 with a clear message."""


def _int(body: dict[str, Any], key: str, required: bool = True) -> int | None:
    value = body.get(key)
    if value is None:
        if required:
            raise ControlError(f"missing field: {key}")
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ControlError(f"{key} must be an integer") from None


class ControlApi:
    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def routes(self) -> list[web.RouteDef]:
        p = "/sandbox/api"
        return [
            web.post(f"{p}/users", self.create_user),
            web.get(f"{p}/users", self.list_users),
            web.post(f"{p}/chats", self.create_chat),
            web.get(f"{p}/chats", self.list_chats),
            web.get(f"{p}/chats/{{chat_id}}", self.get_chat),
            web.post(f"{p}/chats/{{chat_id}}/members", self.set_member),
            web.post(f"{p}/chats/{{chat_id}}/messages", self.post_message),
            web.get(f"{p}/chats/{{chat_id}}/messages", self.get_messages),
            web.post(f"{p}/chats/{{chat_id}}/messages/{{message_id}}/edit", self.edit_message),
            web.post(f"{p}/chats/{{chat_id}}/callback", self.press_button),
            web.get(f"{p}/callbacks/{{cq_id}}", self.get_callback),
            web.get(f"{p}/files/{{file_id}}", self.get_file),
            web.get(f"{p}/bot", self.get_bot),
            web.post(f"{p}/bot", self.set_bot),
            web.post(f"{p}/faults", self.set_faults),
            web.get(f"{p}/calls", self.get_calls),
            web.post(f"{p}/reset", self.reset),
        ]

    # --- helpers ----------------------------------------------------------------------------
    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any]:
        if not request.can_read_body:
            return {}
        try:
            body = await request.json()
        except ValueError:
            raise ControlError("body must be JSON") from None
        if not isinstance(body, dict):
            raise ControlError("body must be a JSON object")
        return body

    def _chat(self, request: web.Request) -> Chat:
        try:
            return self.state.chats[int(request.match_info["chat_id"])]
        except (KeyError, ValueError):
            raise ControlError(f"no such chat: {request.match_info['chat_id']}") from None

    def _user(self, user_id: int | None) -> dict[str, Any]:
        if user_id not in self.state.users:
            raise ControlError(f"no such user: {user_id}")
        return self.state.users[user_id]

    def _chat_api(self, chat: Chat) -> dict[str, Any]:
        return {**chat.as_api(), "members": [
            {"user": self.state.users[uid], "status": status}
            for uid, status in chat.members.items()
        ]}

    async def _push(self, kind: str, payload: dict[str, Any]) -> int | None:
        uid = self.state.push_update(kind, payload)
        await self.state.notify()
        return uid

    # --- users and chats --------------------------------------------------------------------
    async def create_user(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        first = str(body.get("first_name") or "").strip()
        if not first:
            raise ControlError("first_name is required")
        st = self.state
        user: dict[str, Any] = {"id": st.next_user_id, "is_bot": bool(body.get("is_bot")),
                                "first_name": first[:64]}
        if body.get("last_name"):
            user["last_name"] = str(body["last_name"])[:64]
        if body.get("username"):
            name = str(body["username"]).lstrip("@")
            if any(u.get("username", "").lower() == name.lower() for u in st.users.values()):
                raise ControlError(f"username @{name} is taken")
            user["username"] = name
        user["language_code"] = "zh-hans"
        st.users[st.next_user_id] = user
        st.next_user_id += 1
        return web.json_response({"id": user["id"]})

    async def list_users(self, request: web.Request) -> web.Response:
        return web.json_response({"users": list(self.state.users.values())})

    async def create_chat(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        title = str(body.get("title") or "").strip()
        if not title:
            raise ControlError("title is required")
        kind = body.get("type", "supergroup")
        if kind not in ("group", "supergroup"):
            raise ControlError('type must be "group" or "supergroup"')
        creator = _int(body, "creator_id")
        self._user(creator)
        st = self.state
        n = st.next_chat_seq
        st.next_chat_seq += 1
        chat_id = -(1_000_000_000_000 + 4_000_000 + n) if kind == "supergroup" else -(4_000 + n)
        chat = Chat(chat_id, title[:128], kind)
        st.chats[chat_id] = chat
        if creator == st.bot_id:
            raise ControlError("a bot cannot create a group")
        chat.members[creator] = "creator"  # type: ignore[index]
        await st.notify()
        return web.json_response({"id": chat_id})

    async def list_chats(self, request: web.Request) -> web.Response:
        return web.json_response({"chats": [self._chat_api(c) for c in self.state.chats.values()]})

    async def get_chat(self, request: web.Request) -> web.Response:
        return web.json_response(self._chat_api(self._chat(request)))

    async def set_member(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        body = await self._body(request)
        uid = _int(body, "user_id")
        user = self._user(uid)
        status = body.get("status", "member")
        if status not in STATUSES:
            raise ControlError(f"status must be one of {', '.join(STATUSES)}")
        st = self.state
        old = chat.members.get(uid, "left")  # type: ignore[arg-type]
        chat.members[uid] = status  # type: ignore[index]
        actor_id = next((u for u, s in chat.members.items() if s == "creator"), uid)
        change = {"chat": chat.as_api(), "from": st.users[actor_id], "date": now_ts(),
                  "old_chat_member": {"status": old, "user": user},
                  "new_chat_member": st.member_api(chat, uid)}  # type: ignore[arg-type]
        if old == "administrator":
            change["old_chat_member"] = {**change["old_chat_member"],
                                         **ADMIN_RIGHTS}
        joined = old in ("left", "kicked") and status in ("member", "administrator")
        update_id = None
        if uid == st.bot_id:
            update_id = await self._push("my_chat_member", change)
        else:
            update_id = await self._push("chat_member", change)
        if joined:
            service = new_message(st, chat, st.users[actor_id], {"new_chat_members": [user]})
            if bot_sees(st, chat, service) and chat.members.get(st.bot_id) in (
                "member", "administrator"
            ):
                await self._push("message", service)
        elif status in ("left", "kicked") and old not in ("left", "kicked"):
            new_message(st, chat, st.users[actor_id], {"left_chat_member": user})
        await st.notify()
        return web.json_response({"ok": True, "update_id": update_id})

    # --- messages ---------------------------------------------------------------------------
    async def post_message(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        body = await self._body(request)
        uid = _int(body, "from_id")
        sender = self._user(uid)
        st = self.state
        if chat.members.get(uid) not in ("member", "administrator", "creator"):  # type: ignore[arg-type]
            raise ControlError(f"user {uid} is not a member of this chat")
        fields: dict[str, Any] = {}
        text = body.get("text")
        if body.get("photo") or body.get("photo_base64"):
            if body.get("photo_base64"):
                raw = str(body["photo_base64"])
                mime = "image/png" if raw.startswith("data:image/png") else "image/jpeg"
                try:
                    data = base64.b64decode(raw.split(",", 1)[-1], validate=False)
                except (binascii.Error, ValueError):
                    raise ControlError("photo_base64 is not valid base64") from None
            else:
                data, mime = placeholder_png(), "image/png"
            fields["photo"] = photo_sizes(st, data, mime)
            caption = body.get("caption") if body.get("caption") is not None else text
            if caption:
                fields.update(text_fields(str(caption), key="caption"))
        elif body.get("location"):
            loc = body["location"]
            try:
                fields["location"] = {"latitude": float(loc["latitude"]),
                                      "longitude": float(loc["longitude"])}
            except (KeyError, TypeError, ValueError):
                raise ControlError("location needs numeric latitude and longitude") from None
        elif body.get("sticker"):
            fid, _ = st.new_file(placeholder_png(), "image/webp", "stickers", "webp")
            fields["sticker"] = {"file_id": fid, "file_unique_id": fid[-12:], "type": "regular",
                                 "width": 512, "height": 512, "is_animated": False,
                                 "is_video": False, "emoji": str(body["sticker"])}
        elif body.get("voice"):
            fid, _ = st.new_file(b"OggS", "audio/ogg", "voice", "oga")
            fields["voice"] = {"file_id": fid, "file_unique_id": fid[-12:], "duration": 3,
                               "mime_type": "audio/ogg"}
        elif text is not None and str(text) != "":
            fields.update(text_fields(str(text)))
        else:
            raise ControlError("a message needs text, caption, photo, location, sticker or voice")
        if body.get("forward_from_chat_title"):
            fields["forward_origin"] = {
                "type": "channel", "date": now_ts() - 60,
                "chat": {"id": -1_009_999_000_001, "type": "channel",
                         "title": str(body["forward_from_chat_title"])},
                "message_id": 1,
            }
        reply_to = _int(body, "reply_to_message_id", required=False)
        if reply_to is not None and reply_to not in chat.messages:
            raise ControlError(f"no message {reply_to} in this chat to reply to")
        msg = new_message(st, chat, sender, fields, reply_to)
        update_id = None
        if chat.members.get(st.bot_id) in ("member", "administrator") and bot_sees(st, chat, msg):
            update_id = await self._push("message", msg)
        await st.notify()
        return web.json_response({"message_id": msg["message_id"], "update_id": update_id})

    async def edit_message(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        body = await self._body(request)
        mid = int(request.match_info["message_id"])
        msg = chat.messages.get(mid)
        if msg is None:
            raise ControlError(f"no message {mid} in this chat")
        if msg["from"]["id"] == self.state.bot_id:
            raise ControlError("edit the bot's messages through the Bot API")
        text = str(body.get("text") or "")
        if not text:
            raise ControlError("text is required")
        key = "caption" if "photo" in msg else "text"
        msg.pop("entities", None)
        msg.pop("caption_entities", None)
        msg.update(text_fields(text, key=key))
        msg["edit_date"] = now_ts()
        self.state.bump(msg)
        update_id = None
        if self.state.chats[chat.id].members.get(self.state.bot_id) in (
            "member", "administrator"
        ) and bot_sees(self.state, chat, msg):
            update_id = await self._push("edited_message", dict(msg))
        await self.state.notify()
        return web.json_response({"update_id": update_id})

    async def get_messages(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        q = request.query
        st = self.state
        try:
            after_id = int(q.get("after_id", 0))
            since_seq = int(q["since_seq"]) if "since_seq" in q else None
            wait = min(30.0, max(0.0, float(q.get("wait", 0))))
        except ValueError:
            raise ControlError("after_id, since_seq and wait must be numbers") from None

        def pick() -> tuple[list[dict[str, Any]], list[int]]:
            msgs = [m for mid, m in sorted(chat.messages.items()) if mid > after_id
                    and (since_seq is None or m.get("sandbox_seq", 0) > since_seq)]
            deleted = [mid for seq, mid in chat.deleted
                       if since_seq is not None and seq > since_seq]
            return msgs, deleted

        msgs, deleted = pick()
        if not msgs and not deleted and wait > 0:
            deadline = time.monotonic() + wait
            async with st.changed:
                while not msgs and not deleted:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(st.changed.wait(), remaining)
                    msgs, deleted = pick()
        return web.json_response({"messages": msgs, "deleted_ids": deleted, "seq": st.seq})

    # --- buttons ----------------------------------------------------------------------------
    async def press_button(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        body = await self._body(request)
        uid = _int(body, "from_id")
        user = self._user(uid)
        mid = _int(body, "message_id")
        msg = chat.messages.get(mid)  # type: ignore[arg-type]
        if msg is None:
            raise ControlError(f"no message {mid} in this chat")
        data = body.get("data")
        buttons = [b.get("callback_data") for row in
                   (msg.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
        if data not in buttons:
            raise ControlError("that message has no button with this callback data")
        st = self.state
        cq_id = str(secrets.randbits(63))
        st.callbacks[cq_id] = {"answered": False, "text": None, "show_alert": False}
        await self._push("callback_query", {
            "id": cq_id, "from": user, "message": msg, "data": data,
            "chat_instance": str(abs(chat.id)),
        })
        return web.json_response({"callback_query_id": cq_id})

    async def get_callback(self, request: web.Request) -> web.Response:
        cq = self.state.callbacks.get(request.match_info["cq_id"])
        if cq is None:
            raise ControlError("no such callback query")
        try:
            wait = min(30.0, max(0.0, float(request.query.get("wait", 0))))
        except ValueError:
            raise ControlError("wait must be a number") from None
        deadline = time.monotonic() + wait
        async with self.state.changed:
            while not cq["answered"] and (remaining := deadline - time.monotonic()) > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.state.changed.wait(), remaining)
        return web.json_response(cq)

    async def get_file(self, request: web.Request) -> web.Response:
        item = self.state.files.get(request.match_info["file_id"])
        if item is None:
            raise web.HTTPNotFound(text="no such file")
        data, mime, _ = item
        return web.Response(body=data, content_type=mime)

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
            "calls": dict(st.call_counts),
            "faults": {"error_rate": st.faults.error_rate, "codes": list(st.faults.codes)},
        })

    async def set_bot(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if "can_read_all_group_messages" not in body:
            raise ControlError("can_read_all_group_messages is required")
        self.state.can_read_all = bool(body["can_read_all_group_messages"])
        await self.state.notify()
        return web.json_response({"can_read_all_group_messages": self.state.can_read_all})

    async def set_faults(self, request: web.Request) -> web.Response:
        body = await self._body(request)
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
        self.state.reset()
        await self.state.notify()
        return web.json_response({"ok": True})


@web.middleware
async def control_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except ControlError as exc:
        return web.json_response({"error": str(exc)}, status=400)

"""Control API: what people say and do in a chat — messages, edits, buttons, votes, reactions —
reaching the bot as Telegram updates, and the transcript the chat page shows."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import secrets
import time
from typing import Any

from aiohttp import web

from sandbox.control_base import ControlBase, ControlError, body_int
from sandbox.messages import bot_sees, new_message, photo_sizes, placeholder_png, text_fields
from sandbox.state import Chat, now_ts
from sandbox.text import user_text


def _photo(body: dict[str, Any]) -> tuple[bytes, str]:
    if not body.get("photo_base64"):
        return placeholder_png(), "image/png"
    raw = str(body["photo_base64"])
    mime = "image/png" if raw.startswith("data:image/png") else "image/jpeg"
    try:
        return base64.b64decode(raw.split(",", 1)[-1], validate=False), mime
    except (binascii.Error, ValueError):
        raise ControlError("photo_base64 is not valid base64") from None


class MessageControl(ControlBase):
    def _content(self, body: dict[str, Any]) -> dict[str, Any]:
        st = self.state
        text = body.get("text")
        if body.get("photo") or body.get("photo_base64"):
            data, mime = _photo(body)
            fields: dict[str, Any] = {"photo": photo_sizes(st, data, mime)}
            caption = body.get("caption") if body.get("caption") is not None else text
            if caption:
                fields.update(text_fields(*user_text(str(caption)), key="caption"))
            return fields
        if body.get("location"):
            loc = body["location"]
            try:
                return {"location": {"latitude": float(loc["latitude"]),
                                     "longitude": float(loc["longitude"])}}
            except (KeyError, TypeError, ValueError):
                raise ControlError("location needs numeric latitude and longitude") from None
        if body.get("sticker"):
            fid, _ = st.new_file(placeholder_png(), "image/webp", "stickers", "webp")
            return {"sticker": {"file_id": fid, "file_unique_id": fid[-12:], "type": "regular",
                                "width": 512, "height": 512, "is_animated": False,
                                "is_video": False, "emoji": str(body["sticker"])}}
        if body.get("voice"):
            fid, _ = st.new_file(b"OggS", "audio/ogg", "voice", "oga")
            return {"voice": {"file_id": fid, "file_unique_id": fid[-12:], "duration": 3,
                              "mime_type": "audio/ogg"}}
        if text is not None and str(text).strip(" \n") != "":
            return text_fields(*user_text(str(text)))
        raise ControlError("a message needs text, caption, photo, location, sticker or voice")

    async def post_message(self, request: web.Request) -> web.Response:
        chat = self.chat(request)
        body = await self.body(request)
        uid = body_int(body, "from_id")
        sender = self.user(uid)
        st = self.state
        if chat.migrated_to is not None:
            raise ControlError(f"this group was upgraded; write to {chat.migrated_to}")
        if not st.is_member(chat, uid):
            raise ControlError(f"user {uid} is not a member of this chat")
        fields = self._content(body)
        if body.get("forward_from_chat_title"):
            fields["forward_origin"] = {
                "type": "channel", "date": now_ts() - 60,
                "chat": {"id": -1_009_999_000_001, "type": "channel",
                         "title": str(body["forward_from_chat_title"])},
                "message_id": 1,
            }
        reply_to = body_int(body, "reply_to_message_id", required=False)
        if reply_to is not None and reply_to not in chat.messages:
            raise ControlError(f"no message {reply_to} in this chat to reply to")
        thread = body_int(body, "message_thread_id", required=False)
        if thread is not None and thread not in chat.topics:
            raise ControlError(f"no topic {thread} in this chat")
        if thread is None and reply_to is not None:
            thread = chat.messages[reply_to].get("message_thread_id")
        msg = new_message(st, chat, sender, fields, reply_to, thread)
        update_id = await self.push("message", msg) if bot_sees(st, chat, msg) else None
        await st.notify()
        return web.json_response({"message_id": msg["message_id"], "update_id": update_id})

    async def edit_message(self, request: web.Request) -> web.Response:
        chat = self.chat(request)
        body = await self.body(request)
        mid = int(request.match_info["message_id"])
        msg = chat.messages.get(mid)
        if msg is None:
            raise ControlError(f"no message {mid} in this chat")
        if msg["from"]["id"] == self.state.bot_id:
            raise ControlError("edit the bot's messages through the Bot API")
        if not str(body.get("text") or "").strip(" \n"):
            raise ControlError("text is required")
        key = "caption" if "photo" in msg else "text"
        msg.pop("entities", None)
        msg.pop("caption_entities", None)
        msg.update(text_fields(*user_text(str(body["text"])), key=key))
        msg["edit_date"] = now_ts()
        self.state.bump(chat, mid)
        update_id = None
        if bot_sees(self.state, chat, msg):
            update_id = await self.push("edited_message", msg)
        await self.state.notify()
        return web.json_response({"update_id": update_id})

    def _transcript_entry(self, chat: Chat, msg: dict[str, Any]) -> dict[str, Any]:
        out = {**msg, "sandbox_seq": chat.seq_of.get(msg["message_id"], 0)}
        reactions = chat.reactions.get(msg["message_id"])
        if reactions:
            out["sandbox_reactions"] = {str(k): v for k, v in reactions.items() if v}
        return out

    async def get_messages(self, request: web.Request) -> web.Response:
        chat = self.chat(request)
        q = request.query
        st = self.state
        try:
            after_id = int(q.get("after_id", 0))
            since_seq = int(q["since_seq"]) if "since_seq" in q else None
            wait = min(30.0, max(0.0, float(q.get("wait", 0))))
        except ValueError:
            raise ControlError("after_id, since_seq and wait must be numbers") from None

        def pick() -> tuple[list[dict[str, Any]], list[int]]:
            msgs = [self._transcript_entry(chat, m) for mid, m in sorted(chat.messages.items())
                    if mid > after_id
                    and (since_seq is None or chat.seq_of.get(mid, 0) > since_seq)]
            deleted = [mid for seq, mid in chat.deleted
                       if since_seq is not None and seq > since_seq]
            return msgs, deleted

        msgs, deleted = pick()
        if not msgs and not deleted and wait > 0:
            deadline = time.monotonic() + wait
            async with st.changed:
                while not msgs and not deleted and not st.closing:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(st.changed.wait(), remaining)
                    msgs, deleted = pick()
        return web.json_response({"messages": msgs, "deleted_ids": deleted, "seq": st.seq})

    # --- buttons, votes, reactions -----------------------------------------------------------
    async def press_button(self, request: web.Request) -> web.Response:
        chat = self.chat(request)
        body = await self.body(request)
        user = self.user(body_int(body, "from_id"))
        mid = body_int(body, "message_id")
        msg = chat.messages.get(mid)
        if msg is None:
            raise ControlError(f"no message {mid} in this chat")
        data = body.get("data")
        buttons = [b.get("callback_data") for row in
                   (msg.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
        if data not in buttons:
            raise ControlError("that message has no button with this callback data")
        cq_id = str(secrets.randbits(63))
        self.state.callbacks[cq_id] = {"answered": False, "text": None, "show_alert": False}
        await self.push("callback_query", {
            "id": cq_id, "from": user, "message": msg, "chat_instance": str(abs(chat.id)),
            "data": data,
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
        st = self.state
        async with st.changed:
            while not cq["answered"] and not st.closing \
                    and (remaining := deadline - time.monotonic()) > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(st.changed.wait(), remaining)
        return web.json_response(cq)

    async def vote(self, request: web.Request) -> web.Response:
        """A member answers (or, with no options, retracts) a vote in the bot's poll."""
        st = self.state
        entry = st.polls.get(request.match_info["poll_id"])
        if entry is None:
            raise ControlError("no such poll")
        chat = st.chats[entry["chat"]]
        msg = chat.messages.get(entry["message_id"])
        if msg is None:
            raise ControlError("the poll's message was deleted")
        poll = msg["poll"]
        body = await self.body(request)
        uid = body_int(body, "user_id")
        user = self.user(uid)
        if not st.is_member(chat, uid):
            raise ControlError(f"user {uid} is not a member of this chat")
        options = body.get("option_ids", [])
        if not isinstance(options, list) or not all(
                isinstance(o, int) and 0 <= o < len(poll["options"]) for o in options):
            raise ControlError("option_ids must be a list of option indexes")
        if len(set(options)) > 1 and not poll["allows_multiple_answers"]:
            raise ControlError("this poll allows one answer")
        if poll["is_closed"]:
            raise ControlError("this poll is closed")
        votes: dict[int, list[int]] = entry["votes"]
        if uid in votes and not poll["allows_revoting"]:
            raise ControlError("this poll does not allow changing a vote")
        votes[uid] = sorted(set(options))
        if not votes[uid]:
            del votes[uid]
        for i, option in enumerate(poll["options"]):
            option["voter_count"] = sum(i in chosen for chosen in votes.values())
        poll["total_voter_count"] = len(votes)
        st.bump(chat, msg["message_id"])
        await self.push("poll", poll)
        answer_id = None
        if not poll["is_anonymous"]:
            chosen = sorted(set(options))
            answer_id = await self.push("poll_answer", {
                "poll_id": poll["id"], "user": user, "option_ids": chosen,
                "option_persistent_ids": [poll["options"][i]["persistent_id"] for i in chosen]})
        await st.notify()
        return web.json_response({"ok": True, "poll_answer_update_id": answer_id})

    async def expire_poll(self, request: web.Request) -> web.Response:
        """Let the poll's time run out now (its open_period or close_date passes)."""
        entry = self.state.polls.get(request.match_info["poll_id"])
        if entry is None:
            raise ControlError("no such poll")
        msg = self.state.chats[entry["chat"]].messages.get(entry["message_id"])
        if msg is None:
            raise ControlError("the poll's message was deleted")
        if msg["poll"]["is_closed"]:
            raise ControlError("this poll is closed already")
        self.state.close_poll(msg["poll"])
        await self.state.notify()
        return web.json_response({"ok": True})

    async def react(self, request: web.Request) -> web.Response:
        """A member sets (or, with no emoji, removes) their reaction to a message."""
        chat = self.chat(request)
        mid = int(request.match_info["message_id"])
        if mid not in chat.messages:
            raise ControlError(f"no message {mid} in this chat")
        body = await self.body(request)
        uid = body_int(body, "user_id")
        user = self.user(uid)
        emoji = body.get("emoji")
        new = [{"type": "emoji", "emoji": str(emoji)}] if emoji else []
        old = chat.reactions.setdefault(mid, {}).get(uid, [])
        chat.reactions[mid][uid] = new
        self.state.bump(chat, mid)
        update_id = None
        if chat.type == "private" or self.state.is_admin(chat, self.state.bot_id):
            update_id = await self.push("message_reaction", {
                "chat": chat.as_api(), "message_id": mid, "user": user, "date": now_ts(),
                "old_reaction": old, "new_reaction": new})
        await self.state.notify()
        return web.json_response({"ok": True, "update_id": update_id})

    async def get_file(self, request: web.Request) -> web.Response:
        item = self.state.files.get(request.match_info["file_id"])
        if item is None:
            raise web.HTTPNotFound(text="no such file")
        data, mime, _ = item
        return web.Response(body=data, content_type=mime)

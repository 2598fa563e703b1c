"""Sending, editing, deleting, forwarding, pinning and reacting to messages."""

from __future__ import annotations

import copy
from typing import Any

from sandbox.api_base import ApiBase, Params, bool_param, int_param, not_modified
from sandbox.errors import bad
from sandbox.messages import SERVICE_KEYS, new_message
from sandbox.params import json_value
from sandbox.state import Chat, now_ts

_CONTENT_KEYS = ("text", "entities", "photo", "caption", "caption_entities", "document",
                 "location", "sticker", "voice", "poll")


def _found(chat: Chat, params: Params, what: str, key: str = "message_id") -> dict[str, Any]:
    msg = chat.messages.get(int_param(params, key))
    if msg is None:
        raise bad(f"{what} not found")
    return msg


class MessageMethods(ApiBase):
    async def m_sendMessage(self, params: Params) -> dict[str, Any]:
        chat = self.chat(params)
        fields = self.text(params, "text")
        lpo = json_value(params, "link_preview_options", "can't parse link preview options "
                         "JSON object", dict, "object expected as link preview options")
        if lpo:
            fields["link_preview_options"] = lpo
        return await self.answer(self.post(chat, params, fields))

    async def m_sendLocation(self, params: Params) -> dict[str, Any]:
        chat = self.chat(params)
        for key in ("latitude", "longitude"):
            if str(params.get(key) or "").strip() == "":
                raise bad(f"{key} is empty")
        try:
            lat, lon = float(params["latitude"]), float(params["longitude"])
        except (TypeError, ValueError):
            lat, lon = 0.0, 0.0
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise bad("wrong location specified")
        return await self.answer(self.post(chat, params, {
            "location": {"latitude": lat, "longitude": lon}}))

    async def m_editMessageText(self, params: Params) -> dict[str, Any]:
        chat, msg = self.own_message(params)
        if "text" not in msg:
            raise bad("there is no text in the message to edit")
        return await self._edit(chat, msg, {**self.text(params, "text"),
                                            **self.markup(params)}, ("text", "entities"))

    async def m_editMessageCaption(self, params: Params) -> dict[str, Any]:
        chat, msg = self.own_message(params)
        if not any(k in msg for k in ("photo", "document")):
            raise bad("there is no caption in the message to edit")
        return await self._edit(chat, msg, {**self.text(params, "caption"),
                                            **self.markup(params)},
                                ("caption", "caption_entities"))

    async def m_editMessageReplyMarkup(self, params: Params) -> dict[str, Any]:
        chat, msg = self.own_message(params)
        return await self._edit(chat, msg, self.markup(params), ())

    async def _edit(self, chat: Chat, msg: dict[str, Any], fields: dict[str, Any],
                    keys: tuple[str, ...]) -> dict[str, Any]:
        same = all(fields.get(k) == msg.get(k) for k in (*keys, "reply_markup"))
        if same:
            raise not_modified()
        for key in (*keys, "reply_markup"):
            msg.pop(key, None)
        msg.update(fields)
        msg["edit_date"] = now_ts()
        self.state.bump(chat, msg["message_id"])
        return await self.answer(msg)

    def _delete(self, chat: Chat, mid: int) -> None:
        del chat.messages[mid]
        self.state.seq += 1
        chat.deleted.append((self.state.seq, mid))
        if mid in chat.pinned:
            chat.pinned.remove(mid)

    def _may_delete(self, chat: Chat, msg: dict[str, Any]) -> bool:
        st = self.state
        return (msg.get("from", {}).get("id") == st.bot_id or chat.type == "private"
                or st.is_admin(chat, st.bot_id))

    async def m_deleteMessage(self, params: Params) -> bool:
        chat = self.chat(params)
        msg = _found(chat, params, "message to delete")
        if not self._may_delete(chat, msg):
            raise bad("message can't be deleted")
        self._delete(chat, msg["message_id"])
        await self.state.notify()
        return True

    async def m_deleteMessages(self, params: Params) -> bool:
        chat = self.chat(params)
        ids = json_value(params, "message_ids", "can't parse message identifiers JSON object",
                         list, "expected an Array of message identifiers")
        if not ids:
            raise bad("message identifiers are not specified")
        if len(ids) > 100:
            raise bad("too many message identifiers specified")
        for mid in ids:
            msg = chat.messages.get(mid) if isinstance(mid, int) else None
            if msg is not None and self._may_delete(chat, msg):
                self._delete(chat, mid)
        await self.state.notify()
        return True

    async def m_forwardMessage(self, params: Params) -> dict[str, Any]:
        _, msg = self._source(params, "message to forward")
        chat = self.chat(params)
        fields = {k: copy.deepcopy(v) for k, v in msg.items() if k in _CONTENT_KEYS}
        fields["forward_origin"] = {"type": "user", "sender_user": msg.get("from") or {},
                                    "date": msg["date"]}
        self.flood_check(chat)
        out = new_message(self.state, chat, self.state.bot_user, fields,
                          thread_id=self.thread(chat, params))
        return await self.answer(out)

    async def m_copyMessage(self, params: Params) -> dict[str, int]:
        _, msg = self._source(params, "message to copy")
        chat = self.chat(params)
        if any(k in msg for k in SERVICE_KEYS):
            raise bad("message can't be copied")
        fields = {k: copy.deepcopy(v) for k, v in msg.items() if k in _CONTENT_KEYS}
        if "caption" in params:
            for key in ("caption", "caption_entities"):
                fields.pop(key, None)
            fields.update(self.text(params, "caption"))
        out = self.post(chat, params, fields)
        await self.answer(out)
        return {"message_id": out["message_id"]}

    def _source(self, params: Params, what: str) -> tuple[Chat, dict[str, Any]]:
        source = self.chat({"chat_id": params.get("from_chat_id")}, write=False)
        return source, _found(source, params, what)

    async def m_pinChatMessage(self, params: Params) -> bool:
        chat = self.chat(params)
        msg = _found(chat, params, "message to pin")
        self._need_admin(chat)
        if msg["message_id"] in chat.pinned:
            chat.pinned.remove(msg["message_id"])
        chat.pinned.append(msg["message_id"])
        new_message(self.state, chat, self.state.bot_user,
                    {"pinned_message": {k: v for k, v in msg.items() if k != "reply_to_message"}})
        await self.state.notify()
        return True

    async def m_unpinChatMessage(self, params: Params) -> bool:
        chat = self.chat(params)
        self._need_admin(chat)
        if params.get("message_id"):
            msg = _found(chat, params, "message to unpin")
            if msg["message_id"] in chat.pinned:
                chat.pinned.remove(msg["message_id"])
        elif chat.pinned:
            chat.pinned.pop()
        await self.state.notify()
        return True

    async def m_unpinAllChatMessages(self, params: Params) -> bool:
        chat = self.chat(params)
        self._need_admin(chat)
        chat.pinned.clear()
        await self.state.notify()
        return True

    def _need_admin(self, chat: Chat) -> None:
        if chat.type != "private" and not self.state.is_admin(chat, self.state.bot_id):
            raise bad("not enough rights to manage pinned messages in the chat")

    async def m_setMessageReaction(self, params: Params) -> bool:
        chat = self.chat(params)
        msg = _found(chat, params, "message to react")
        reactions = json_value(params, "reaction", "can't parse reaction types JSON object",
                               list, "expected an Array of ReactionType") or []
        for r in reactions:
            if not isinstance(r, dict) or r.get("type") not in ("emoji", "custom_emoji",
                                                                "paid"):
                raise bad("can't parse ReactionType: invalid reaction type specified")
        if len(reactions) > 1:
            raise bad("REACTIONS_TOO_MANY")
        chat.reactions.setdefault(msg["message_id"], {})[self.state.bot_id] = reactions
        self.state.bump(chat, msg["message_id"])
        await self.state.notify()
        return True

    async def m_sendChatAction(self, params: Params) -> bool:
        self.chat(params)
        return True

    async def m_answerCallbackQuery(self, params: Params) -> bool:
        cq = self.state.callbacks.get(str(params.get("callback_query_id")))
        if cq is None or cq["answered"]:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        cq.update(answered=True, text=params.get("text"),
                  show_alert=bool_param(params, "show_alert"))
        await self.state.notify()
        return True

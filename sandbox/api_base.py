"""What every Bot API method of the sandbox shares: parameters, chat access, text, markup,
replies, flood control and the messages the bot sends."""

from __future__ import annotations

import time
from typing import Any

from sandbox.errors import ApiError, bad, forbidden, too_many
from sandbox.messages import new_message, strip_reply, text_fields
from sandbox.params import json_value
from sandbox.state import Chat, FloodControl, SandboxState
from sandbox.text import char_count, format_text

Params = dict[str, Any]


def int_param(params: Params, key: str, default: int = 0) -> int:
    value = params.get(key)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def bool_param(params: Params, key: str) -> bool:
    value = params.get(key)
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return bool(value)


class ApiBase:
    def __init__(self, state: SandboxState, flood: FloodControl | None) -> None:
        self.state = state
        self.flood = flood

    # --- chats ------------------------------------------------------------------------------
    def chat(self, params: Params, *, write: bool = True) -> Chat:
        """The chat named by chat_id, checked the way Telegram checks access to it."""
        st = self.state
        try:
            chat_id = int(params["chat_id"])
        except (KeyError, TypeError, ValueError):
            raise bad("chat not found") from None
        chat = st.chats.get(chat_id)
        if chat is None:
            if chat_id > 0 and chat_id in st.users and chat_id != st.bot_id:
                if st.users[chat_id].get("is_bot"):
                    raise forbidden("the bot can't send messages to the bot")
                raise forbidden("bot can't initiate conversation with a user")
            raise bad("chat not found")
        if chat.migrated_to is not None and write:
            raise bad("group chat was upgraded to a supergroup chat",
                      {"migrate_to_chat_id": chat.migrated_to})
        if chat.type == "private":
            if write and chat.id in st.blocked:
                raise forbidden("bot was blocked by the user")
            return chat
        status = chat.members.get(st.bot_id)
        kind = "supergroup" if chat.type == "supergroup" else "group"
        if status == "kicked" and write:
            raise forbidden(f"bot was kicked from the {kind} chat")
        if status not in ("member", "administrator", "creator") and (
                write or chat.type == "supergroup"):
            raise forbidden(f"bot is not a member of the {kind} chat")
        return chat

    def thread(self, chat: Chat, params: Params) -> int | None:
        thread_id = int_param(params, "message_thread_id")
        if not thread_id:
            return None
        if not chat.is_forum:
            return None  # outside forums Telegram ignores it
        if thread_id not in chat.topics:
            raise bad("message thread not found")
        return thread_id

    def flood_check(self, chat: Chat) -> None:
        if self.flood is None:
            return
        retry = self.flood.check(chat.id, time.monotonic())
        if retry is not None:
            raise too_many(retry)

    # --- content ----------------------------------------------------------------------------
    def text(self, params: Params, key: str = "text") -> dict[str, Any]:
        """text/caption and their entities as Telegram stores them; {} for no caption."""
        raw = params.get(key)
        if raw is None or raw == "":
            if key != "text":
                return {}
            raise bad("message text is empty")
        ents_key = "entities" if key == "text" else "caption_entities"
        text, ents = format_text(str(raw), params.get("parse_mode"), params.get(ents_key),
                                 self.state.users)
        limit = 4096 if key == "text" else 1024
        if char_count(text) > limit:
            raise bad("message is too long" if key == "text" else "message caption is too long")
        return text_fields(text, ents, key)

    def markup(self, params: Params) -> dict[str, Any]:
        markup = json_value(params, "reply_markup", "can't parse reply keyboard markup JSON "
                            "object", dict, "object expected as reply markup")
        if not markup:
            return {}
        rows = markup.get("inline_keyboard")
        if rows is None:
            return {}
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad('Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array '
                      "of Arrays")
        for row in rows:
            for button in row:
                if not isinstance(button, dict):
                    raise bad("can't parse inline keyboard button: InlineKeyboardButton must "
                              "be an Object")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise bad("BUTTON_DATA_INVALID")
        return {"reply_markup": {"inline_keyboard": rows}} if rows else {}

    def reply_to(self, chat: Chat, params: Params) -> int | None:
        rp = json_value(params, "reply_parameters", "can't parse reply parameters JSON object",
                        dict, "object expected as reply parameters") or {}
        mid = rp.get("message_id") if rp else params.get("reply_to_message_id")
        if mid in (None, "", 0, "0"):
            return None
        try:
            mid = int(mid)
        except (TypeError, ValueError):
            raise bad("message to be replied not found") from None
        allow = rp.get("allow_sending_without_reply") if rp else bool_param(
            params, "allow_sending_without_reply")
        if mid not in chat.messages:
            if allow:
                return None
            raise bad("message to be replied not found")
        return mid

    def own_message(self, params: Params) -> tuple[Chat, dict[str, Any]]:
        """A message the bot may edit: its own, in a chat it can write to."""
        if params.get("inline_message_id"):
            raise bad("inline messages are not supported in sandbox")
        chat = self.chat(params)
        msg = chat.messages.get(int_param(params, "message_id"))
        if msg is None:
            raise bad("message to edit not found")
        if msg.get("from", {}).get("id") != self.state.bot_id:
            raise bad("message can't be edited")
        return chat, msg

    def post(self, chat: Chat, params: Params, fields: dict[str, Any]) -> dict[str, Any]:
        """Send one message from the bot: markup, reply, thread, flood control."""
        fields = {**fields, **self.markup(params)}
        reply = self.reply_to(chat, params)
        thread = self.thread(chat, params)
        if thread is None and reply is not None:
            thread = chat.messages[reply].get("message_thread_id")
        self.flood_check(chat)
        return new_message(self.state, chat, self.state.bot_user, fields, reply, thread)

    async def answer(self, msg: dict[str, Any]) -> dict[str, Any]:
        """The Message the Bot API returns, after waking the chat page."""
        await self.state.notify()
        out = strip_reply(msg)
        if "reply_to_message" in msg:
            out["reply_to_message"] = msg["reply_to_message"]
        return out


def not_modified() -> ApiError:
    return bad("message is not modified: specified new message content and reply markup are "
               "exactly the same as a current content and reply markup of the message")

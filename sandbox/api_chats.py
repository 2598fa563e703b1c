"""Chats and members as the bot sees them, forum topics, leaving, the bot's commands."""

from __future__ import annotations

import json
from typing import Any

from sandbox.api_base import ApiBase, Params, bool_param, int_param
from sandbox.errors import bad
from sandbox.messages import new_message
from sandbox.params import json_value
from sandbox.state import ACTIVE, now_ts


class ChatMethods(ApiBase):
    async def m_getChat(self, params: Params) -> dict[str, Any]:
        chat = self.chat(params, write=False)
        out = {**chat.as_api(), "accent_color_id": 0, "max_reaction_count": 11,
               "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                       "unique_gifts": False, "premium_subscription": False,
                                       "gifts_from_channels": False}}
        if chat.pinned:
            out["pinned_message"] = chat.messages[chat.pinned[-1]]
        return out

    async def m_getChatAdministrators(self, params: Params) -> list[dict[str, Any]]:
        chat = self.chat(params)
        if chat.type == "private":
            raise bad("there are no administrators in the private chat")
        st = self.state
        with_bots = bool_param(params, "return_bots")
        return [st.member_api(chat, uid) for uid, status in chat.members.items()
                if status in ("creator", "administrator")
                and (with_bots or uid == st.bot_id or not st.users[uid].get("is_bot"))]

    async def m_getChatMember(self, params: Params) -> dict[str, Any]:
        chat = self.chat(params)
        uid = int_param(params, "user_id")
        if uid not in self.state.users:
            raise bad("user not found")
        if chat.type == "private":
            status = "member" if uid in (chat.id, self.state.bot_id) else "left"
            return self.state.member_api(chat, uid, status)
        return self.state.member_api(chat, uid)

    async def m_getChatMemberCount(self, params: Params) -> int:
        chat = self.chat(params)
        if chat.type == "private":
            return 2
        return sum(1 for s in chat.members.values() if s in ACTIVE)

    async def m_leaveChat(self, params: Params) -> bool:
        chat = self.chat(params)
        if chat.type == "private":
            raise bad("chat member status can't be changed in private chats")
        st = self.state
        old = st.member_api(chat, st.bot_id)
        chat.members[st.bot_id] = "left"
        new_message(st, chat, st.bot_user, {"left_chat_member": st.bot_user})
        st.push_update("my_chat_member", {
            "chat": chat.as_api(), "from": st.bot_user, "date": now_ts(),
            "old_chat_member": old, "new_chat_member": st.member_api(chat, st.bot_id)})
        await st.notify()
        return True

    async def m_createForumTopic(self, params: Params) -> dict[str, Any]:
        chat = self.chat(params)
        if not chat.is_forum:
            raise bad("the chat is not a forum")
        if not self.state.is_admin(chat, self.state.bot_id):
            raise bad("not enough rights to create a topic")
        name = str(params.get("name") or "").strip()
        if not 1 <= len(name) <= 128:
            raise bad("topic name must be non-empty" if not name else "topic name is too long")
        color = int_param(params, "icon_color", 0x6FB9F0)
        topic = {"name": name, "icon_color": color}
        msg = new_message(self.state, chat, self.state.bot_user,
                          {"forum_topic_created": topic})
        msg["message_thread_id"] = msg["message_id"]
        msg["is_topic_message"] = True
        chat.topics[msg["message_id"]] = name
        await self.state.notify()
        return {"message_thread_id": msg["message_id"], **topic}

    # --- the bot's command list --------------------------------------------------------------
    @staticmethod
    def _scope_key(params: Params) -> str:
        scope = json_value(params, "scope", "can't parse BotCommandScope JSON object", dict,
                           "object expected as BotCommandScope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True) + "|" + str(params.get("language_code") or "")

    async def m_setMyCommands(self, params: Params) -> bool:
        commands = json_value(params, "commands", "can't parse commands JSON object", list,
                              "expected an Array of BotCommand") or []
        for c in commands:
            if not isinstance(c, dict) or not 1 <= len(c.get("command", "")) <= 32 or not (
                    1 <= len(c.get("description", "")) <= 256):
                raise bad("BOT_COMMAND_INVALID")
        self.state.commands[self._scope_key(params)] = commands
        return True

    async def m_getMyCommands(self, params: Params) -> list[dict[str, Any]]:
        return self.state.commands.get(self._scope_key(params), [])

    async def m_deleteMyCommands(self, params: Params) -> bool:
        self.state.commands.pop(self._scope_key(params), None)
        return True

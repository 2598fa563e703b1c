"""Control API: people, groups, members and what happens to groups (the Telegram side).

Member changes reach the bot as Telegram sends them: `my_chat_member` for the bot itself,
`chat_member` for others only while the bot is an administrator and only when asked for in
allowed_updates, and the join/leave service messages. A basic group can be upgraded to a
supergroup (the `migrate_to_chat_id` / `migrate_from_chat_id` pair); a person can start the bot
in a private chat, before which the bot may not write to them.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.control_base import ControlBase, ControlError, body_int
from sandbox.messages import bot_sees, new_message
from sandbox.state import ACTIVE, Chat, now_ts
from sandbox.text import user_text

STATUSES = ("member", "administrator", "creator", "left", "kicked")


class PeopleControl(ControlBase):
    async def create_user(self, request: web.Request) -> web.Response:
        body = await self.body(request)
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
        if not user["is_bot"]:
            user["language_code"] = "zh-hans"
        st.users[st.next_user_id] = user
        st.next_user_id += 1
        return web.json_response({"id": user["id"]})

    async def list_users(self, request: web.Request) -> web.Response:
        return web.json_response({"users": list(self.state.users.values())})

    async def create_chat(self, request: web.Request) -> web.Response:
        body = await self.body(request)
        title = str(body.get("title") or "").strip()
        if not title:
            raise ControlError("title is required")
        kind = body.get("type", "supergroup")
        if kind not in ("group", "supergroup"):
            raise ControlError('type must be "group" or "supergroup"')
        creator = body_int(body, "creator_id")
        self.user(creator)
        if creator == self.state.bot_id:
            raise ControlError("a bot cannot create a group")
        if body.get("is_forum") and kind != "supergroup":
            raise ControlError("only a supergroup can be a forum")
        chat = self._new_group(title, kind)
        chat.is_forum = bool(body.get("is_forum"))
        chat.members[creator] = "creator"
        await self.state.notify()
        return web.json_response({"id": chat.id})

    def _new_group(self, title: str, kind: str) -> Chat:
        st = self.state
        n = st.next_chat_seq
        st.next_chat_seq += 1
        chat_id = -(1_000_000_000_000 + 4_000_000 + n) if kind == "supergroup" else -(4_000 + n)
        chat = Chat(chat_id, title[:128], kind)
        st.chats[chat_id] = chat
        return chat

    async def list_chats(self, request: web.Request) -> web.Response:
        return web.json_response({"chats": [self.chat_api(c) for c in self.state.chats.values()]})

    async def get_chat(self, request: web.Request) -> web.Response:
        return web.json_response(self.chat_api(self.chat(request)))

    async def set_member(self, request: web.Request) -> web.Response:
        """Add, promote, demote, remove or ban someone (the bot too), as `by` (the creator)."""
        chat = self.group(request)
        body = await self.body(request)
        uid = body_int(body, "user_id")
        user = self.user(uid)
        status = body.get("status", "member")
        if status not in STATUSES:
            raise ControlError(f"status must be one of {', '.join(STATUSES)}")
        st = self.state
        creator = next((u for u, s in chat.members.items() if s == "creator"), None)
        actor_id = body_int(body, "by", required=False) or creator or uid
        actor = self.user(actor_id)
        if status == "creator" and creator not in (None, uid):
            raise ControlError("this chat already has a creator")
        old = st.member_api(chat, uid)
        chat.members[uid] = status
        change = {"chat": chat.as_api(), "from": actor, "date": now_ts(),
                  "old_chat_member": old,
                  "new_chat_member": st.member_api(chat, uid)}
        if uid == st.bot_id:
            update_id = await self.push("my_chat_member", change)
        elif st.is_admin(chat, st.bot_id):
            update_id = await self.push("chat_member", change)
        else:
            update_id = None
        joined = old["status"] not in ACTIVE and status in ACTIVE
        gone = old["status"] in ACTIVE and status not in ACTIVE
        if joined or gone:
            key = "new_chat_members" if joined else "left_chat_member"
            service = new_message(st, chat, actor, {key: [user] if joined else user})
            if bot_sees(st, chat, service):
                await self.push("message", service)
        await st.notify()
        return web.json_response({"ok": True, "update_id": update_id})

    async def migrate(self, request: web.Request) -> web.Response:
        """Upgrade a basic group to a supergroup, as Telegram does when a group grows."""
        old = self.group(request)
        if old.type != "group":
            raise ControlError("only a basic group (type group) can be upgraded")
        if old.migrated_to is not None:
            raise ControlError(f"this group was already upgraded to {old.migrated_to}")
        st = self.state
        new = self._new_group(old.title, "supergroup")
        new.members = dict(old.members)
        new.migrated_from = old.id
        creator_id = next((u for u, s in old.members.items() if s == "creator"), None)
        actor = st.users[creator_id] if creator_id is not None else st.bot_user
        to_msg = new_message(st, old, actor, {"migrate_to_chat_id": new.id})
        old.migrated_to = new.id
        from_msg = new_message(st, new, actor, {"migrate_from_chat_id": old.id})
        for chat, msg in ((old, to_msg), (new, from_msg)):
            if st.is_member(chat, st.bot_id):
                await self.push("message", msg)
        await st.notify()
        return web.json_response({"id": new.id, "migrate_to_chat_id": new.id})

    async def start_private(self, request: web.Request) -> web.Response:
        """A person opens a private chat with the bot and presses Start (sends /start)."""
        st = self.state
        try:
            uid = int(request.match_info["user_id"])
        except ValueError:
            raise ControlError("user id must be an integer") from None
        user = self.user(uid)
        if user.get("is_bot"):
            raise ControlError("a bot cannot start another bot")
        body = await self.body(request)
        chat = st.chats.get(uid)
        if chat is None:
            chat = Chat(uid, user["first_name"], "private", user=user)
            chat.members = {uid: "member", st.bot_id: "member"}
            st.chats[uid] = chat
        st.started.add(uid)
        text, ents = user_text(str(body.get("text") or "/start"))
        msg = new_message(st, chat, user, {"text": text, **({"entities": ents} if ents else {})})
        update_id = await self.push("message", msg)
        await st.notify()
        return web.json_response({"chat_id": uid, "message_id": msg["message_id"],
                                  "update_id": update_id})

    async def block_bot(self, request: web.Request) -> web.Response:
        """The person blocks (or unblocks) the bot in their private chat with it."""
        st = self.state
        chat = self.chat(request)
        if chat.type != "private":
            raise ControlError("only a private chat with the bot can be blocked")
        body = await self.body(request)
        blocked = bool(body.get("blocked", True))
        if blocked == (chat.id in st.blocked):
            raise ControlError("the bot is blocked already" if blocked else "not blocked")
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        (st.blocked.add if blocked else st.blocked.discard)(chat.id)
        update_id = await self.push("my_chat_member", {
            "chat": chat.as_api(), "from": st.users[chat.id], "date": now_ts(),
            "old_chat_member": st.member_api(chat, st.bot_id, old),
            "new_chat_member": st.member_api(chat, st.bot_id, new)})
        return web.json_response({"ok": True, "update_id": update_id})

    async def create_topic(self, request: web.Request) -> web.Response:
        chat = self.group(request)
        body = await self.body(request)
        if not chat.is_forum:
            raise ControlError("this chat is not a forum (create it with is_forum: true)")
        uid = body_int(body, "from_id")
        sender = self.user(uid)
        name = str(body.get("name") or "").strip()
        if not name:
            raise ControlError("name is required")
        msg = new_message(self.state, chat, sender,
                          {"forum_topic_created": {"name": name[:128], "icon_color": 0x6FB9F0}})
        msg["message_thread_id"] = msg["message_id"]
        msg["is_topic_message"] = True
        chat.topics[msg["message_id"]] = name[:128]
        if bot_sees(self.state, chat, msg):
            await self.push("message", msg)
        await self.state.notify()
        return web.json_response({"message_thread_id": msg["message_id"]})

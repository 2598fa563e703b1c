"""The offline handler layer: the real bot (python-telegram-bot, handlers, issue service, a
SQLite ledger) with Telegram's servers replaced by a request class that answers the few Bot
API methods a handler test needs from memory and refuses every other call.

As in python-telegram-bot's own tests, updates are built by small factories and fed to
`application.process_update`; tests assert on the parameters the bot sent (the HTML text,
the reply it answers, the buttons' callback data). No HTTP, no polling, no waiting: what the
sandbox proves end to end (rendering, flood limits, restarts) stays in the sandbox's tests.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.error import BadRequest
from telegram.request import BaseRequest, RequestData

from bot.app import build_application
from bot.context import BotApp
from issues.service import IssueService
from issues.settings import Settings

BOT_ID = 7000
MAX_TEXT = 4096
JSON = dict[str, Any]


class RefusedCall(AssertionError):
    """The bot asked Telegram for something this offline layer does not answer."""


@dataclass
class Call:
    method: str
    params: JSON


@dataclass
class Person:
    id: int
    name: str
    username: str | None = None
    is_bot: bool = False

    def as_user(self) -> JSON:
        user: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.name}
        if self.username:
            user["username"] = self.username
        return user


@dataclass
class Group:
    id: int
    title: str
    members: dict[int, tuple[Person, str]] = field(default_factory=dict)  # id → status

    def as_chat(self) -> JSON:
        return {"id": self.id, "type": "supergroup", "title": self.title}


class OfflineTelegram:
    """What Telegram knows in an offline test: the bot, groups and members, the messages
    sent; every call the bot made, in order."""

    def __init__(self) -> None:
        self.me: JSON = {"id": BOT_ID, "is_bot": True, "first_name": "诉求助手",
                         "username": "suqiu_bot", "can_join_groups": True,
                         "can_read_all_group_messages": True, "supports_inline_queries": False}
        self.groups: dict[int, Group] = {}
        self.messages: dict[tuple[int, int], JSON] = {}
        self.calls: list[Call] = []
        self.refused: list[Call] = []
        self._ids = itertools.count(1)
        self.fail: dict[str, Exception] = {}  # method → the error Telegram answers with
        self._answers: dict[str, Callable[[JSON], Any]] = {
            "getMe": lambda p: self.me, "setMyCommands": lambda p: True,
            "deleteWebhook": lambda p: True, "answerCallbackQuery": lambda p: True,
            "sendMessage": self._send, "editMessageText": self._edit,
            "editMessageReplyMarkup": self._edit,
            "getChatAdministrators": self._admins, "getChatMember": self._member,
            "setMessageReaction": self._react, "deleteMessage": self._delete,
        }

    def next_id(self) -> int:
        return next(self._ids)

    def answer(self, method: str, params: JSON) -> Any:
        call = Call(method, params)
        self.calls.append(call)
        if method in self.fail:
            raise self.fail[method]
        answer = self._answers.get(method)
        if answer is None:
            self.refused.append(call)
            raise RefusedCall(f"offline test: the bot called {method}, which is not answered")
        return answer(params)

    def store(self, message: JSON) -> JSON:
        self.messages[(message["chat"]["id"], message["message_id"])] = message
        return message

    def _chat(self, chat_id: object) -> JSON:
        group = self.groups.get(int(str(chat_id)))
        if group is None:
            raise BadRequest("Chat not found")
        return group.as_chat()

    def _send(self, p: JSON) -> JSON:
        chat = self._chat(p["chat_id"])
        if len(p["text"]) > MAX_TEXT:  # Telegram counts the parsed text; HTML is longer
            raise BadRequest("Message is too long")
        message: JSON = {"message_id": self.next_id(), "date": int(time.time()), "chat": chat,
                         "from": self.me, "text": p["text"]}
        if (p.get("reply_markup") or {}).get("inline_keyboard"):
            # Telegram's message carries an inline keyboard only (never a ForceReply)
            message["reply_markup"] = p["reply_markup"]
        return self.store(message)

    def _message_key(self, p: JSON, what: str) -> tuple[int, int]:
        """The message a call names, which Telegram must have (as its own errors say)."""
        key = (int(str(p["chat_id"])), int(str(p["message_id"])))
        if key not in self.messages:
            raise BadRequest(f"Message to {what} not found")
        return key

    def _edit(self, p: JSON) -> JSON:
        key = self._message_key(p, "edit")
        message = {**self.messages[key], "edit_date": int(time.time())}
        if "text" in p:
            message["text"] = p["text"]
        message.pop("reply_markup", None)
        if p.get("reply_markup"):
            message["reply_markup"] = p["reply_markup"]
        return self.store(message)

    def _react(self, p: JSON) -> bool:
        key = self._message_key(p, "react")
        self.messages[key] = {**self.messages[key], "reactions": p.get("reaction") or []}
        return True

    def _delete(self, p: JSON) -> bool:
        del self.messages[self._message_key(p, "delete")]
        return True

    def _admins(self, p: JSON) -> list[JSON]:
        group = self.groups[int(str(p["chat_id"]))]
        return [_member(person, status) for person, status in group.members.values()
                if status in ("creator", "administrator")]

    def _member(self, p: JSON) -> JSON:
        group = self.groups[int(str(p["chat_id"]))]
        uid = int(str(p["user_id"]))
        if uid == BOT_ID:
            return _member(Person(BOT_ID, "诉求助手", "suqiu_bot", is_bot=True), "member")
        person, status = group.members.get(uid, (Person(uid, str(uid)), "left"))
        return _member(person, status)


def _member(person: Person, status: str) -> JSON:
    out: JSON = {"status": status, "user": person.as_user()}
    if status == "creator":
        out["is_anonymous"] = False
    if status == "administrator":
        out.update(is_anonymous=False, can_be_edited=False, can_manage_chat=True,
                   can_delete_messages=True, can_manage_video_chats=False,
                   can_restrict_members=True, can_promote_members=False,
                   can_change_info=True, can_invite_users=True, can_post_stories=False,
                   can_edit_stories=False, can_delete_stories=False)
    return out


def plain(html_text: str) -> str:
    """What a person reads of the HTML the bot sent: tags gone, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", html_text))


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _entities(text: str) -> list[JSON]:
    """The entities Telegram finds in plain text that handlers read: a leading command and
    @usernames (offsets in UTF-16 code units, as Telegram counts them)."""
    found = []
    if text.startswith("/"):
        found.append({"type": "bot_command", "offset": 0, "length": _utf16(text.split()[0])})
    for m in re.finditer(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}", text):
        found.append({"type": "mention", "offset": _utf16(text[:m.start()]),
                      "length": _utf16(m.group())})
    return found


class OfflineRequest(BaseRequest):
    """A BaseRequest that never opens a connection: OfflineTelegram answers."""

    def __init__(self, telegram: OfflineTelegram) -> None:
        self.telegram = telegram

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: object = None, write_timeout: object = None,
                         connect_timeout: object = None,
                         pool_timeout: object = None) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data is not None else {}
        try:
            result = self.telegram.answer(endpoint, dict(params))
        except BadRequest as exc:
            return 400, json.dumps({"ok": False, "error_code": 400,
                                    "description": f"Bad Request: {exc.message}"}).encode()
        except RefusedCall as exc:
            return 404, json.dumps({"ok": False, "error_code": 404,
                                    "description": str(exc)}).encode()
        return 200, json.dumps({"ok": True, "result": result}, ensure_ascii=False).encode()


class OfflineBot:
    """The application, Telegram's side of the conversation, and factories for updates."""

    def __init__(self, settings: Settings) -> None:
        self.telegram = OfflineTelegram()
        self.app: BotApp = build_application(
            settings, token="123456:OFFLINE",
            request=OfflineRequest(self.telegram),
            get_updates_request=OfflineRequest(self.telegram))
        self._people = itertools.count(1001)
        self._chats = itertools.count(1)
        self._updates = itertools.count(1)

    async def start(self) -> None:
        await self.app.initialize()
        assert self.app.post_init is not None
        await self.app.post_init(self.app)

    async def stop(self) -> None:
        await self.app.shutdown()
        assert self.app.post_shutdown is not None
        await self.app.post_shutdown(self.app)
        assert self.telegram.refused == [], [c.method for c in self.telegram.refused]

    @property
    def service(self) -> IssueService:
        return self.app.bot_data.require_service()

    # --- the world ----------------------------------------------------------------------------
    def person(self, name: str, username: str | None = None, is_bot: bool = False) -> Person:
        return Person(next(self._people), name, username, is_bot)

    async def group(self, title: str = "幸福社区3栋群", residents: int = 2,
                    owner_username: str | None = "wang_wangge") -> tuple[Group, Person,
                                                                         list[Person]]:
        """A group with its creator (the owner) and residents, the bot just added to it."""
        group = Group(-1000000000000 - next(self._chats), title)
        owner = self.person("王网格", owner_username)
        people = [self.person(n) for n in ("李阿姨", "张师傅", "小陈")[:residents]]
        group.members[owner.id] = (owner, "creator")
        for p in people:
            group.members[p.id] = (p, "member")
        self.telegram.groups[group.id] = group
        await self.process({"my_chat_member": {
            "chat": group.as_chat(), "from": owner.as_user(), "date": int(time.time()),
            "old_chat_member": _member(Person(BOT_ID, "诉求助手", "suqiu_bot", True), "left"),
            "new_chat_member": _member(Person(BOT_ID, "诉求助手", "suqiu_bot", True),
                                       "member")}})
        return group, owner, people

    # --- updates ------------------------------------------------------------------------------
    async def process(self, payload: JSON) -> None:
        update = Update.de_json({"update_id": next(self._updates), **payload}, self.app.bot)
        await self.app.process_update(update)

    def message(self, group: Group, who: Person, text: str | None = None, *,
                reply_to: JSON | None = None, **extra: Any) -> JSON:
        message: JSON = {"message_id": self.telegram.next_id(), "date": int(time.time()),
                         "chat": group.as_chat(), "from": who.as_user(), **extra}
        if text is not None:
            message["text"] = text
            if entities := _entities(text):
                message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return self.telegram.store(message)

    async def say(self, group: Group, who: Person, text: str | None = None, *,
                  reply_to: JSON | None = None, **extra: Any) -> JSON:
        """A member writes in the group; returns the message (as Telegram would store it)."""
        message = self.message(group, who, text, reply_to=reply_to, **extra)
        await self.process({"message": message})
        return message

    async def edit(self, message: JSON, text: str) -> None:
        """The member edits their message (its caption, when it has one)."""
        key = "caption" if "caption" in message else "text"
        edited = {**message, key: text, "edit_date": int(time.time())}
        self.telegram.store(edited)
        await self.process({"edited_message": edited})

    async def press(self, who: Person, message: JSON, data: str) -> None:
        """A member presses an inline button under `message`."""
        await self.process({"callback_query": {
            "id": str(self.telegram.next_id()), "from": who.as_user(), "message": message,
            "chat_instance": "offline", "data": data}})

    # --- what the bot sent --------------------------------------------------------------------
    def sent(self, method: str = "sendMessage") -> list[JSON]:
        return [c.params for c in self.telegram.calls if c.method == method]

    def replies_to(self, message: JSON) -> list[str]:
        """The texts the bot sent in reply to `message`."""
        mid = message["message_id"]
        return [p["text"] for p in self.sent()
                if (p.get("reply_parameters") or {}).get("message_id") == mid]

    def reply_to(self, message: JSON) -> str:
        texts = self.replies_to(message)
        assert len(texts) == 1, texts
        return texts[0]

    def bot_message(self, text_part: str) -> JSON:
        """The newest message the bot sent (or edited to) containing `text_part`."""
        found = [m for m in self.telegram.messages.values()
                 if m["from"]["id"] == BOT_ID and text_part in m.get("text", "")]
        assert found, f"the bot sent nothing with {text_part!r}"
        return max(found, key=lambda m: m["message_id"])

    def card(self, number: int) -> JSON:
        """The issue card of issue #number, as it is now."""
        return self.bot_message(f"📌 <b>#{number} ")

    def current(self, message: JSON) -> JSON:
        """`message` as it is now (after the bot's edits)."""
        return self.telegram.messages[(message["chat"]["id"], message["message_id"])]

    def alerts(self) -> list[JSON]:
        return self.sent("answerCallbackQuery")

    def buttons(self, message: JSON) -> list[str]:
        markup = message.get("reply_markup") or {}
        return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]

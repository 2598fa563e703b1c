"""The emulator's world: users, chats, messages, pending updates, files, limits and faults.

Everything lives in memory in one process; an asyncio.Condition wakes long-polling readers
(getUpdates, the chat page) when something changes.
"""

from __future__ import annotations

import asyncio
import copy
import random
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

# Every update type the Bot API knows (tdlib/telegram-bot-api `get_update_type_name`):
# allowed_updates filters on all of them, produced by the sandbox or not.
UPDATE_TYPES = (
    "message", "edited_message", "channel_post", "edited_channel_post", "inline_query",
    "chosen_inline_result", "callback_query", "shipping_query", "pre_checkout_query", "poll",
    "poll_answer", "my_chat_member", "chat_member", "chat_join_request", "chat_boost",
    "removed_chat_boost", "message_reaction", "message_reaction_count", "business_connection",
    "business_message", "edited_business_message", "deleted_business_messages",
    "purchased_paid_media", "managed_bot", "guest_message",
)
# Telegram leaves these out unless a bot asks for them by name.
OPT_IN_UPDATES = {"chat_member", "message_reaction", "message_reaction_count"}
DEFAULT_UPDATES = frozenset(UPDATE_TYPES) - OPT_IN_UPDATES

# Rights of an administrator the creator promoted, in the order and with the fields the Bot
# API gives for groups and supergroups (`json_store_administrator_rights`, Bot API 10.0).
ADMIN_RIGHTS = {
    "can_be_edited": False, "can_manage_chat": True, "can_change_info": True,
    "can_delete_messages": True, "can_invite_users": True, "can_restrict_members": True,
    "can_pin_messages": True, "can_manage_topics": False, "can_promote_members": False,
    "can_manage_video_chats": True, "can_post_stories": False, "can_edit_stories": False,
    "can_delete_stories": False, "can_manage_tags": False, "is_anonymous": False,
    "can_manage_voice_chats": True,
    "can_send_welcome_messages": False,  # Bot API 10.3; clients that know it require it
}
ACTIVE = ("member", "administrator", "creator")


@dataclass
class Chat:
    id: int
    title: str
    type: str  # "group", "supergroup" or "private"
    members: dict[int, str] = field(default_factory=dict)  # user id → status
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_message_id: int = 1
    deleted: list[tuple[int, int]] = field(default_factory=list)  # (seq, message id)
    seq_of: dict[int, int] = field(default_factory=dict)  # message id → change sequence
    is_forum: bool = False
    topics: dict[int, str] = field(default_factory=dict)  # thread id → name
    pinned: list[int] = field(default_factory=list)
    reactions: dict[int, dict[int, list[dict[str, Any]]]] = field(default_factory=dict)
    last_bot_id: int | None = None  # the last bot that posted here (privacy mode)
    migrated_to: int | None = None  # a basic group upgraded to this supergroup
    migrated_from: int | None = None
    user: dict[str, Any] | None = None  # the other side of a private chat

    def as_api(self) -> dict[str, Any]:
        if self.type == "private" and self.user is not None:
            out = {"id": self.id, "first_name": self.user["first_name"], "type": "private"}
            for key in ("last_name", "username"):
                if self.user.get(key):
                    out[key] = self.user[key]
            return out
        out = {"id": self.id, "title": self.title, "type": self.type}
        if self.is_forum:
            out["is_forum"] = True
        return out


@dataclass
class Webhook:
    url: str
    secret: str | None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class Faults:
    error_rate: float = 0.0
    codes: tuple[int, ...] = (500,)
    latency_ms: tuple[int, int] = (0, 0)
    retry_after: int = 1
    methods: frozenset[str] | None = None
    rng: random.Random = field(default_factory=random.Random)

    def applies(self, method: str) -> bool:
        if self.methods is not None:
            return method in self.methods
        return method != "getUpdates"


class FloodControl:
    """Telegram's limits: N messages a rolling minute into one chat, M a second overall."""

    def __init__(self, per_chat_per_minute: int, overall_per_second: int) -> None:
        self.per_chat = per_chat_per_minute
        self.overall = overall_per_second
        self.reset()

    def reset(self) -> None:
        self._chat: dict[int, deque[float]] = {}
        self._all: deque[float] = deque()

    def check(self, chat_id: int, now: float) -> int | None:
        """Record one send; return retry_after seconds when it must be refused."""
        q = self._chat.setdefault(chat_id, deque())
        while q and now - q[0] >= 60:
            q.popleft()
        while self._all and now - self._all[0] >= 1:
            self._all.popleft()
        if len(q) >= self.per_chat:
            return max(1, int(60 - (now - q[0])) + 1)
        if len(self._all) >= self.overall:
            return 1
        q.append(now)
        self._all.append(now)
        return None


class SandboxState:
    def __init__(self, *, bot_username: str, bot_first_name: str, token: str | None,
                 can_read_all_group_messages: bool, seed: int | None) -> None:
        if token is None:
            bot_id = random.Random(seed).randint(6_000_000_000, 6_999_999_999)
            token = f"{bot_id}:SANDBOX-{secrets.token_urlsafe(24)}"
        self.token = token
        self.bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id, "is_bot": True, "first_name": bot_first_name,
            "username": bot_username,
        }
        self.default_can_read_all = can_read_all_group_messages
        self.seed = seed
        self.changed = asyncio.Condition()
        self.calls: deque[dict[str, Any]] = deque(maxlen=2000)
        self.call_counts: dict[str, int] = {}
        self.timers: list[asyncio.TimerHandle] = []  # polls closing by themselves
        self.wakers: set[asyncio.Task[None]] = set()
        self.reset()

    def reset(self) -> None:
        """A clean world for the next test: everything but the bot's identity and token."""
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()
        self.blocked: set[int] = set()  # users who blocked the bot
        self.can_read_all = self.default_can_read_all
        self.sent_429 = 0
        self.faults = Faults()
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.users: dict[int, dict[str, Any]] = {self.bot_id: self.bot_user}
        self.next_user_id = 100_001
        self.chats: dict[int, Chat] = {}
        self.next_chat_seq = 1
        self.updates: list[dict[str, Any]] = []
        self.next_update_id = 1
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATES
        self.webhook: Webhook | None = None
        self.poll_generation = 0  # a new long poll ends the one before it (409)
        self.poll_abort = ""
        self.closing = False  # the server is stopping: long polls and waits answer now
        self.started: set[int] = set()  # users who started the bot in a private chat
        self.polls: dict[str, dict[str, Any]] = {}  # poll id → {"poll", "chat", "message_id"}
        self.files: dict[str, tuple[bytes, str, str]] = {}  # file_id → (bytes, mime, path)
        self.callbacks: dict[str, dict[str, Any]] = {}
        self.seq = 0
        self.next_file = 1

    # --- change notification -------------------------------------------------------------
    async def notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    def bump(self, chat: Chat, message_id: int) -> None:
        """Mark a message changed, for the chat page's live view (never part of the message)."""
        self.seq += 1
        chat.seq_of[message_id] = self.seq

    # --- updates ---------------------------------------------------------------------------
    def push_update(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Queue a snapshot of an update; None when the bot's allowed_updates exclude it."""
        if kind not in self.allowed_updates:
            return None
        uid = self.next_update_id
        self.next_update_id += 1
        self.updates.append({"update_id": uid, kind: copy.deepcopy(payload)})
        return uid

    def close_poll(self, poll: dict[str, Any]) -> None:
        """Close a poll and tell the bot (a `poll` update), as Telegram does when its
        open_period or close_date has passed or the bot stops it."""
        if poll["is_closed"]:
            return
        poll["is_closed"] = True
        entry = self.polls.get(poll["id"])
        if entry is not None and entry["chat"] in self.chats:
            self.bump(self.chats[entry["chat"]], entry["message_id"])
        self.push_update("poll", poll)

    def close_poll_later(self, poll: dict[str, Any], seconds: float) -> None:
        loop = asyncio.get_running_loop()

        def close() -> None:
            self.close_poll(poll)
            task = loop.create_task(self.notify())
            self.wakers.add(task)
            task.add_done_callback(self.wakers.discard)

        self.timers.append(loop.call_later(max(0.0, seconds), close))

    # --- users and chats -------------------------------------------------------------------
    def user(self, user_id: int) -> dict[str, Any]:
        return self.users[user_id]

    def is_admin(self, chat: Chat, user_id: int) -> bool:
        return chat.members.get(user_id) in ("administrator", "creator")

    def is_member(self, chat: Chat, user_id: int) -> bool:
        return chat.members.get(user_id) in ACTIVE

    def member_api(self, chat: Chat, user_id: int, status: str | None = None) -> dict[str, Any]:
        status = status or chat.members.get(user_id, "left")
        out: dict[str, Any] = {"user": self.users[user_id], "status": status}
        if status == "creator":
            out["is_anonymous"] = False
        elif status == "administrator":
            rights = dict(ADMIN_RIGHTS)
            if chat.type != "supergroup":
                rights.pop("can_manage_topics")
            out.update(rights)
        elif status == "kicked":
            out["until_date"] = 0
        return out

    def new_file(self, data: bytes, mime: str, folder: str, ext: str) -> tuple[str, str]:
        n = self.next_file
        self.next_file += 1
        file_id = f"SBX{n:06d}{secrets.token_hex(8)}"
        path = f"{folder}/file_{n}.{ext}"
        self.files[file_id] = (data, mime, path)
        return file_id, path


def now_ts() -> int:
    return int(time.time())

"""The emulator's world: users, chats, messages, pending updates, files, limits and faults.

Everything lives in memory in one process; an asyncio.Condition wakes long-polling readers
(getUpdates, the chat page) when something changes.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

UPDATE_TYPES = (
    "message", "edited_message", "channel_post", "edited_channel_post", "callback_query",
    "my_chat_member", "chat_member", "message_reaction", "chat_join_request",
)
# Telegram leaves these out unless a bot asks for them by name.
OPT_IN_UPDATES = {"chat_member", "message_reaction", "message_reaction_count"}

ADMIN_RIGHTS = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
    "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
    "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
    "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False,
    "can_pin_messages": True,
}


@dataclass
class Chat:
    id: int
    title: str
    type: str
    members: dict[int, str] = field(default_factory=dict)  # user id → status
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_message_id: int = 1
    deleted: list[tuple[int, int]] = field(default_factory=list)  # (seq, message id)

    def as_api(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "type": self.type}


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
        self.can_read_all = can_read_all_group_messages
        self.seed = seed
        self.changed = asyncio.Condition()
        self.calls: deque[dict[str, Any]] = deque(maxlen=2000)
        self.call_counts: dict[str, int] = {}
        self.sent_429 = 0
        self.faults = Faults()
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.reset()

    def reset(self) -> None:
        self.users: dict[int, dict[str, Any]] = {self.bot_id: self.bot_user}
        self.next_user_id = 100_001
        self.chats: dict[int, Chat] = {}
        self.next_chat_seq = 1
        self.updates: list[dict[str, Any]] = []
        self.next_update_id = 1
        self.allowed_updates: list[str] | None = None
        self.webhook: Webhook | None = None
        self.files: dict[str, tuple[bytes, str, str]] = {}  # file_id → (bytes, mime, path)
        self.callbacks: dict[str, dict[str, Any]] = {}
        self.seq = 0
        self.next_file = 1

    # --- change notification -------------------------------------------------------------
    async def notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    def bump(self, msg: dict[str, Any]) -> None:
        self.seq += 1
        msg["sandbox_seq"] = self.seq

    # --- updates ---------------------------------------------------------------------------
    def wants(self, kind: str) -> bool:
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in OPT_IN_UPDATES

    def push_update(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Queue an update for the bot; None when the bot's allowed_updates exclude it."""
        if not self.wants(kind):
            return None
        uid = self.next_update_id
        self.next_update_id += 1
        self.updates.append({"update_id": uid, kind: payload})
        return uid

    # --- users and chats -------------------------------------------------------------------
    def user(self, user_id: int) -> dict[str, Any]:
        return self.users[user_id]

    def is_admin(self, chat: Chat, user_id: int) -> bool:
        return chat.members.get(user_id) in ("administrator", "creator")

    def member_api(self, chat: Chat, user_id: int) -> dict[str, Any]:
        status = chat.members.get(user_id, "left")
        out: dict[str, Any] = {"status": status, "user": self.users[user_id]}
        if status == "creator":
            out["is_anonymous"] = False
        elif status == "administrator":
            out.update(ADMIN_RIGHTS)
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

"""Building Bot API Message objects and routing them to the bot as updates.

Shared by the Bot API (messages the bot sends) and the control API (messages residents send),
so both sides see exactly the same objects.
"""

from __future__ import annotations

import struct
from typing import Any

from sandbox.entities import Entity, utf16_slice
from sandbox.state import Chat, SandboxState, now_ts

SERVICE_KEYS = ("new_chat_members", "left_chat_member", "migrate_to_chat_id",
                "migrate_from_chat_id", "group_chat_created", "supergroup_chat_created",
                "pinned_message", "forum_topic_created", "new_chat_title")


def strip_reply(msg: dict[str, Any]) -> dict[str, Any]:
    """A reply_to_message is embedded one level deep only, as Telegram does."""
    return {k: v for k, v in msg.items() if k != "reply_to_message"}


def new_message(state: SandboxState, chat: Chat, sender: dict[str, Any],
                fields: dict[str, Any], reply_to: int | None = None,
                thread_id: int | None = None) -> dict[str, Any]:
    mid = chat.next_message_id
    chat.next_message_id += 1
    msg: dict[str, Any] = {"message_id": mid}
    if thread_id:
        msg["message_thread_id"] = thread_id
        msg["is_topic_message"] = True
    msg.update({"from": sender, "chat": chat.as_api(), "date": now_ts()})
    if reply_to is not None and reply_to in chat.messages:
        msg["reply_to_message"] = strip_reply(chat.messages[reply_to])
    msg.update(fields)
    chat.messages[mid] = msg
    state.bump(chat, mid)
    if sender.get("is_bot") and not any(k in fields for k in SERVICE_KEYS):
        chat.last_bot_id = sender["id"]
    return msg


def text_fields(text: str, entities: list[Entity], key: str = "text") -> dict[str, Any]:
    out: dict[str, Any] = {key: text}
    if entities:
        out["entities" if key == "text" else "caption_entities"] = entities
    return out


def bot_sees(state: SandboxState, chat: Chat, msg: dict[str, Any]) -> bool:
    """Whether Telegram delivers this message to the bot.

    Messages of other bots: never. Private chats and service messages: always. In groups with
    privacy mode on (and the bot no admin): commands addressed to this bot, commands without
    an address only when this bot was the last bot to post in the group, mentions of the bot
    and replies to its messages (https://core.telegram.org/bots/features#privacy-mode).
    """
    sender = msg.get("from") or {}
    if sender.get("id") == state.bot_id or not state.is_member(chat, state.bot_id):
        return False
    if any(k in msg for k in SERVICE_KEYS):
        return True
    if sender.get("is_bot"):
        return False
    if chat.type == "private" or state.can_read_all or state.is_admin(chat, state.bot_id):
        return True
    reply = msg.get("reply_to_message")
    if reply and reply.get("from", {}).get("id") == state.bot_id:
        return True
    text = msg.get("text") or msg.get("caption") or ""
    username = state.bot_user["username"].lower()
    for ent in msg.get("entities") or msg.get("caption_entities") or []:
        piece = utf16_slice(text, ent["offset"], ent["length"]).lower()
        if ent["type"] == "mention" and piece == "@" + username:
            return True
        if ent["type"] == "bot_command" and ent["offset"] == 0:
            _, at, target = piece.partition("@")
            if target == username or (not at and chat.last_bot_id == state.bot_id):
                return True
    return False


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG, (0, 0) when we can't tell."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        w, h = struct.unpack(">II", data[16:24])
        return int(w), int(h)
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            seg = struct.unpack(">H", data[i + 2:i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                h, w = struct.unpack(">HH", data[i + 5:i + 9])
                return int(w), int(h)
            i += 2 + seg
    return 0, 0


def photo_sizes(state: SandboxState, data: bytes, mime: str) -> list[dict[str, Any]]:
    ext = "png" if mime == "image/png" else "jpg"
    file_id, _ = state.new_file(data, mime, "photos", ext)
    w, h = image_size(data)
    return [{"file_id": file_id, "file_unique_id": file_id[-12:], "width": w or 640,
             "height": h or 480, "file_size": len(data)}]


def placeholder_png() -> bytes:
    """A small solid-colour PNG for `photo: true` from the control API."""
    import zlib

    w, h = 64, 48
    raw = b"".join(b"\x00" + bytes((90, 160, 220)) * w for _ in range(h))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

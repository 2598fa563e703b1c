"""Telegram-style text entities: HTML parse_mode → (plain text, entities), UTF-16 offsets.

Telegram counts entity offsets and lengths in UTF-16 code units, so an emoji outside the BMP
counts two. Getting this wrong is the classic emulator bug that hides real client bugs.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any

_SIMPLE_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "code": "code", "pre": "pre", "tg-spoiler": "spoiler", "blockquote": "blockquote",
}


class EntityParseError(ValueError):
    """Raised with Telegram's wording: "can't parse entities: ..."."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _Parser(HTMLParser):
    def __init__(self, users: dict[int, dict[str, Any]]) -> None:
        super().__init__(convert_charrefs=True)
        self.users = users
        self.parts: list[str] = []
        self.pos = 0  # UTF-16 position in the output
        self.stack: list[tuple[str, dict[str, Any]]] = []
        self.entities: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in _SIMPLE_TAGS:
            kind = _SIMPLE_TAGS[tag]
            ent: dict[str, Any] = {"type": kind}
            if tag == "blockquote" and "expandable" in a:
                ent["type"] = "expandable_blockquote"
        elif tag == "span" and a.get("class") == "tg-spoiler":
            ent = {"type": "spoiler"}
        elif tag == "a":
            href = a.get("href") or ""
            m = re.fullmatch(r"tg://user\?id=(\d+)", href)
            if m:
                uid = int(m.group(1))
                user = self.users.get(uid) or {"id": uid, "is_bot": False, "first_name": str(uid)}
                ent = {"type": "text_mention", "user": user}
            else:
                ent = {"type": "text_link", "url": href}
        elif tag == "tg-emoji":
            ent = {"type": "custom_emoji", "custom_emoji_id": a.get("emoji-id", "")}
        else:
            raise EntityParseError(
                f"Bad Request: can't parse entities: Unsupported start tag \"{tag}\""
            )
        if tag == "code" and self.stack and self.stack[-1][0] == "pre":
            cls = a.get("class") or ""
            if cls.startswith("language-"):
                self.stack[-1][1]["language"] = cls[len("language-"):]
            self.stack.append((tag, {"type": "_skip"}))
            return
        ent["offset"] = self.pos
        self.stack.append((tag, ent))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1][0] != tag:
            raise EntityParseError(
                f"Bad Request: can't parse entities: Unmatched end tag \"{tag}\""
            )
        _, ent = self.stack.pop()
        if ent["type"] == "_skip":
            return
        ent["length"] = self.pos - ent["offset"]
        if ent["length"] > 0:
            self.entities.append(ent)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.pos += utf16_len(data)


def parse_html(text: str, users: dict[int, dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram's HTML subset; raises EntityParseError like the real Bot API."""
    parser = _Parser(users)
    # Telegram keeps line breaks as they are; <br> is not part of the subset.
    try:
        parser.feed(text)
        parser.close()
    except EntityParseError:
        raise
    if parser.stack:
        raise EntityParseError(
            f"Bad Request: can't parse entities: Can't find end tag corresponding to start tag "
            f"\"{parser.stack[-1][0]}\""
        )
    ents = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.parts), ents


_AUTO = re.compile(
    r"(?P<command>(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)"
    r"|(?P<mention>(?<![\w@])@[A-Za-z0-9_]{4,32})"
    r"|(?P<url>https?://[^\s<>\"]+)"
    r"|(?P<hashtag>(?<![\w#])#(?![0-9]+(?![\w]))\w+)"
)


def auto_entities(text: str, taken: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Entities Telegram detects by itself: bot_command, mention, url, hashtag."""
    found: list[dict[str, Any]] = []
    taken = taken or []
    for m in _AUTO.finditer(text):
        kind = m.lastgroup or ""
        off = utf16_len(text[: m.start()])
        length = utf16_len(m.group(0))
        overlaps = any(e["offset"] < off + length and off < e["offset"] + e["length"]
                       and e["type"] in ("text_link", "text_mention", "code", "pre")
                       for e in taken)
        if overlaps:
            continue
        found.append({"type": "bot_command" if kind == "command" else kind,
                      "offset": off, "length": length})
    return found


def escape(text: str) -> str:
    return html.escape(text, quote=False)

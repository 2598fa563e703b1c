"""Entities Telegram finds by itself in a text, and the clean-up it does before sending.

Reimplemented from the behaviour of TDLib (`td/telegram/MessageEntity.cpp`: `find_entities`,
`fix_formatted_text`), which the Bot API server runs on every message. The rules that matter
for a Chinese group bot: a command or username never ends at a letter, and CJK characters are
letters, so `/report漏水` is no command and `@zhang_shifu你好` no mention; `#投诉#漏水` is no
hashtag at all. Offsets and lengths are UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sandbox.urls import find_urls

Entity = dict[str, Any]

# Types whose range must not be crossed by an entity found later (Telegram's "continuous"
# entities); bold, italic, underline, strikethrough and spoiler may be split instead.
_SPLITTABLE = {"bold", "italic", "underline", "strikethrough", "spoiler"}
_PRIORITY = {"bold": 90, "italic": 91, "underline": 92, "strikethrough": 93, "spoiler": 94,
             "custom_emoji": 99, "code": 20, "pre": 11, "text_link": 49, "text_mention": 49,
             "blockquote": 0, "expandable_blockquote": 0}
_SHORT_USERNAMES = {"gif", "nft", "pic", "ufc", "vid"}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def utf16_slice(text: str, offset: int, length: int) -> str:
    raw = text.encode("utf-16-le")
    return raw[offset * 2:(offset + length) * 2].decode("utf-16-le", errors="ignore")


def sort_key(e: Entity) -> tuple[int, int, int]:
    return e["offset"], -e["length"], _PRIORITY.get(e["type"], 50)


def category(ch: str) -> str:
    """TDLib's simple categories: L (letter), Nd, N (other number), Z (separator), '' else."""
    cat = unicodedata.category(ch)
    if cat[0] == "L":
        return "L"
    if cat == "Nd":
        return "Nd"
    if cat[0] == "N":
        return "N"
    if cat[0] == "Z":
        return "Z"
    return ""


def is_word(ch: str) -> bool:
    return ch == "_" or category(ch) in ("L", "Nd", "N")


def _ascii_word(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def _scan(text: str, i: int, pred: Any) -> int:
    while i < len(text) and pred(text[i]):
        i += 1
    return i


def find_mentions(text: str) -> list[tuple[int, int]]:
    out = []
    i = text.find("@")
    while i != -1:
        if i > 0 and is_word(text[i - 1]):
            i = text.find("@", i + 1)
            continue
        end = _scan(text, i + 1, _ascii_word)
        name = text[i + 1:end]
        after = text[end] if end < len(text) else ""
        if (2 <= len(name) <= 32 and not (after and is_word(after))
                and (len(name) >= 4 or name.lower() in _SHORT_USERNAMES)):
            out.append((i, end))
        i = text.find("@", max(end, i + 1))
    return out


def find_bot_commands(text: str) -> list[tuple[int, int]]:
    out = []
    i = text.find("/")
    while i != -1:
        if i > 0 and (is_word(text[i - 1]) or text[i - 1] in "/<>"):
            i = text.find("/", i + 1)
            continue
        end = _scan(text, i + 1, _ascii_word)
        ok = 1 <= end - i - 1 <= 64
        if ok and end < len(text) and text[end] == "@":
            at_end = _scan(text, end + 1, _ascii_word)
            ok = 3 <= at_end - end - 1 <= 32
            end = at_end
        after = text[end] if end < len(text) else ""
        if ok and not (after and (is_word(after) or after in "/<>")):
            out.append((i, end))
        i = text.find("/", max(end, i + 1))
    return out


def _hashtag_letter(ch: str) -> bool:
    return (ch in "_\u200c\u00b7" or 0xD80 <= ord(ch) <= 0xDFF
            or category(ch) in ("L", "Nd"))


def find_hashtags(text: str) -> list[tuple[int, int]]:
    out = []
    i = text.find("#")
    while i != -1:
        if i > 0 and _hashtag_letter(text[i - 1]):
            i = text.find("#", i + 1)
            continue
        end = _scan(text, i + 1, _hashtag_letter)
        body = text[i + 1:end]
        tag_end = i + 1 + min(len(body), 256)
        if body and tag_end == end and end < len(text) and text[end] == "@":
            user_end = end + 1
            while user_end < len(text) and user_end - end < 33 and _ascii_word(text[user_end]):
                user_end += 1
            if user_end - end - 1 >= 3:
                end = tag_end = user_end
        if (body and not (end < len(text) and text[end] == "#")
                and any(category(c) == "L" for c in body[:256])):
            out.append((i, tag_end))
        i = text.find("#", max(end, i + 1))
    return out


def find_cashtags(text: str) -> list[tuple[int, int]]:
    out = []
    i = text.find("$")
    while i != -1:
        if i > 0 and (_hashtag_letter(text[i - 1]) or text[i - 1] == "$"):
            i = text.find("$", i + 1)
            continue
        if text.startswith("1INCH", i + 1):
            end = i + 6
        else:
            end = _scan(text, i + 1, lambda c: "A" <= c <= "Z")
        ok = 1 <= end - i - 1 <= 8
        if ok and end < len(text) and text[end] == "@":
            user_end = _scan(text, end + 1, _ascii_word)
            if 3 <= user_end - end - 1 <= 32:
                end = user_end
        after = text[end] if end < len(text) else ""
        if ok and not (after and (_hashtag_letter(after) or after == "$")):
            out.append((i, end))
        i = text.find("$", max(end, i + 1))
    return out


def _to_utf16(text: str, spans: list[tuple[int, int, str]]) -> list[Entity]:
    """Code-point spans → sorted, non-intersecting entities with UTF-16 offsets."""
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    out: list[Entity] = []
    last_end = 0
    for start, end, kind in spans:
        if start < last_end or end <= start:
            continue
        last_end = end
        out.append({"type": kind, "offset": utf16_len(text[:start]),
                    "length": utf16_len(text[start:end])})
    return out


def find_entities(text: str, skip_bot_commands: bool = False) -> list[Entity]:
    """Mentions, commands, hashtags, cashtags, URLs and e-mails, as Telegram detects them."""
    spans: list[tuple[int, int, str]] = [(s, e, "mention") for s, e in find_mentions(text)]
    if not skip_bot_commands:
        spans += [(s, e, "bot_command") for s, e in find_bot_commands(text)]
    spans += [(s, e, "hashtag") for s, e in find_hashtags(text)]
    spans += [(s, e, "cashtag") for s, e in find_cashtags(text)]
    spans += [(s, e, "email" if is_email else "url") for s, e, is_email in find_urls(text)]
    return _to_utf16(text, spans)


def merge_found(entities: list[Entity], found: list[Entity]) -> list[Entity]:
    """Add found entities that cross no code, pre, link or mention entity already there."""
    blocking = [e for e in entities if e["type"] not in _SPLITTABLE]
    kept = [f for f in found
            if not any(b["offset"] < f["offset"] + f["length"]
                       and f["offset"] < b["offset"] + b["length"]
                       and not (b["type"].endswith("blockquote")
                                and b["offset"] <= f["offset"]
                                and f["offset"] + f["length"] <= b["offset"] + b["length"])
                       for b in blocking)]
    return sorted(entities + kept, key=sort_key)


def _clean_char(ch: str) -> str:
    code = ord(ch)
    if code == 13 or 0x2028 <= code <= 0x202E:
        return ""
    if code < 32 and ch != "\n":
        return " "
    return ch


def clean_text(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Telegram's clean-up: control characters become spaces, CR and U+2028–U+202E vanish,
    leading and trailing spaces and newlines are trimmed; entities follow the text."""
    out: list[str] = []
    pos16 = 0  # position in the input, UTF-16
    new16 = 0  # position in the output, UTF-16
    mapping: dict[int, int] = {}
    for ch in text:
        mapping[pos16] = new16
        width = 2 if ord(ch) > 0xFFFF else 1
        cleaned = _clean_char(ch)
        out.append(cleaned)
        pos16 += width
        new16 += width if cleaned else 0
    mapping[pos16] = new16
    result = "".join(out)
    ents: list[Entity] = []
    for e in entities:
        start = mapping.get(e["offset"], new16)
        end = mapping.get(e["offset"] + e["length"], new16)
        if end > start:
            ents.append({**e, "offset": start, "length": end - start})
    # Right trim, then left trim up to the first entity.
    stripped = result.rstrip(" \n")
    end16 = utf16_len(stripped)
    ents = [{**e, "length": min(e["length"], end16 - e["offset"])} for e in ents
            if e["offset"] < end16]
    first = min((e["offset"] for e in ents), default=end16)
    lead = 0
    while lead < len(stripped) and lead < first and stripped[lead] in " \n":
        lead += 1
    ents = [{**e, "offset": e["offset"] - lead} for e in ents if e["length"] > 0]
    return stripped[lead:], sorted(ents, key=sort_key)

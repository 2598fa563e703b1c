"""parse_mode=HTML turned into (text, entities), and what every parse_mode shares.

Reimplemented from TDLib's `parse_html`, byte for byte where it shows: every `<` opens a tag,
only `&lt; &gt; &amp; &quot;` and numeric references are decoded, and errors name the byte
offset, e.g. `Unclosed start tag at byte offset 6` for `温度<20度`. Offsets of the entities are
UTF-16 code units. MarkdownV2 and Markdown are in sandbox/markdown.py.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

Entity = dict[str, Any]


class EntityParseError(ValueError):
    """The message Telegram puts after "can't parse entities: "."""


_HTML_TAGS = {"a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler",
              "tg-emoji", "tg-time", "span", "pre", "code", "blockquote"}
_SIMPLE = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "s": "strikethrough",
           "strike": "strikethrough", "del": "strikethrough", "u": "underline",
           "ins": "underline", "tg-spoiler": "spoiler"}
_NAMED = {b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"'}
SPACE = b" \t\r\n\x0b\x0c"


def utf16_units(first_byte: int) -> int:
    """UTF-16 units of the character starting with this UTF-8 byte (0 for a continuation)."""
    if first_byte & 0xC0 == 0x80:
        return 0
    return 2 if first_byte >= 0xF0 else 1


def _decode_entity(raw: bytes, pos: int) -> tuple[int, int]:
    """(code point, position after the reference), or (0, pos) when it is not one."""
    end = pos + 1
    code = 0
    if raw[end:end + 1] == b"#":
        end += 1
        if raw[end:end + 1] == b"x":
            end += 1
            start = end
            while end < len(raw) and chr(raw[end]) in "0123456789abcdefABCDEF":
                end += 1
            code = int(raw[start:end], 16) if end > start else 0
        else:
            start = end
            while end < len(raw) and 48 <= raw[end] <= 57:
                end += 1
            code = int(raw[start:end]) if end > start else 0
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        start = end
        while end < len(raw) and chr(raw[end]).isascii() and chr(raw[end]).isalpha():
            end += 1
        named = _NAMED.get(raw[start:end])
        if named is None:
            return 0, pos
        code = ord(named)
    if raw[end:end + 1] == b";":
        end += 1
    return code, end


def checked_link(url: str) -> str:
    """The link Telegram keeps for a text_link, or "" for one it drops."""
    low = url.lower()
    if low.startswith("tg:"):
        return url if re.fullmatch(r"(?i)tg://[A-Za-z0-9_-]+[/?]?.*", url) else ""
    if "://" not in url:
        url = "http://" + url
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https", "ftp") or "." not in (parts.hostname or ""):
        return ""
    return parts._replace(path=parts.path or "/").geturl()


def link_entity(url: str, users: dict[int, dict[str, Any]]) -> Entity | None:
    m = re.fullmatch(r"(?i)tg://user\?id=(\d+)", url)
    if m:
        uid = int(m.group(1))
        user = users.get(uid) or {"id": uid, "is_bot": False, "first_name": str(uid)}
        return {"type": "text_mention", "user": user}
    link = checked_link(url)
    return {"type": "text_link", "url": link} if link else None


def parse_html(text: str, users: dict[int, dict[str, Any]]) -> tuple[str, list[Entity]]:
    raw = text.encode()
    n = len(raw)
    out = bytearray()
    pos16 = 0
    stack: list[dict[str, Any]] = []
    entities: list[Entity] = []
    i = 0
    while i < n:
        c = raw[i]
        if c == 0x26:  # &
            code, after = _decode_entity(raw, i)
            if code:
                ch = chr(code)
                out += ch.encode("utf-8", "surrogatepass")
                pos16 += 2 if code > 0xFFFF else 1
                i = after
                continue
        if c != 0x3C:  # <
            pos16 += utf16_units(c)
            out.append(c)
            i += 1
            continue
        begin = i
        i += 1
        if raw[i:i + 1] != b"/":
            while i < n and raw[i] not in SPACE and raw[i] != 0x3E:
                i += 1
            if i >= n:
                raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
            tag = raw[begin + 1:i].decode(errors="replace").lower()
            if tag not in _HTML_TAGS:
                raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument, i = _html_attributes(raw, i, tag, begin)
            if tag == "span" and argument != "spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
            stack.append({"tag": tag, "argument": argument, "offset": pos16,
                          "begin": len(out)})
            i += 1  # past '>'
            continue
        if not stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
        while i < n and raw[i] not in SPACE and raw[i] != 0x3E:
            i += 1
        end_tag = raw[begin + 2:i].decode(errors="replace").lower()
        while i < n and raw[i] in SPACE:
            i += 1
        if i >= n or raw[i] != 0x3E:
            raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
        i += 1
        top = stack.pop()
        if end_tag and end_tag != top["tag"]:
            raise EntityParseError(f'Unmatched end tag at byte offset {begin}, expected '
                                   f'"</{top["tag"]}>", found "</{end_tag}>"')
        if pos16 > top["offset"]:
            ent = _html_entity(top, bytes(out[top["begin"]:]).decode(errors="replace"),
                               entities, pos16, users)
            if ent is not None:
                ent["offset"] = top["offset"]
                ent["length"] = pos16 - top["offset"]
                entities.append(ent)
    if stack:
        raise EntityParseError(
            f'Can\'t find end tag corresponding to start tag "{stack[-1]["tag"]}"')
    try:
        result = out.decode()
    except UnicodeDecodeError:
        raise EntityParseError("Text contains invalid Unicode characters after decoding HTML "
                               "entities, check for unmatched surrogate code units") from None
    for e in entities:
        if e["type"] == "code":
            e.pop("language", None)
    return result, entities


def _html_attributes(raw: bytes, i: int, tag: str, begin: int) -> tuple[str, int]:
    """Read the attributes of a start tag; returns the tag's argument and the '>' index."""
    n = len(raw)
    argument = ""
    while i < n and raw[i] != 0x3E:
        while i < n and raw[i] in SPACE:
            i += 1
        if i < n and raw[i] == 0x3E:
            break
        name_start = i
        while i < n and raw[i] not in SPACE and chr(raw[i]) not in "=>/\"'":
            i += 1
        name = raw[name_start:i].decode(errors="replace")
        if not name:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
        while i < n and raw[i] in SPACE:
            i += 1
        if i >= n:
            raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
        if raw[i] != 0x3D:  # no '=': a bare attribute
            if tag == "blockquote" and name == "expandable":
                argument = "1"
            continue
        i += 1
        while i < n and raw[i] in SPACE:
            i += 1
        if i >= n:
            raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
        if raw[i] not in b"'\"":
            token_start = i
            while i < n and (chr(raw[i]).isascii() and (chr(raw[i]).isalnum()
                                                       or raw[i] in b".-")):
                i += 1
            value = raw[token_start:i].decode().lower()
            if i >= n or (raw[i] not in SPACE and raw[i] != 0x3E):
                raise EntityParseError(
                    f"Unexpected end of name token at byte offset {token_start}")
        else:
            quote = raw[i]
            i += 1
            buf = bytearray()
            while i < n and raw[i] != quote:
                if raw[i] == 0x26:
                    code, after = _decode_entity(raw, i)
                    if code:
                        buf += chr(code).encode("utf-8", "surrogatepass")
                        i = after
                        continue
                buf.append(raw[i])
                i += 1
            if i < n:
                i += 1
            value = buf.decode(errors="replace")
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
        if tag == "a" and name == "href":
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value[9:]
        elif tag == "span" and name == "class" and value.startswith("tg-"):
            argument = value[3:]
        elif tag == "tg-emoji" and name == "emoji-id":
            argument = value
        elif tag == "blockquote" and name == "expandable":
            argument = "1"
    return argument, i


def _html_entity(top: dict[str, Any], inner: str, entities: list[Entity], pos16: int,
                 users: dict[int, dict[str, Any]]) -> Entity | None:
    tag, argument = top["tag"], top["argument"]
    if tag in _SIMPLE or tag == "span":
        return {"type": _SIMPLE.get(tag, "spoiler")}
    if tag == "tg-emoji":
        if not argument.isdigit() or int(argument) == 0:
            raise EntityParseError("Invalid custom emoji identifier specified")
        return {"type": "custom_emoji", "custom_emoji_id": argument}
    if tag == "tg-time":
        return None
    if tag == "a":
        return link_entity(argument or inner, users)
    same_span = bool(entities) and entities[-1]["offset"] == top["offset"] and (
        entities[-1]["offset"] + entities[-1]["length"] == pos16)
    if tag == "pre":
        if same_span and entities[-1]["type"] == "code" and entities[-1].get("language"):
            lang = entities.pop()["language"]
            return {"type": "pre", "language": lang}
        return {"type": "pre"}
    if tag == "code":
        if same_span and entities[-1]["type"] == "pre" and argument:
            entities[-1]["language"] = argument
            return None
        return {"type": "code", "language": argument} if argument else {"type": "code"}
    if tag == "blockquote":
        return {"type": "expandable_blockquote" if argument else "blockquote"}
    return None

"""parse_mode=MarkdownV2 and the legacy Markdown turned into (text, entities).

Reimplemented from TDLib's `parse_markdown_v2` and `parse_markdown`: every reserved character
outside an entity must be escaped (`Character '.' is reserved and must be escaped with the
preceding '\\'`), and an unfinished entity is named with its byte offset.
"""

from __future__ import annotations

from typing import Any

from sandbox.markup import SPACE, Entity, EntityParseError, link_entity, utf16_units

_MD_RESERVED = b"_*[]()~`>#+-=|{}.!\n"
_MD_NAMES = {"bold": "Bold", "italic": "Italic", "code": "Code", "pre": "Pre",
             "text_link": "TextUrl", "underline": "Underline", "strikethrough": "Strikethrough",
             "spoiler": "Spoiler", "custom_emoji": "CustomEmoji", "blockquote": "BlockQuote"}


def _reserved(ch: int) -> EntityParseError:
    return EntityParseError(
        f"Character '{chr(ch)}' is reserved and must be escaped with the preceding '\\'")


def parse_markdown_v2(text: str, users: dict[int, dict[str, Any]]) -> tuple[str, list[Entity]]:
    raw = text.encode() + b"\0\0\0"
    n = len(raw) - 3
    out = bytearray()
    pos16 = 0
    stack: list[dict[str, Any]] = []
    entities: list[Entity] = []
    quote_open = False
    line_start = True
    i = 0
    while i < n:
        c = raw[i]
        if c == 0x5C and 0 < raw[i + 1] <= 126:  # backslash escapes any ASCII character
            i += 1
            pos16 += 1
            out.append(raw[i])
            if raw[i] != 0x0D:
                line_start = raw[i] == 0x0A
            i += 1
            continue
        top = stack[-1]["type"] if stack else None
        reserved = b"`" if top in ("code", "pre") else _MD_RESERVED
        if c not in reserved:
            units = utf16_units(c)
            pos16 += units
            if units and c != 0x0D:
                line_start = False
            out.append(c)
            i += 1
            continue
        if stack and _md_closes(stack[-1]["type"], raw, i, quote_open):
            i = _md_close(stack, raw, i, out, pos16, entities, users)
            if c == 0x0A:  # a line break that closed the quote is kept
                pos16 += 1
                quote_open = False
                line_start = True
            continue
        start_byte = i
        kind, language, i = _md_open(raw, i, line_start, quote_open)
        if kind == "newline":
            out.append(0x0A)
            pos16 += 1
            line_start = True
            i += 1
            continue
        if kind == "skip":
            i += 1
            continue
        if kind == "blockquote":
            quote_open = True
        stack.append({"type": kind, "language": language, "offset": pos16,
                      "begin": len(out), "start_byte": start_byte})
        i += 1
    if quote_open and stack and stack[-1]["type"] == "blockquote":
        top_q = stack.pop()
        if pos16 > top_q["offset"]:
            entities.append({"type": "blockquote", "offset": top_q["offset"],
                             "length": pos16 - top_q["offset"]})
    if stack:
        name = _MD_NAMES.get(stack[-1]["type"], stack[-1]["type"])
        if stack[-1]["type"] == "pre" and stack[-1]["language"]:
            name = "PreCode"
        raise EntityParseError(
            f"Can't find end of {name} entity at byte offset {stack[-1]['start_byte']}")
    return out.decode(errors="replace"), entities


def _md_closes(kind: str, raw: bytes, i: int, quote_open: bool) -> bool:
    c = raw[i]
    if quote_open and c == 0x0A and raw[i + 1] != 0x3E:
        return kind == "blockquote"
    return {
        "bold": c == 0x2A, "italic": c == 0x5F and raw[i + 1] != 0x5F, "code": c == 0x60,
        "pre": raw[i:i + 3] == b"```", "text_link": c == 0x5D,
        "underline": raw[i:i + 2] == b"__", "strikethrough": c == 0x7E,
        "spoiler": raw[i:i + 2] == b"||",
    }.get(kind, False)


def _md_open(raw: bytes, i: int, line_start: bool,
             quote_open: bool) -> tuple[str, str, int]:
    """(kind, language, index of the entity's last marker byte) for an opening marker."""
    c = raw[i]
    if c == 0x5F:
        return ("underline", "", i + 1) if raw[i + 1] == 0x5F else ("italic", "", i)
    if c == 0x2A:
        return "bold", "", i
    if c == 0x7E:
        return "strikethrough", "", i
    if c == 0x7C and raw[i + 1] == 0x7C:
        return "spoiler", "", i + 1
    if c == 0x5B:
        return "text_link", "", i
    if c == 0x60:
        if raw[i:i + 3] != b"```":
            return "code", "", i
        j = i + 3
        end = j
        while raw[end] not in SPACE + b"`\0":
            end += 1
        language = ""
        if end != j and raw[end] not in b"`\0":
            language = raw[j:end].decode(errors="replace")
            j = end
        if raw[j] in b"\r\n":
            j += 2 if raw[j + 1] in b"\r\n" and raw[j] != raw[j + 1] else 1
        return "pre", language, j - 1
    if c == 0x0A:
        return "newline", "", i
    if c == 0x3E and line_start:
        return ("skip", "", i) if quote_open else ("blockquote", "", i)
    raise _reserved(c)


def _md_close(stack: list[dict[str, Any]], raw: bytes, i: int, out: bytearray, pos16: int,
              entities: list[Entity], users: dict[int, dict[str, Any]]) -> int:
    """Close the innermost entity at raw[i]; returns the index after its closing marker."""
    top = stack.pop()
    kind = top["type"]
    ent: Entity | None = {"type": kind}
    if kind in ("underline", "spoiler"):
        i += 1
    elif kind == "pre":
        i += 2
        if top["language"]:
            ent = {"type": "pre", "language": top["language"]}
    elif kind == "text_link":
        inner = bytes(out[top["begin"]:]).decode(errors="replace")
        if raw[i + 1] == 0x28:
            i += 2
            url_start = i
            url = bytearray()
            while i < len(raw) - 3 and raw[i] != 0x29:
                if raw[i] == 0x5C and 0 < raw[i + 1] <= 126:
                    url.append(raw[i + 1])
                    i += 2
                    continue
                url.append(raw[i])
                i += 1
            if raw[i] != 0x29:
                raise EntityParseError(f"Can't find end of a URL at byte offset {url_start}")
            inner = url.decode(errors="replace")
        ent = link_entity(inner, users)
    elif kind == "blockquote":
        out.append(0x0A)
        pos16 += 1
    if ent is not None and pos16 > top["offset"]:
        ent["offset"] = top["offset"]
        ent["length"] = pos16 - top["offset"]
        entities.append(ent)
    return i + 1


# --- legacy Markdown --------------------------------------------------------------------------
def parse_markdown(text: str, users: dict[int, dict[str, Any]]) -> tuple[str, list[Entity]]:
    """parse_mode=Markdown: *bold*, _italic_, `code`, ```pre```, [text](url); no nesting."""
    raw = text.encode() + b"\0\0\0"
    n = len(raw) - 3
    out = bytearray()
    pos16 = 0
    entities: list[Entity] = []
    i = 0
    while i < n:
        c = raw[i]
        if c == 0x5C and raw[i + 1] in b"_*`[":
            out.append(raw[i + 1])
            pos16 += 1
            i += 2
            continue
        if c not in b"_*`[":
            pos16 += utf16_units(c)
            out.append(c)
            i += 1
            continue
        begin = i
        closing = 0x5D if c == 0x5B else c
        i += 1
        pre = c == 0x60 and raw[i:i + 2] == b"``"
        language = ""
        if pre:
            i += 2
            end = i
            while raw[end] not in SPACE + b"`\0":
                end += 1
            if end != i and raw[end] not in b"`\0":
                language = raw[i:end].decode(errors="replace")
                i = end
            if raw[i] in b"\r\n":
                i += 2 if raw[i + 1] in b"\r\n" and raw[i] != raw[i + 1] else 1
        start16 = pos16
        start_out = len(out)
        while i < n and (raw[i] != closing or (pre and raw[i + 1:i + 3] != b"``")):
            pos16 += utf16_units(raw[i])
            out.append(raw[i])
            i += 1
        if i >= n:
            raise EntityParseError(
                f"Can't find end of the entity starting at byte offset {begin}")
        ent: Entity | None = None
        if c == 0x5F:
            ent = {"type": "italic"}
        elif c == 0x2A:
            ent = {"type": "bold"}
        elif c == 0x60:
            ent = {"type": "pre", "language": language} if language else {
                "type": "pre" if pre else "code"}
        else:
            url = bytes(out[start_out:]).decode(errors="replace")
            if raw[i + 1] == 0x28:
                i += 2
                start_url = i
                while i < n and raw[i] != 0x29:
                    i += 1
                url = raw[start_url:i].decode(errors="replace")
            ent = link_entity(url, users)
        if ent is not None and pos16 > start16:
            entities.append({**ent, "offset": start16, "length": pos16 - start16})
        i += 3 if pre else 1
    return out.decode(errors="replace"), entities

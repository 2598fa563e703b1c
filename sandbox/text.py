"""A message's text as Telegram stores it: parse_mode or explicit entities, clean-up, trimming,
entities it finds itself, and the length limits counted in characters after trimming."""

from __future__ import annotations

from typing import Any

from sandbox.entities import Entity, clean_text, find_entities, merge_found, sort_key
from sandbox.errors import bad
from sandbox.markdown import parse_markdown, parse_markdown_v2
from sandbox.markup import EntityParseError, parse_html
from sandbox.params import loose_json

_PARSERS = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}
_EXPLICIT = {"bold", "italic", "underline", "strikethrough", "spoiler", "code", "pre",
             "text_link", "text_mention", "custom_emoji", "blockquote",
             "expandable_blockquote", "date_time"}
_FOUND = {"mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number",
          "bank_card_number"}


def _explicit_entities(value: Any, users: dict[int, dict[str, Any]]) -> list[Entity]:
    """`entities` as sent: anything but a JSON array is ignored, as Telegram does."""
    value = loose_json(value)
    if not isinstance(value, list):
        return []
    out: list[Entity] = []
    for item in value:
        if not isinstance(item, dict):
            raise bad("can't parse MessageEntity: expected an Object")
        kind = item.get("type")
        if not isinstance(kind, str) or not kind:
            raise bad("can't parse MessageEntity: Type is not specified")
        if kind in _FOUND:
            continue
        if kind not in _EXPLICIT:
            raise bad("can't parse MessageEntity: Unsupported type specified")
        try:
            ent: Entity = {**item, "offset": int(item["offset"]), "length": int(item["length"])}
        except (KeyError, TypeError, ValueError):
            raise bad("can't parse MessageEntity: Field \"offset\" must be of type Number"
                      ) from None
        if kind == "text_mention":
            uid = (item.get("user") or {}).get("id")
            ent["user"] = users.get(uid) if isinstance(uid, int) else None
            ent["user"] = ent["user"] or item.get("user")
        if ent["length"] > 0:
            out.append(ent)
    return sorted(out, key=sort_key)


def format_text(raw: str, parse_mode: str | None, entities: Any,
                users: dict[int, dict[str, Any]]) -> tuple[str, list[Entity]]:
    """(text, entities) of an outgoing text or caption; raises ApiError as Telegram does."""
    if len(raw.encode()) > 1 << 15:
        raise bad("text is too long")
    mode = (parse_mode or "").lower()
    if mode and mode != "none":
        parser = _PARSERS.get(mode)
        if parser is None:
            raise bad("unsupported parse_mode")
        try:
            text, ents = parser(raw, users)
        except EntityParseError as exc:
            raise bad(f"can't parse entities: {exc}") from None
    else:
        text, ents = raw, _explicit_entities(entities, users)
    text, ents = clean_text(text, ents)
    if not text:
        raise bad("text must be non-empty")
    return text, merge_found(ents, find_entities(text))


def user_text(raw: str) -> tuple[str, list[Entity]]:
    """What a person types: cleaned and trimmed, entities found as Telegram finds them."""
    text, _ = clean_text(raw, [])
    return text, find_entities(text)


def char_count(text: str) -> int:
    """Telegram's limits count characters (code points), not UTF-16 units."""
    return len(text)

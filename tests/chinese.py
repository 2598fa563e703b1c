"""Chinese everywhere a person reads: what counts as an English word in a bot message.

Commands (/settings), usernames (@wang_wangge), numbers and links are not words a person
reads as English; everything else in Latin letters is, except the few names listed here that
a person must type or find exactly as written."""

from __future__ import annotations

import html
import json
import re
from typing import Any

# BotFather's own button label: the owner has to find it by that name.
ALLOWED = frozenset({"Disable"})

_TAG = re.compile(r"<[^>]+>")
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_COMMAND = re.compile(r"(?<![A-Za-z0-9_])/[A-Za-z][A-Za-z0-9_]*(@[A-Za-z0-9_]+)?")
_USERNAME = re.compile(r"@[A-Za-z0-9_]+")
_LINK = re.compile(r"(https?|tg)://\S+")
_WORD = re.compile(r"[A-Za-z]+")


def english_words(text: str, *, template: bool = False) -> list[str]:
    """The English words a person would read in `text` (Telegram HTML, or a template)."""
    if template:
        text = _JINJA.sub(" ", text)
    # Tags, then what a resident typed that looks like one (shown escaped, as typed).
    text = _TAG.sub(" ", html.unescape(_TAG.sub(" ", text)))
    for rx in (_LINK, _COMMAND, _USERNAME):
        text = rx.sub(" ", text)
    return [w for w in _WORD.findall(text) if w not in ALLOWED]


# Bot API calls whose text a person reads, and the parameters that hold it.
READ_BY_PEOPLE = {"sendMessage": ("text",), "editMessageText": ("text",),
                  "sendPhoto": ("caption",), "editMessageCaption": ("caption",),
                  "answerCallbackQuery": ("text",)}


def english_in_calls(calls: list[dict[str, Any]], operators: int | None = None,
                     ) -> list[tuple[str, str, list[str]]]:
    """(method, text, words) for every call of the bot whose text has English words; the
    operators' admin chat (error reports with tracebacks) is not a person's group."""
    out = []
    for call in calls:
        chat = str((call.get("params") or {}).get("chat_id", ""))
        if operators is not None and chat == str(operators):
            continue
        texts = [str((call.get("params") or {}).get(key) or "")
                 for key in READ_BY_PEOPLE.get(call.get("method", ""), ())]
        if call.get("method") == "setMyCommands":  # the command menu's descriptions
            menu = (call.get("params") or {}).get("commands") or "[]"
            texts = [c["description"] for c in (json.loads(menu) if isinstance(menu, str)
                                                else menu)]
        for text in texts:
            words = english_words(text)
            if words:
                out.append((call["method"], text, words))
    return out

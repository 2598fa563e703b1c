"""Small HTML helpers shared by every message the bot builds."""

from __future__ import annotations

import html
import re

MAX_MESSAGE = 4096
_TAG = re.compile(r"<[^>]+>")


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def plain_text(html_text: str) -> str:
    """What a message of ours reads as where no HTML is rendered (an alert, a terminal): the
    tags dropped, the entities (&lt; &amp;) turned back into the characters typed."""
    return html.unescape(_TAG.sub("", html_text))


def mention_html(user_id: int, name: str, username: str | None = None) -> str:
    """@username when there is one; otherwise a tg://user link, which Telegram turns into a
    text_mention entity that notifies a person who has no username."""
    if username:
        return f"@{escape(username)}"
    return f'<a href="tg://user?id={int(user_id)}">{escape(name or str(user_id))}</a>'


def split_message(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Split HTML text into ≤ limit pieces at line ends; a single overlong line is cut at a
    character boundary outside any tag. Tags we emit never span lines."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            cut = limit
            lt, gt = line.rfind("<", 0, cut), line.rfind(">", 0, cut)
            if lt > gt:
                cut = lt
            amp = line.rfind("&", 0, cut)
            if amp != -1 and ";" not in line[amp:cut]:
                cut = amp
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current:
        parts.append(current)
    return parts

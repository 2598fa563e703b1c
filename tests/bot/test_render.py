"""Pure helpers: masking, splitting, mentions."""

from __future__ import annotations

import pytest

from bot.present.html import mention_html, plain_text, split_message
from issues.privacy import mask


@pytest.mark.parametrize("raw,masked", [
    ("电话13812345678", "电话138****5678"),
    ("身份证430102199001011234", "身份证430102********123*"),
    ("座机0731-88886666", "座机0731-****6666"),
    ("3栋2单元", "3栋2单元"),
])
def test_mask(raw: str, masked: str) -> None:
    assert mask(raw) == masked


def test_mentions_escape_names() -> None:
    assert mention_html(5, "<王>", None) == '<a href="tg://user?id=5">&lt;王&gt;</a>'
    assert mention_html(5, "王", "wang") == "@wang"


def test_plain_text_reads_as_the_message_does() -> None:
    html = '📰 <b>今日诉求日报</b>\n<a href="tg://user?id=7">王&amp;李</a> &lt;3栋&gt;'
    assert plain_text(html) == "📰 今日诉求日报\n王&李 <3栋>"


def test_split_keeps_every_character_under_the_limit() -> None:
    text = "\n".join(f"<b>#{i}</b> " + "长" * 300 for i in range(40))
    parts = split_message(text)
    assert all(len(p) <= 4096 for p in parts) and len(parts) > 1
    assert "\n".join(parts) == text
    one_line = "长" * 10_000
    pieces = split_message(one_line)
    assert "".join(pieces) == one_line and all(len(p) <= 4096 for p in pieces)

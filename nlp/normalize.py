"""Text as residents type it → one canonical form the rules can match.

Full-width ASCII → half-width, traditional → simplified characters, chat placeholders and
@mentions removed, whitespace collapsed. Very long pastes are capped: the rules look at the
start of a message, where a resident states the problem.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import zhconv
import zhconv.zhconv

MAX_CHARS = 1200

_PLACEHOLDER = re.compile(r"\[[\u4e00-\u9fa5a-z]{1,6}\]")  # [图片] [语音] [捂脸] ...
_MENTION = re.compile(r"@[\w\u4e00-\u9fa5]{1,20}")
_SPACES = re.compile(r"[ \t\u3000\xa0]+")


def load_conversion_table() -> None:
    """Load zhconv's table from its path ourselves: its own loader leaves the file open."""
    if zhconv.zhconv.zhcdicts is None:
        zhconv.zhconv.loaddict(str(Path(zhconv.__file__).with_name("zhcdict.json")))


def halfwidth(text: str) -> str:
    # NFKC folds full-width letters/digits (３栋 → 3栋) but would also turn Chinese
    # punctuation such as ，into ,: fold only the ASCII-range forms.
    return "".join(
        unicodedata.normalize("NFKC", ch) if 0xFF01 <= ord(ch) <= 0xFF5E else ch for ch in text
    )


def normalize(text: str | None) -> str:
    if not text:
        return ""
    t = text[:MAX_CHARS]
    load_conversion_table()
    t = halfwidth(t)
    t = zhconv.convert(t, "zh-cn")
    t = _PLACEHOLDER.sub(" ", t)
    t = _MENTION.sub(" ", t)
    t = _SPACES.sub(" ", t).lower()
    return t.strip()

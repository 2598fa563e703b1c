"""What a grid worker's reply says about an issue, and whether a resident asks how one stands.

`read_progress(text)` → the step a reply reads as (受理, 进展, 办结, or 不予受理 for "不归我们管"),
or None; `asks_status(text)` → whether the text asks how an issue stands ("修好了没有",
"怎么样了", "有人管吗"). Both are pure, read `config/rules/intent.yaml` once, and only ever
*suggest*: the bot asks for a tap before anything changes.

This is the small interface the bot is written against; the detector owns how it is read
(the phrase table here is the first version of it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import yaml

from nlp.rules import RuleError, rules_dir

NEGATION_REACH = 2  # characters before a match in which a negation word undoes it


class Step(StrEnum):
    """A step an owner's words may mean; the values are the service's action names."""

    ACKNOWLEDGE = "acknowledge"
    PROGRESS = "progress"
    RESOLVE = "resolve"
    DECLINE = "reject"


# Strongest first: "收到，已经修好了" is done, not merely seen.
_ORDER = (Step.RESOLVE, Step.DECLINE, Step.PROGRESS, Step.ACKNOWLEDGE)


@dataclass(frozen=True)
class _Table:
    questions: re.Pattern[str]
    steps: tuple[tuple[Step, re.Pattern[str]], ...]
    negations: tuple[str, ...]


def _compile(path: Path, data: dict[str, object], key: str) -> re.Pattern[str]:
    items = data.get(key)
    if not isinstance(items, list) or not all(isinstance(p, str) for p in items):
        raise RuleError(path, None, f"{key}: a list of patterns is needed")
    try:
        return re.compile("|".join(f"(?:{p})" for p in items))
    except re.error as exc:
        raise RuleError(path, None, f"{key}: {exc}") from exc


@lru_cache(maxsize=1)
def _table(directory: Path | None = None) -> _Table:
    path = (directory or rules_dir()) / "intent.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RuleError(path, None, str(exc)) from exc
    steps = {Step.RESOLVE: "resolve", Step.DECLINE: "decline", Step.PROGRESS: "progress",
             Step.ACKNOWLEDGE: "acknowledge"}
    return _Table(_compile(path, data, "status_questions"),
                  tuple((s, _compile(path, data, steps[s])) for s in _ORDER),
                  tuple(str(w) for w in data.get("negations") or ()))


def _unnegated(rx: re.Pattern[str], text: str, negations: tuple[str, ...]) -> bool:
    for m in rx.finditer(text):
        before = text[max(0, m.start() - NEGATION_REACH):m.start()]
        if not any(before.endswith(w) for w in negations):
            return True
    return False


def asks_status(text: str) -> bool:
    """Does the text ask how an issue stands ("三栋门口路灯修好了没有？")?"""
    return bool(_table().questions.search(text or ""))


def read_progress(text: str) -> Step | None:
    """The step an owner's words mean ("东门井盖已经修好了" → RESOLVE), or None for chat
    and for questions ("修好了没有" asks, it does not report)."""
    text = (text or "").strip()
    if not text or asks_status(text):
        return None
    t = _table()
    for step, rx in t.steps:
        if _unnegated(rx, text, t.negations):
            return step
    return None


# --- which issue a message is about ---------------------------------------------------------
_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9}
_NUMBERED = re.compile(r"([零一二两三四五六七八九十]{1,3})(?=[栋号幢单元楼层期区组排户室门])")
_BUILDING = re.compile(r"^\d+[栋号幢]")
_HALFWIDTH = {ord(c): ord("0") + n for n, c in enumerate("０１２３４５６７８９")}
# Bigrams with these say nothing about which issue is meant ("坏了", "好了", "没有").
_FILLER = set("了的吗呢啊吧呀没有是在还又都也就吧么嘛和跟与我你他她它们这那个")


def _number(cn: str) -> str:
    if "十" not in cn:
        return "".join(str(_DIGITS[c]) for c in cn)
    tens, _, ones = cn.partition("十")
    return str((_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0))


def normalize_place(text: str) -> str:
    """"三栋门口" and "3栋门口" are one place: Chinese numbers before 栋/号/单元… become
    digits, full-width digits half-width, spaces go."""
    text = (text or "").translate(_HALFWIDTH)
    text = _NUMBERED.sub(lambda m: _number(m.group(1)), text)
    return re.sub(r"\s+", "", text)


def _bigrams(text: str) -> set[str]:
    return {text[k:k + 2] for k in range(len(text) - 1)
            if not (set(text[k:k + 2]) & _FILLER) and not text[k:k + 2].isascii()}


# Words that point at "my issue" without saying which one ("我反映的那个问题怎么样了").
_GENERIC = re.compile(r"反映|报修|问题|事情|情况|诉求|那个|这个|上次|之前|刚才|的事")


def topic(text: str) -> str:
    """What a question is about: the text without its asking words, without the words that
    only point ("我反映的问题") and without @mentions. Empty: it names nothing in particular
    ("有人管吗")."""
    text = re.sub(r"@\w+", "", text or "")
    text = _table().questions.sub("", text)
    return _GENERIC.sub("", text)


def names_something(text: str) -> bool:
    return bool(_bigrams(normalize_place(text)))


def mentions(text: str, place: str | None, what: str) -> int:
    """How plainly `text` names an issue at `place` about `what` (its summary and category
    name): 2 when it names the place (or its building), plus one per piece of what it is
    that it shares, up to 3; 0 when it names nothing of it."""
    t = normalize_place(text)
    p = normalize_place(place or "")
    score = 0
    if p:
        building = _BUILDING.match(p)
        if p in t or (building and building.group(0) in t):
            score += 2
    shared = (_bigrams(normalize_place(what)) - _bigrams(p)) & _bigrams(t)
    return score + min(3, len(shared))

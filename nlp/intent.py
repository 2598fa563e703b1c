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

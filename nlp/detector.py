"""The rule engine: normalised text → Detection.

Scoring, per category: a phrase that reports a problem on its own, or an object and a
problem word close together in one clause, count strongly; an object or a problem word alone
counts weakly. Then the message as a whole is weighed: notices, replies, thanks, fixes, ads,
problems inside one's own home and questions that only seek information push it down;
duration, repetition and appeals for action push it up. A cheap regex of every trigger word
runs first, so ordinary chit-chat never reaches jieba.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import jieba

from nlp.location import find_location
from nlp.normalize import MAX_CHARS, halfwidth, normalize
from nlp.rules import Rules, load_rules
from nlp.types import Detection

THRESHOLD = 2.5
SENSITIVITY = {"low": 0.65, "normal": 0.5, "high": 0.4}
WINDOW = 12  # characters between an object and its problem word, within one clause
_CLAUSE = re.compile(r"[，,。.!！?？；;\n~～…]+|\s{2,}")
_SINGLE_CHAR_OK = re.compile(r"[\u4e00-\u9fa5]")

_lock = threading.Lock()
_state: dict[str, object] = {}


@dataclass(frozen=True)
class _Engine:
    rules: Rules
    tokenizer: jieba.Tokenizer


def threshold_for(sensitivity: str) -> float:
    """Confidence a message needs at a group's sensitivity (normal = the is_issue decision)."""
    return SENSITIVITY.get(sensitivity, SENSITIVITY["normal"])


def _build(rules: Rules) -> _Engine:
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    _load_userdict(tok, rules)
    return _Engine(rules, tok)


def _load_userdict(tok: jieba.Tokenizer, rules: Rules) -> None:
    if rules.userdict is not None:
        with rules.userdict.open("rb") as fh:  # jieba leaves a path's file open
            tok.load_userdict(fh)


def _engine() -> _Engine:
    eng = _state.get("engine")
    if eng is None:
        with _lock:
            eng = _state.get("engine")
            if eng is None:
                eng = _build(load_rules())
                _state["engine"] = eng
    assert isinstance(eng, _Engine)
    return eng


def reload_rules(rules_dir: Path | None = None) -> None:
    """Swap in freshly loaded rules; on RuleError the rules in force stay in force."""
    rules = load_rules(rules_dir)  # raises before anything changes
    with _lock:
        old = _state.get("engine")
        if isinstance(old, _Engine):
            # Reuse the loaded jieba dictionary: only the user dictionary may have changed.
            _load_userdict(old.tokenizer, rules)
            _state["engine"] = _Engine(rules, old.tokenizer)
        else:
            _state["engine"] = _build(rules)


def _any(rx: re.Pattern[str] | None, text: str) -> bool:
    return rx is not None and rx.search(text) is not None


def _negated(text: str, start: int, negations: tuple[str, ...]) -> bool:
    before = text[max(0, start - 3):start]
    return any(before.endswith(n) for n in negations)


@dataclass
class _Score:
    code: str
    score: float
    keywords: list[str]
    obj: str | None
    problem: str | None
    obj_pos: int


class _Tokens:
    """jieba's segmentation, computed only when a single-character object needs it."""

    def __init__(self, eng: _Engine, text: str) -> None:
        self.eng, self.text, self._set = eng, text, None  # type: tuple[object, ...]

    def has(self, word: str) -> bool:
        if self._set is None:
            self._set = set(self.eng.tokenizer.lcut(self.text, HMM=False))
        return word in self._set


def _score_category(eng: _Engine, code: str, text: str, clauses: list[tuple[int, int]],
                    tokens: _Tokens) -> _Score:
    cat = eng.rules.categories[code]
    negs = eng.rules.shared_words["negations"]
    s = _Score(code, 0.0, [], None, None, 10**6)
    if _any(cat.exclusion_rx, text):
        return s
    if cat.phrase_rx is not None:
        for m in cat.phrase_rx.finditer(text):
            if not _negated(text, m.start(), negs):
                s.score += 3.0
                s.keywords.append(m.group(0))
                s.obj_pos = m.start()
                break
    objs = [] if cat.object_rx is None else [
        (m.start(), m.group(0)) for m in cat.object_rx.finditer(text)
        if len(m.group(0)) > 1 or tokens.has(m.group(0))
    ]
    probs = [] if cat.problem_rx is None or not objs else [
        (m.start(), m.group(0)) for m in cat.problem_rx.finditer(text)
    ]
    best_pair = 0.0
    for pos, obj in objs:
        if pos < s.obj_pos:
            s.obj_pos = pos
        if s.obj is None:
            s.obj = obj
        lo, hi = next(((a, b) for a, b in clauses if a <= pos < b), (0, len(text)))
        for ppos, prob in probs:
            if not lo <= ppos < hi or abs(ppos - pos) > WINDOW or pos <= ppos < pos + len(obj):
                continue
            if prob[0] not in "不冇没冒" and _negated(text, ppos, negs):
                continue
            pair = 2.5 if ppos > pos else 2.0
            if pair > best_pair:
                best_pair, s.obj, s.problem = pair, obj, prob
                s.keywords += [w for w in (obj, prob) if w not in s.keywords]
    s.score += best_pair
    if not best_pair:
        if objs:
            s.score += 0.7
        if cat.own_problem_rx is not None:
            for m in cat.own_problem_rx.finditer(text):
                if not _negated(text, m.start(), negs):
                    s.score += 0.6
                    break
    return s


def _clauses(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for m in _CLAUSE.finditer(text):
        if m.start() > start:
            out.append((start, m.start()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out


def _summary(text: str, best: _Score, location: str | None) -> str:
    if best.obj and best.problem:
        core = f"{best.obj}{best.problem}"
    elif best.keywords:
        core = best.keywords[0]
    else:
        core = ""
    if core and location and core not in location:
        s = f"{location}{core}"
    elif core:
        s = core
    else:
        first = _clauses(text)[0] if text else (0, 0)
        s = text[first[0]:first[1]]
    return s[:20]


def detect(text: str | None) -> Detection:
    """Is this message a resident reporting a problem someone should fix? Pure and sync."""
    t = normalize(text)
    if len(t) < 3:
        return Detection(is_issue=False)
    eng = _engine()
    rules = eng.rules
    if not rules.prefilter.search(t):
        return Detection(is_issue=False)
    tokens = _Tokens(eng, t)
    clauses = _clauses(t)
    scores = [_score_category(eng, code, t, clauses, tokens) for code in rules.categories
              if code != "other"]
    best = max(scores, key=lambda s: (s.score, -s.obj_pos))
    if best.score <= 0:
        return Detection(is_issue=False)
    sh = rules.shared
    score = best.score
    boosts = sum(1 for p in sh["intensifiers"] if p.search(t))  # several kinds add up
    score += min(1.5, 0.5 * boosts)
    penalties = {"fixed": 5.0, "ok_states": 4.0, "notices": 4.5, "replies": 4.5, "ads": 5.0,
                 "private": 4.5, "elsewhere": 4.0, "thanks": 2.5, "hypothetical": 2.0,
                 "suggestions": 2.5, "questions": 2.0}
    hits = [name for name in penalties if _any(rules.shared_rx[name], t)]
    for name in hits:
        if name == "questions" and boosts:
            continue  # "垃圾是不是不收了？都三天了" is a complaint phrased as a question
        score -= penalties[name]
    um = rules.urgent_rx.search(t) if rules.urgent_rx is not None else None
    urgent_kind = rules.urgent[int(um.lastgroup[1:])].kind if um and um.lastgroup else None
    if urgent_kind and not {"fixed", "ok_states", "notices", "replies", "elsewhere",
                            "private", "ads"} & set(hits):
        score = max(score, THRESHOLD + 1.0)
    confidence = max(0.0, min(1.0, score / (2 * THRESHOLD)))
    is_issue = score >= THRESHOLD
    # Places are proper names: look for them before traditional→simplified folding (乾源 ≠ 干源).
    location = find_location(halfwidth(text or "")[:MAX_CHARS]) or find_location(t)
    return Detection(
        is_issue=is_issue,
        category=best.code if is_issue or best.score >= 2 else "other",
        confidence=round(confidence, 3),
        urgent=bool(is_issue and urgent_kind),
        location=location,
        summary=_summary(t, best, location),
        keywords=tuple(best.keywords),
        urgent_kind=urgent_kind if is_issue else None,
    )

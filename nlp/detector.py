"""The rule engine: normalised text → Detection.

Scoring, per category: a phrase that reports a problem on its own, or an object and a
problem word close together in one clause, count strongly; an object or a problem word alone
counts weakly. Then the message as a whole is weighed: notices, replies, thanks, fixes, ads,
problems inside one's own home and questions that only seek information push it down;
duration, repetition and appeals for action push it up.

Speed (the answers are those of doing everything, see tests/nlp/reference.py): one pass of
set operations (`nlp.plan`, `nlp.literals.Gate`) tells which pattern lists can match at all,
so chit-chat stops at the pre-filter and a complaint only meets the patterns that concern
it; categories are scored best-ceiling first until none left can win; and jieba is consulted
for a single-character object only when the answer could change the outcome, and then only
on the part of the message that holds it.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from math import log
from pathlib import Path

import jieba

from nlp.location import find_location
from nlp.normalize import normalize_keeping_halfwidth
from nlp.plan import CategoryPlan, Plan, build_plan
from nlp.rules import Rules, load_rules
from nlp.types import Detection

THRESHOLD = 2.5
SENSITIVITY = {"low": 0.65, "normal": 0.5, "high": 0.4}
WINDOW = 12  # characters between an object and its problem word, within one clause
# A word is negated ("冇坏", "没有堵") when one of the three characters before it ends with a
# negation: text.endswith(negations, max(0, start - 3), start), one C call for all of them.
_CLAUSE = re.compile(r"[，,。.!！?？；;\n~～…]+|\s{2,}")
_SINGLE_CHAR_OK = re.compile(r"[\u4e00-\u9fa5]")
_JIEBA_HAN = jieba.re_han_default  # what jieba segments as one block
_JIEBA_ENG = jieba.re_eng  # single letters and digits that jieba glues together

_lock = threading.Lock()
_state: dict[str, object] = {}


@dataclass(frozen=True)
class _Engine:
    rules: Rules
    tokenizer: jieba.Tokenizer
    plan: Plan
    negations: tuple[str, ...]


def threshold_for(sensitivity: str) -> float:
    """Confidence a message needs at a group's sensitivity (normal = the is_issue decision)."""
    return SENSITIVITY.get(sensitivity, SENSITIVITY["normal"])


def _build(rules: Rules) -> _Engine:
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    _load_userdict(tok, rules)
    return _Engine(rules, tok, *_compiled(rules))


def _compiled(rules: Rules) -> tuple[Plan, tuple[str, ...]]:
    return build_plan(rules, PENALTIES), tuple(rules.shared_words["negations"])


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
    compiled = _compiled(rules)
    with _lock:
        old = _state.get("engine")
        if isinstance(old, _Engine):
            # Reuse the loaded jieba dictionary: only the user dictionary may have changed.
            _load_userdict(old.tokenizer, rules)
            _state["engine"] = _Engine(rules, old.tokenizer, *compiled)
        else:
            _state["engine"] = _build(rules)


class _Score:
    """A category's score and the evidence behind it (what the summary is made of)."""

    __slots__ = ("code", "keywords", "obj", "obj_pos", "problem", "score")

    def __init__(self, code: str) -> None:
        self.code, self.score, self.keywords = code, 0.0, []  # type: str, float, list[str]
        self.obj = self.problem = None  # type: str | None
        self.obj_pos = 10**6


class _Tokens:
    """Is a single character a word of its own in jieba's segmentation of the message?

    The rules count 灯 or 水 as an object only where jieba (HMM off) leaves it standing alone,
    anywhere in the message. jieba segments each run of Chinese characters and alphanumerics
    (a block) on its own, by a dynamic programme from the block's end; so for a Chinese
    character we segment only the blocks that hold it, and only back to the last place before
    the character where no dictionary word can straddle (a boundary every segmentation has),
    repeating jieba's `get_DAG` and `calc` expression for expression so the arithmetic, and so
    the answer, is jieba's. Anything else (letters, digits, characters jieba does not treat as
    Chinese) falls back to segmenting the whole message with jieba.
    """

    def __init__(self, eng: _Engine, text: str) -> None:
        self.tok, self.text = eng.tokenizer, text
        self.known: dict[str, bool] = {}
        self._all: set[str] | None = None
        self._blocks: list[tuple[int, int]] | None = None
        self._routes: dict[int, _Route] = {}

    def has(self, word: str) -> bool:
        known = self.known.get(word)
        if known is None:
            known = self.known[word] = self._decide(word)
        return known

    def _decide(self, word: str) -> bool:
        if len(word) != 1 or not _JIEBA_HAN.fullmatch(word) or _JIEBA_ENG.match(word):
            if self._all is None:
                self._all = set(self.tok.lcut(self.text, HMM=False))
            return word in self._all
        if self._blocks is None:
            self._blocks = [m.span() for m in _JIEBA_HAN.finditer(self.text)]
        for i, (start, end) in enumerate(self._blocks):
            q = self.text.find(word, start, end)
            if q < 0:
                continue
            route = self._routes.get(i)
            if route is None:
                self.tok.check_initialized()  # loads the dictionary on first use, as lcut does
                route = self._routes[i] = _Route(self.tok, self.text[start:end])
            while q >= 0:
                if route.alone(q - start):
                    return True
                q = self.text.find(word, q + 1, end)
        return False


class _Route:
    """jieba's best route through one block (HMM off), computed from the block's end only as
    far back as a question needs."""

    def __init__(self, tok: jieba.Tokenizer, block: str) -> None:
        self.block, self.get, self.logtotal = block, tok.FREQ.get, log(tok.total)
        self.dag = _dag(tok.FREQ, block)
        n = len(block)
        self.value: list[float] = [0.0] * (n + 1)
        self.value[n] = 0  # jieba starts from the int 0: x - y + 0 is the same float either way
        self.choice = list(range(n + 1))
        self.done = n  # the route is known from here to the end

    def alone(self, q: int) -> bool:
        """Is position q a word of one character in jieba's segmentation of the block?"""
        dag = self.dag
        # The last boundary at or before q that no dictionary word crosses: every segmentation
        # passes through it, and from there on the route depends only on what follows.
        start, reach = 0, -1
        for k in range(q):
            end = dag[k][-1]
            if end > reach:
                reach = end
            if reach <= k:  # nothing starting at or before k ends after k
                start = k + 1
        if start == q and dag[q] == [q]:
            return True  # no dictionary word covers q: every segmentation leaves it alone
        self._extend(start)
        x, choice = start, self.choice
        while x < q:
            x = choice[x] + 1
        return x == q and choice[x] == q

    def _extend(self, start: int) -> None:
        """jieba's `calc` from where it stopped back to `start`: the same expressions in the
        same order, so the same floating-point values and the same choices (on a tie, the
        longer word, as max() over (value, end) pairs gives)."""
        block, get, logtotal, value, choice = (self.block, self.get, self.logtotal,
                                               self.value, self.choice)
        for idx in range(self.done - 1, start - 1, -1):
            ends = self.dag[idx]
            x = ends[0]
            v = log(get(block[idx:x + 1]) or 1) - logtotal + value[x + 1]
            for y in ends[1:]:
                w = log(get(block[idx:y + 1]) or 1) - logtotal + value[y + 1]
                if w > v or (w == v and y > x):
                    v, x = w, y
            value[idx], choice[idx] = v, x
        self.done = min(self.done, start)


def _dag(freq: dict[str, int], block: str) -> list[list[int]]:
    """jieba's `get_DAG` (the same lists): for each start, the ends of dictionary words."""
    n, get = len(block), freq.get
    dag = []
    for k in range(n):
        ends = []
        i, f = k, get(block[k])
        while f is not None:  # the dictionary holds every prefix of its words (count 0)
            if f:
                ends.append(i)
            i += 1
            if i >= n:
                break
            f = get(block[k:i + 1])
        dag.append(ends or [k])
    return dag


class _Clauses:
    """The clause spans of a message, split only if an object and a problem word need it."""

    def __init__(self, text: str) -> None:
        self.text, self._spans = text, None  # type: str, list[tuple[int, int]] | None

    def around(self, pos: int) -> tuple[int, int]:
        spans = self._spans
        if spans is None:
            spans = self._spans = _clauses(self.text)
        for a, b in spans:
            if a <= pos < b:
                return a, b
        return 0, len(self.text)


class _Evidence:
    """What one category's patterns found in a message, before its single-character objects
    are judged: 灯 or 水 counts only where jieba makes it a word of its own, and finding that
    out costs a segmentation, which the caller avoids when the answer cannot matter."""

    __slots__ = ("code", "cp", "mask", "negations", "objs", "own", "phrase", "probs",
                 "singles", "text")

    def __init__(self, cp: CategoryPlan, mask: int, text: str,
                 negations: tuple[str, ...]) -> None:
        cat = cp.rules
        self.code, self.cp, self.mask, self.text = cat.code, cp, mask, text
        self.negations = negations
        self.phrase: tuple[str, int] | None = None
        if mask & cp.phrases.bits:
            for m in cp.phrases.finditer(mask, text):
                if not text.endswith(negations, max(0, m.start() - 3), m.start()):
                    self.phrase = (m.group(0), m.start())
                    break
        objs: list[tuple[int, str]] = [] if cat.object_rx is None or not mask & cp.objects \
            else [(m.start(), m.group(0)) for m in cat.object_rx.finditer(text)]
        self.objs = objs
        self.singles = {w for _, w in objs if len(w) == 1}
        self.probs: list[tuple[int, str]] = [] \
            if cat.problem_rx is None or not objs or not mask & cp.problems \
            else [(m.start(), m.group(0)) for m in cat.problem_rx.finditer(text)]
        self.own: bool | None = None  # searched only if the score needs it

    def has_own_problem(self) -> bool:
        """A problem word of this category, not negated (counts a little on its own)."""
        if self.own is None:
            rx, text, negations = self.cp.rules.own_problem_rx, self.text, self.negations
            self.own = rx is not None and bool(self.mask & self.cp.own) and any(
                not text.endswith(negations, max(0, m.start() - 3), m.start())
                for m in rx.finditer(text))
        return self.own


def _score(ev: _Evidence, accept: Callable[[str], bool], clauses: _Clauses) -> _Score:
    """The category's score when the single-character objects `accept` lets through count."""
    s = _Score(ev.code)
    if ev.phrase is not None:
        s.score += 3.0
        s.keywords.append(ev.phrase[0])
        s.obj_pos = ev.phrase[1]
    objs = ev.objs if not ev.singles or accept is _yes else [
        (pos, w) for pos, w in ev.objs if len(w) > 1 or accept(w)]
    probs = ev.probs if objs else []
    text, negations = ev.text, ev.negations
    best_pair = 0.0
    for pos, obj in objs:
        if pos < s.obj_pos:
            s.obj_pos = pos
        if s.obj is None:
            s.obj = obj
        if not probs:
            continue
        lo, hi = clauses.around(pos)
        end = pos + len(obj)
        for ppos, prob in probs:
            if not lo <= ppos < hi or abs(ppos - pos) > WINDOW or pos <= ppos < end:
                continue
            if prob[0] not in "不冇没冒" and text.endswith(negations, max(0, ppos - 3), ppos):
                continue
            pair = 2.5 if ppos > pos else 2.0
            if pair > best_pair:
                best_pair, s.obj, s.problem = pair, obj, prob
                s.keywords += [w for w in (obj, prob) if w not in s.keywords]
    s.score += best_pair
    if not best_pair:
        if objs:
            s.score += 0.7
        if ev.has_own_problem():
            s.score += 0.6
    return s


def _rank(s: _Score, index: int) -> tuple[float, int, int]:
    """Highest score first, then the earliest evidence, then the category listed first."""
    return (s.score, -s.obj_pos, -index)


def _yes(word: str) -> bool:
    return True


def _no(word: str) -> bool:
    return False


def _same(a: _Score, b: _Score) -> bool:
    """Two scorings of one category that agree in everything the detection is made of."""
    return (a.score, a.obj_pos, a.obj, a.problem, a.keywords) == (
        b.score, b.obj_pos, b.obj, b.problem, b.keywords)


_EPS = 1e-9  # scores are sums of a few decimals: keep ceilings above them, never below


def _ceiling(cp: CategoryPlan, mask: int) -> float:
    """The most a category can score, knowing only which of its lists can match at all."""
    ceiling = 3.0 if mask & cp.phrases.bits else 0.0
    if mask & cp.objects and mask & cp.problems:
        return ceiling + 2.5 + _EPS
    return ceiling + (0.7 if mask & cp.objects else 0.0) + (0.6 if mask & cp.own else 0.0) + _EPS


def _winner(eng: _Engine, mask: int, text: str) -> _Score | None:
    """The best-scoring category: the same one as scoring every category and taking the
    first of the highest, with less work.

    Categories are scored in order of their ceiling and scoring stops when no ceiling left
    reaches the best score so far. A category's score only grows as more of its
    single-character objects count, so scoring it as if all of them counted gives a better
    ceiling; only when that could still win are the objects judged with jieba's tokens.
    """
    plan = eng.plan
    cats, owner = plan.categories, plan.category_of
    queue = []
    left = mask & plan.any_category
    while left:  # one turn per category with evidence (a bit of it, then all its bits off)
        cp = owner[left & -left]
        left &= ~cp.any
        queue.append((-_ceiling(cp, mask), cp.index))
    queue.sort()
    best: _Score | None = None
    best_rank = (0.0, 0, 0)
    tokens: _Tokens | None = None
    clauses = _Clauses(text)
    for neg_ceiling, i in queue:
        if best is not None and -neg_ceiling < best.score:
            break  # this and every later ceiling is below the best score
        cp = cats[i]
        if mask & cp.exclusions.bits and cp.exclusions.search(mask, text):
            continue  # ruled out: scores 0
        ev = _Evidence(cp, mask, text, eng.negations)
        s = _score(ev, _yes, clauses)
        if ev.singles:
            if best is not None and _rank(s, i) < best_rank:
                continue  # cannot win, whatever its single-character objects turn out to be
            if len(ev.singles) != 1 or not _same(s, _score(ev, _no, clauses)):
                # With one such object there are two cases: if both score alike, no need to
                # know which one holds. Otherwise ask jieba.
                if tokens is None:
                    tokens = _Tokens(eng, text)
                if not all(tokens.has(w) for w in ev.singles):
                    s = _score(ev, tokens.has, clauses)
        if best is None or _rank(s, i) > best_rank:
            best, best_rank = s, _rank(s, i)
    return best


def _any(rx: re.Pattern[str] | None, text: str) -> bool:
    return rx is not None and rx.search(text) is not None


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


_NOT_AN_ISSUE = Detection(is_issue=False)
# Penalty per veto list, in the order they are applied.
_PENALTY = {"fixed": 5.0, "ok_states": 4.0, "notices": 4.5, "replies": 4.5, "ads": 5.0,
            "private": 4.5, "elsewhere": 4.0, "thanks": 2.5, "hypothetical": 2.0,
            "suggestions": 2.5, "questions": 2.0}
PENALTIES = tuple(_PENALTY)
# A veto that also cancels urgency: the emergency is over, elsewhere, or not one at all.
_CANCEL_URGENT = frozenset({"fixed", "ok_states", "notices", "replies", "elsewhere", "private",
                            "ads"})


def _urgent_kind(rules: Rules, plan: Plan, mask: int, text: str) -> str | None:
    """The emergency line of the first life-safety pattern matching (leftmost, then first
    listed), as `rules.urgent_rx` decides it; when a single pattern can match, just it."""
    live = [(rx, kind) for bit, rx, kind in plan.urgent if mask & bit]
    if len(live) == 1:
        return live[0][1] if live[0][0].search(text) else None
    um = rules.urgent_rx.search(text) if live and rules.urgent_rx is not None else None
    return rules.urgent[int(um.lastgroup[1:])].kind if um and um.lastgroup else None


def detect(text: str | None) -> Detection:
    """Is this message a resident reporting a problem someone should fix? Pure and sync."""
    half, t = normalize_keeping_halfwidth(text)
    if len(t) < 3:
        return _NOT_AN_ISSUE
    eng = _state.get("engine")
    if not isinstance(eng, _Engine):
        eng = _engine()
    rules, plan = eng.rules, eng.plan
    mask = plan.gate.words_mask(t)
    if not mask & plan.prefilter_words and plan.prefilter_chars.isdisjoint(t) and not (
            (mask & plan.prefilter_rest or not plan.rest_chars.isdisjoint(t))
            and _any(rules.prefilter.rest, t)):
        return _NOT_AN_ISSUE  # no trigger at all: rules.prefilter.search(t) would say so
    mask |= plan.gate.chars_mask(t)
    # Categories without evidence (or ruled out by an exclusion) score 0 and cannot win.
    best = _winner(eng, mask, t) if mask & plan.any_category else None
    if best is None or best.score <= 0:
        return _NOT_AN_ISSUE
    score = best.score
    boosts = 0
    for bit, p in plan.intensifiers:
        if mask & bit and p.search(t):
            boosts += 1
    score += min(1.5, 0.5 * boosts)  # several kinds add up
    hits = [name for name, veto in plan.penalties if mask & veto.bits and veto.search(mask, t)] \
        if mask & plan.penalty_bits else []
    for name in hits:
        if name == "questions" and boosts:
            continue  # "垃圾是不是不收了？都三天了" is a complaint phrased as a question
        score -= _PENALTY[name]
    urgent_kind = _urgent_kind(rules, plan, mask, t) if mask & plan.urgent_bits else None
    if urgent_kind and not _CANCEL_URGENT.intersection(hits):
        score = max(score, THRESHOLD + 1.0)
    confidence = max(0.0, min(1.0, score / (2 * THRESHOLD)))
    is_issue = score >= THRESHOLD
    # Places are proper names: look for them before traditional→simplified folding (乾源 ≠ 干源).
    location = find_location(half) or (find_location(t) if t != half else None)
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

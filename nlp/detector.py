"""The rule engine: normalised text → Detection.

Scoring, per category: a phrase that reports a problem on its own, or an object and a
problem word close together in one clause, count strongly; an object or a problem word alone
counts weakly. Then the message as a whole is weighed: notices, replies, thanks, fixes, ads,
problems inside one's own home and questions that only seek information push it down;
duration, repetition and appeals for action push it up.

Speed (the answers are those of doing everything, see tests/nlp/reference.py): one scan for
the strings the rules need (`nlp.plan`, `nlp.literals.Gate`) tells which pattern lists can
match at all, so chit-chat stops at the pre-filter and a complaint only meets the patterns
that concern it; categories are scored best-ceiling first until none left can win; and jieba
is consulted for a single-character object only when the answer could change the outcome,
and then only on the part of the message that holds it.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from math import log
from pathlib import Path

import jieba

from nlp.location import find_location, find_location_gated
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
    # The one-character objects that jieba segments by its dictionary (Chinese, not a letter
    # or digit it glues together): _Tokens need not test them with two regexes per message.
    han_singles: frozenset[str]
    longest: int  # the length of the longest key of the tokenizer's dictionary


def threshold_for(sensitivity: str) -> float:
    """Confidence a message needs at a group's sensitivity (normal = the is_issue decision)."""
    return SENSITIVITY.get(sensitivity, SENSITIVITY["normal"])


def _build(rules: Rules) -> _Engine:
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    _load_userdict(tok, rules)
    return _Engine(rules, tok, *_compiled(rules), _longest(tok))


def _compiled(rules: Rules) -> tuple[Plan, tuple[str, ...], frozenset[str]]:
    singles = {w for cat in rules.categories.values() for w in cat.objects if len(w) == 1}
    return build_plan(rules, PENALTIES), tuple(rules.shared_words["negations"]), frozenset(
        w for w in singles if _JIEBA_HAN.fullmatch(w) and not _JIEBA_ENG.match(w))


def _load_userdict(tok: jieba.Tokenizer, rules: Rules) -> None:
    if rules.userdict is not None:
        with rules.userdict.open("rb") as fh:  # jieba leaves a path's file open
            tok.load_userdict(fh)


def _longest(tok: jieba.Tokenizer) -> int:
    """The longest key of the dictionary (user words included): no word reaches further
    back than that from a position, which bounds every walk back in `_Route`."""
    tok.check_initialized()
    return max(map(len, tok.FREQ))


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
            _state["engine"] = _Engine(rules, old.tokenizer, *compiled,
                                       _longest(old.tokenizer))
        else:
            _state["engine"] = _build(rules)


class _Score:
    """A category's score and the evidence behind it (what the summary is made of)."""

    __slots__ = ("code", "keywords", "obj", "obj_pos", "problem", "score")

    def __init__(self, code: str, score: float, keywords: list[str], obj: str | None,
                 obj_pos: int, problem: str | None) -> None:
        self.code, self.score, self.keywords = code, score, keywords
        self.obj, self.obj_pos, self.problem = obj, obj_pos, problem


class _Tokens:
    """Is a single character a word of its own in jieba's segmentation of the message?

    The rules count 灯 or 水 as an object only where jieba (HMM off) leaves it standing alone,
    anywhere in the message. jieba segments each run of Chinese characters and alphanumerics
    (a block) on its own, by a dynamic programme from the block's end; so for a Chinese
    character we segment only the blocks that hold it, and only between the places around the
    character where no dictionary word can straddle (boundaries every segmentation has),
    repeating jieba's `get_DAG` and `calc` expression for expression, so the answer is
    jieba's (see `_Route`). Anything else (letters, digits, characters jieba does not treat as
    Chinese) falls back to segmenting the whole message with jieba.
    """

    def __init__(self, eng: _Engine, text: str) -> None:
        self.tok, self.text, self.han, self.longest = (eng.tokenizer, text, eng.han_singles,
                                                       eng.longest)
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
        if word not in self.han and (
                len(word) != 1 or not _JIEBA_HAN.fullmatch(word) or _JIEBA_ENG.match(word)):
            if self._all is None:
                self._all = set(self.tok.lcut(self.text, HMM=False))
            return word in self._all
        if self._blocks is None:
            self._blocks = [m.span() for m in _JIEBA_HAN.finditer(self.text)]
        text = self.text
        found: list[tuple[_Route, int]] = []  # each occurrence: its block's route, its place
        for i, (start, end) in enumerate(self._blocks):
            q = text.find(word, start, end)
            if q < 0:
                continue
            route = self._routes.get(i)
            if route is None:
                route = self._routes[i] = _Route(self.tok, text[start:end], self.longest)
            while q >= 0:
                found.append((route, q - start))
                q = text.find(word, q + 1, end)
        if len(found) > 1:
            # One occurrence alone is enough: first those no dictionary word can cover,
            # which need no dynamic programme (面包车...僵尸车: the second settles it).
            for route, q in found:
                if route.plainly_alone(q):
                    return True
        return any(route.alone(q) for route, q in found)


class _Route:
    """jieba's best route through one block (HMM off) where a question needs it: between the
    boundaries around the character asked about, or from the block's end when a choice there
    is too close to call; with the dictionary words (`get_DAG`) of only the positions it
    passes."""

    def __init__(self, tok: jieba.Tokenizer, block: str, longest: int) -> None:
        self.block, self.freq, self.total, self.longest = block, tok.FREQ, tok.total, longest
        n = len(block)
        self.dag: list[list[int]] = [[]] * n  # [] until read (a position always has a word)
        self.logs: list[list[float]] = [[]] * n  # log(count or 1) of each word in dag[k]
        # The route itself, made on the first _extend (often the question is settled first).
        self.value: list[float] = []
        self.choice: list[int] = []
        self.done = n  # the route is known from here to the end

    def ends(self, k: int) -> list[int]:
        """jieba's `get_DAG` at k (the same list): the ends of dictionary words from k."""
        ends = self.dag[k]
        if not ends:
            ends, self.logs[k] = _ends(self.freq, self.block, k)
            self.dag[k] = ends
        return ends

    def alone(self, q: int) -> bool:
        """Is position q a word of one character in jieba's segmentation of the block?"""
        start = self._boundary(q)
        if start == q and self.ends(q) == [q]:
            return True  # no dictionary word covers q: every segmentation leaves it alone
        if self.done > start:
            local = self._alone_between(start, q)
            if local is not None:
                return local
        self._extend(start)
        return _on_route_alone(self.choice, start, q)

    def _alone_between(self, start: int, q: int) -> bool | None:
        """The answer from the stretch between `start` and the first boundary after q, or
        None when only the route from the block's end can give it for certain.

        Past a boundary `cut` that no word crosses, every path from before it goes through
        it, so jieba's choices before `cut` are those of a route that starts at `cut` from 0
        instead of from jieba's value there: each candidate's value is shifted by that one
        number. Not quite in floating point: the sums round differently, by far less than
        _MARGIN over a block of MAX_CHARS. So where every choice won by at least _MARGIN the
        choices are jieba's; where one did not (a near tie), the caller computes the route
        from the end as jieba does. A complaint's object usually sits a few characters from
        both boundaries, in a block of twenty."""
        reach, k, ends_at = -1, start, self.ends
        while True:  # the first boundary after q; ends_at(k) is needed below anyway
            end = ends_at(k)[-1]
            if end > reach:
                reach = end
            if k >= q and reach <= k:
                break
            k += 1
        cut = k + 1
        if cut >= self.done:
            return None  # the route from there is known (or is the whole block): extend it
        value = [0.0] * (cut + 1)
        choice = list(range(cut + 1))
        if _calc(self.dag, self.logs, log(self.total), value, choice, cut, start) < _MARGIN:
            return None
        return _on_route_alone(choice, start, q)

    def plainly_alone(self, q: int) -> bool:
        """Is q alone because no dictionary word can cover it (no key from an earlier start
        runs through q, no word starts at q)? Then every segmentation leaves it alone. A cheap
        test; False means only "not known so"."""
        return not self._crossed(q) and self.ends(q) == [q]

    def _crossed(self, b: int) -> bool:
        """Does a key of the dictionary run from before b through b? It would be
        block[j:b + 1] for some j, no further back than the longest key."""
        block, freq = self.block, self.freq
        # Short words first: they cross most often.
        return any(block[j:b + 1] in freq for j in range(b - 1, max(b - self.longest, -1), -1))

    def _boundary(self, q: int) -> int:
        """The last boundary at or before q that no dictionary word crosses: every
        segmentation passes through it, and from there on the route depends only on what
        follows.

        Walk back from q: a word from j < b across b would make block[j:b + 1] a key of the
        dictionary, which holds every prefix of its words, so a b for which no such key
        exists will do. No key is longer than `longest`, so each b costs a few lookups
        however long the block, and the walk usually stops within a word or two of q."""
        b = q
        while b and self._crossed(b):
            b -= 1
        return b

    def _extend(self, start: int) -> None:
        """jieba's `calc` from where it stopped back to `start`: the same expressions in the
        same order, so the same floating-point values and the same choices."""
        n = len(self.block)
        if not self.value:
            self.value = [0.0] * (n + 1)
            self.value[n] = 0  # jieba starts from the int 0: x - y + 0 is the same float
            self.choice = list(range(n + 1))
        for idx in range(self.done - 1, start - 1, -1):
            if not self.dag[idx]:
                self.ends(idx)
        _calc(self.dag, self.logs, log(self.total), self.value, self.choice, self.done,
              start)
        self.done = min(self.done, start)


def _on_route_alone(choice: list[int], start: int, q: int) -> bool:
    """Following the route's choices from start, is q a word of one character?"""
    x = start
    while x < q:
        x = choice[x] + 1
    return x == q and choice[x] == q


def _calc(dag: list[list[int]], logs: list[list[float]], logtotal: float,
          value: list[float], choice: list[int], stop: int, start: int) -> float:
    """jieba's `calc` over positions stop - 1 down to `start`, given value[stop] and every
    dag[k] there: the same expressions in the same order (on a tie, the longer word, as max()
    over (value, end) pairs gives). Returns the smallest lead any choice had over the best
    other word at its position (inf where no position had a choice)."""
    margin = _INF
    for idx in range(stop - 1, start - 1, -1):
        ends = dag[idx]
        lp = logs[idx]  # log(FREQ.get(block[idx:end + 1]) or 1), found by _ends
        x = ends[0]
        v = lp[0] - logtotal + value[x + 1]
        if len(ends) > 1:
            other = -_INF
            for j in range(1, len(ends)):
                y = ends[j]
                w = lp[j] - logtotal + value[y + 1]
                if w > v or (w == v and y > x):
                    other, v, x = v, w, y
                elif w > other:
                    other = w
            if v - other < margin:
                margin = v - other
        value[idx], choice[idx] = v, x
    return margin


_INF = float("inf")
# A lead no rounding difference can overturn: values are sums of at most MAX_CHARS terms of
# about 20, each rounded by half a unit in the last place (under 4e-12 at that size).
_MARGIN = 1e-6


def _ends(freq: dict[str, int], block: str, k: int) -> tuple[list[int], list[float]]:
    """jieba's `get_DAG` at k: the ends of the dictionary words starting there; and for
    each, log(count or 1) as jieba's `calc` takes it, so the route need not look it up
    again."""
    n, get = len(block), freq.get
    ends: list[int] = []
    logs: list[float] = []
    i, f = k, get(block[k])
    while f is not None:  # the dictionary holds every prefix of its words (count 0)
        if f:
            ends.append(i)
            logs.append(log(f))
        i += 1
        if i >= n:
            break
        f = get(block[k:i + 1])
    if not ends:
        return [k], [0.0]  # jieba's lone character: count None or 0, so log(1)
    return ends, logs


def _one_clause(text: str, pos: int, other: int) -> bool:
    """Are positions pos and other in the same clause of `_clauses(text)`?

    Without splitting the message: when neither position is itself part of a separator
    (neither is punctuation of `_CLAUSE` nor whitespace; word starts never are), they share
    a clause exactly when no separator lies between them, which a search of the few
    characters in between tells. Otherwise the clause spans decide, as they always did (a
    position in no clause counts as in one with the whole message)."""
    a, b = (pos, other) if pos < other else (other, pos)
    ca, cb = text[a], text[b]
    if ca not in _BREAKS and cb not in _BREAKS and not ca.isspace() and not cb.isspace():
        return _CLAUSE.search(text, a, b + 1) is None
    for lo, hi in _clauses(text):
        if lo <= pos < hi:
            return lo <= other < hi
    return True


_BREAKS = frozenset("，,。.!！?？；;\n~～…")  # the punctuation of _CLAUSE


_NONE: frozenset[str] = frozenset()


class _Evidence:
    """What one category's patterns found in a message, before its single-character objects
    are judged: 灯 or 水 counts only where jieba makes it a word of its own, and finding that
    out costs a segmentation, which the caller avoids when the answer cannot matter."""

    __slots__ = ("code", "cp", "mask", "negations", "objs", "own", "phrase", "probs",
                 "singles", "text")
    # Set by collect(): (position, word) of each object and problem word, and the
    # one-character objects among the objects.
    objs: list[tuple[int, str]]
    probs: list[tuple[int, str]]
    singles: set[str] | frozenset[str]

    def __init__(self, cp: CategoryPlan, mask: int, text: str,
                 negations: tuple[str, ...]) -> None:
        cat = cp.rules
        self.code, self.cp, self.mask, self.text = cat.code, cp, mask, text
        self.negations = negations
        phrase: tuple[str, int] | None = None
        if mask & cp.phrases.bits:
            m = _first_unnegated(cp.phrases.finditer(mask, text), text, negations)
            if m is not None:
                phrase = (m[0], m.start())
        self.phrase = phrase
        self.own: bool | None = None  # searched only if the score needs it

    def collect(self) -> None:
        """The objects and problem words (a separate step: when no phrase occurred, the
        caller may find it need not look further)."""
        cp, mask, text = self.cp, self.mask, self.text
        cat = cp.rules
        if cat.object_rx is None or not mask & cp.objects:
            self.objs, self.singles, self.probs = [], _NONE, []
        else:
            objs = [(m.start(), m[0]) for m in cat.object_rx.finditer(text)]
            self.objs = objs
            self.singles = {w for _, w in objs if len(w) == 1} if objs else _NONE
            self.probs = [] \
                if cat.problem_rx is None or not objs or not mask & cp.problems \
                else [(m.start(), m[0]) for m in cat.problem_rx.finditer(text)]

    def has_own_problem(self) -> bool:
        """A problem word of this category, not negated (counts a little on its own)."""
        own = self.own
        if own is None:
            own = False
            rx = self.cp.rules.own_problem_rx
            if rx is not None and self.mask & self.cp.own:
                own = _first_unnegated(rx.finditer(self.text), self.text,
                                       self.negations) is not None
            self.own = own
        return own


def _first_unnegated(matches: Iterator[re.Match[str]], text: str,
                     negations: tuple[str, ...]) -> re.Match[str] | None:
    """The first match whose three characters before it do not end with a negation."""
    for m in matches:
        start = m.start()
        if not text.endswith(negations, max(0, start - 3), start):
            return m
    return None


def _score(ev: _Evidence, accept: Callable[[str], bool]) -> _Score:
    """The category's score when the single-character objects `accept` lets through count.

    (Kept in local variables, the _Score made once at the end: this runs a couple of times
    per complaint, and attribute stores on the result cost more than the arithmetic.)"""
    score = 0.0
    keywords: list[str] = []
    obj_pos = 10**6
    phrase = ev.phrase
    if phrase is not None:
        score += 3.0
        keywords.append(phrase[0])
        obj_pos = phrase[1]
    objs = ev.objs if not ev.singles or accept is _yes else [
        (pos, w) for pos, w in ev.objs if len(w) > 1 or accept(w)]
    obj: str | None = None
    problem: str | None = None
    best_pair = 0.0
    if objs:
        probs = ev.probs
        text, negations = ev.text, ev.negations
        for pos, word in objs:
            if pos < obj_pos:
                obj_pos = pos
            if obj is None:
                obj = word
            if not probs:
                continue
            end = pos + len(word)
            for ppos, prob in probs:
                if abs(ppos - pos) > WINDOW or pos <= ppos < end or not _one_clause(
                        text, pos, ppos):
                    continue
                if prob[0] not in "不冇没冒" and text.endswith(negations, max(0, ppos - 3),
                                                               ppos):
                    continue
                pair = 2.5 if ppos > pos else 2.0
                if pair > best_pair:
                    best_pair, obj, problem = pair, word, prob
                    keywords += [w for w in (word, prob) if w not in keywords]
    score += best_pair
    if not best_pair:
        if objs:
            score += 0.7
        if ev.has_own_problem():
            score += 0.6
    return _Score(ev.code, score, keywords, obj, obj_pos, problem)


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


def _winner(eng: _Engine, mask: int, text: str) -> _Score | None:
    """The best-scoring category: the same one as scoring every category and taking the
    first of the highest, with less work.

    Categories are scored in order of their ceiling and scoring stops when no ceiling left
    reaches a score some category surely has. A category's score only grows as more of its
    single-character objects count, so scoring it as if all of them counted and as if none
    did brackets it (its rank too: more objects can only move its evidence earlier). Such a
    category is set aside with its bracket, and jieba is asked about its objects only after
    every category has been scored, and only if its upper bound still beats the best known:
    a complaint about a tree by the road (路边的行道树) need not learn whether 路 is a word
    of its own once the tree has won.
    """
    plan = eng.plan
    cats, owner = plan.categories, plan.category_of
    queue = []
    left = mask & plan.any_category
    while left:  # one turn per category with evidence (a bit of it, then all its bits off)
        cp = owner[left & -left]
        left &= ~cp.any
        # The most the category can score, knowing only which of its lists can match at
        # all (inline: this runs for every category with evidence).
        ceiling = 3.0 if mask & cp.phrases.bits else 0.0
        if mask & cp.objects and mask & cp.problems:
            ceiling = ceiling + 2.5 + _EPS
        else:
            ceiling = ceiling + (0.7 if mask & cp.objects else 0.0) + (
                0.6 if mask & cp.own else 0.0) + _EPS
        queue.append((-ceiling, cp.index))
    if len(queue) > 1:
        queue.sort()
    best: _Score | None = None  # the best exactly scored category
    best_rank = (0.0, 0, 0)
    floor: _Score | None = None  # the best score some category surely reaches
    floor_rank = (0.0, 0, 0)
    pending: list[tuple[tuple[float, int, int], _Evidence, _Score]] = []
    last = queue[-1][1] if queue else -1
    for neg_ceiling, i in queue:
        if floor is not None and -neg_ceiling < floor.score:
            break  # this and every later ceiling is below a score some category reaches
        cp = cats[i]
        if mask & cp.exclusions.bits and cp.exclusions.search(mask, text):
            continue  # ruled out: scores 0
        ev = _Evidence(cp, mask, text, eng.negations)
        if ev.phrase is None and floor is not None and mask & cp.phrases.bits and \
                -neg_ceiling - 3.0 < floor.score:
            continue  # its phrases made the ceiling, none occurs, and the rest falls short
        ev.collect()
        s = _score(ev, _yes)
        rank = (s.score, -s.obj_pos, -i)  # _rank(s, i)
        if ev.singles:
            if floor is not None and rank < floor_rank:
                continue  # cannot win, whatever its single-character objects turn out to be
            if i == last and ev.phrase is None and all(len(w) == 1 for _, w in ev.objs):
                # The last to score, and nothing counts unless a single-character object
                # does (scoring without them differs: no object at all). No later category
                # needs its lower bound: jieba will say.
                pending.append((rank, ev, s))
                continue
            low = _score(ev, _no)
            # With one such object there are two cases: if both score alike, no need to
            # know which one holds. Otherwise jieba will have to say, if it still matters.
            if len(ev.singles) != 1 or not _same(s, low):
                pending.append((rank, ev, s))
                low_rank = (low.score, -low.obj_pos, -i)  # _rank(low, i)
                if floor is None or low_rank > floor_rank:
                    floor, floor_rank = low, low_rank
                continue
        if best is None or rank > best_rank:
            best, best_rank = s, rank
        if floor is None or rank > floor_rank:
            floor, floor_rank = s, rank
    if pending:
        tokens = _Tokens(eng, text)
        pending.sort(key=_first, reverse=True)  # ranks differ: each ends in its category
        for rank, ev, s in pending:
            if best is not None and rank < best_rank:
                break  # neither this upper bound nor any later one beats the best
            if not all(tokens.has(w) for w in ev.singles):
                s = _score(ev, tokens.has)
                rank = _rank(s, ev.cp.index)
            if best is None or rank > best_rank:
                best, best_rank = s, rank
    return best


def _first(item: tuple[tuple[float, int, int], _Evidence, _Score]) -> tuple[float, int, int]:
    return item[0]


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
        s = _first_clause(text)
    return s[:20]


def _first_clause(text: str) -> str:
    """The text of `_clauses(text)[0]`, without splitting the rest of the message."""
    m = _CLAUSE.search(text)
    if m is None:
        return text  # one clause, all of it (or none, of an empty text)
    if m.start() > 0:
        return text[:m.start()]
    start = 0
    for m in _CLAUSE.finditer(text):
        if m.start() > start:
            return text[start:m.start()]
        start = m.end()
    if start < len(text):
        return text[start:]
    first = _clauses(text)[0] if text else (0, 0)  # no clause at all: fails as it always did
    return text[first[0]:first[1]]


_NOT_AN_ISSUE = Detection(is_issue=False)
_FULL_SCORE = 2 * THRESHOLD  # the score of confidence 1
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
    live = mask & plan.urgent_bits
    if live and not live & (live - 1):  # one pattern (one bit each) may match
        rx, kind = plan.urgent_of[live]
        return kind if rx.search(text) else None
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
    mask = plan.gate.mask(t)
    if not mask & plan.prefilter_words and not (
            mask & plan.prefilter_rest and _any(rules.prefilter.rest, t)):
        return _NOT_AN_ISSUE  # no trigger at all: rules.prefilter.search(t) would say so
    # Categories without evidence (or ruled out by an exclusion) score 0 and cannot win.
    best = _winner(eng, mask, t) if mask & plan.any_category else None
    if best is None or best.score <= 0:
        return _NOT_AN_ISSUE
    score = best.score
    boosts = 0
    live = mask & plan.intensifier_bits
    while live:  # the intensifiers that may match (one bit each)
        bit = live & -live
        live ^= bit
        if plan.intensifier_of[bit].search(t):
            boosts += 1
    if boosts:
        score += min(1.5, 0.5 * boosts)  # several kinds add up
    hits = []
    live = mask & plan.penalty_bits
    while live:  # the veto lists that may match, in order (a bit of one, then all its bits)
        name, veto = plan.penalty_of[live & -live]
        live &= ~veto.bits
        if veto.search(mask, t):
            hits.append(name)
    for name in hits:
        if name == "questions" and boosts:
            continue  # "垃圾是不是不收了？都三天了" is a complaint phrased as a question
        score -= _PENALTY[name]
    urgent_kind = _urgent_kind(rules, plan, mask, t) if mask & plan.urgent_bits else None
    if urgent_kind and not _CANCEL_URGENT.intersection(hits):
        score = max(score, THRESHOLD + 1.0)
    confidence = score / _FULL_SCORE
    if confidence <= 0.0:  # max(0.0, min(1.0, ...)), without two builtin calls
        confidence = 0.0
    elif confidence > 1.0:
        confidence = 1.0
    is_issue = score >= THRESHOLD
    # Places are proper names: look for them before traditional→simplified folding (乾源 ≠ 干源).
    # The gate scanned t for what each place pattern needs: when half is t, that settles
    # which patterns to try.
    if t != half:
        location = find_location(half) or find_location(t)
    elif mask & plan.location_bits:
        location = find_location_gated(t, mask, plan.location)
    else:
        location = None  # no place pattern can match
    return _detection({
        "is_issue": is_issue,
        "category": best.code if is_issue or best.score >= 2 else "other",
        "confidence": round(confidence, 3),
        "urgent": bool(is_issue and urgent_kind),
        "location": location,
        "summary": _summary(t, best, location),
        "keywords": tuple(best.keywords),
        "urgent_kind": urgent_kind if is_issue else None,
    })


_new = object.__new__


def _detection(fields: dict[str, object]) -> Detection:
    """Detection(**fields), built the way unpickling builds it: a frozen dataclass's own
    __init__ sets each of its eight fields through object.__setattr__, which costs a
    complaint more than a microsecond (a tenth of what the rest of `detect` after scoring
    costs). `fields` must name every field, in declaration order (what repr, == and
    dataclasses.asdict read are the fields themselves, so the result is the same object)."""
    d = _new(Detection)
    d.__dict__.update(fields)
    return d

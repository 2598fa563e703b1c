"""What text a regular expression cannot match without: the basis of the detector's gates.

Most rule patterns only match where some plain word occurs ("(冇|没)人(收|清理)" needs 冇人
or 没人; "井盖.{0,6}(偷|冇人补)" needs 井盖). If none of a pattern's required words is in a
message, running the pattern is wasted work, and on a message that passes the pre-filter the
detector would otherwise run some fifty patterns. Knowing the required words lets one scan of
the message for all of them (`Gate`) tell which patterns can possibly match, so only
those run: the answers are the same, only cheaper.

`required_literals` reads the pattern with Python's own regex parser, so it follows the real
syntax rather than guessing at it; anything it does not understand (case-insensitive flags,
backreferences, conditionals) yields None, meaning "always run the pattern".
"""

from __future__ import annotations

import re
import re._constants as sre_c
import re._parser as sre_parse
from collections.abc import Callable, Iterable, Sequence
from typing import TypeAlias

import ahocorasick_rs

# A set of alternatives is only worth enumerating while small: "(冇|冒|没)(得|有)?一盏灯" is
# nine strings; "[\u4e00-\u9fa5]{2}" would be millions.
_MAX_CHOICES = 64
_MAX_CLASS = 16

_Items = list[tuple[object, object]]
_REPEATS = (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, sre_c.POSSESSIVE_REPEAT)
_ZERO_WIDTH = (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT)


class _Unsupported(Exception):
    """The pattern uses something whose literal content we do not reason about."""


def required_literals(pattern: str) -> frozenset[str] | None:
    """Non-empty strings of which every match of `pattern` contains at least one, or None
    when no such set is known (then the pattern must always be run)."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & (sre_c.SRE_FLAG_IGNORECASE | sre_c.SRE_FLAG_VERBOSE):
        return None
    try:
        need = _seq_need(list(parsed.data))
    except _Unsupported:
        return None
    # A string that contains another one of the set adds nothing ("塘组" given "组").
    return need if need is None else frozenset(
        s for s in need if not any(o != s and o in s for o in need))


def literal_gate(pattern: str) -> Callable[[str], object]:
    """A cheap test that is falsy only for text `pattern` cannot match: a search for its
    required strings (one flat alternation, which the regex engine scans with a first-character
    table), or a test that always passes when the pattern has none."""
    need = required_literals(pattern)
    if need is None:
        return _always
    return re.compile("|".join(re.escape(s) for s in sorted(need, key=len, reverse=True))).search


def _always(text: str) -> bool:
    return True


def _seq_fixed(items: _Items) -> frozenset[str] | None:
    """Every string the sequence can match, when that is a small finite set."""
    out = frozenset({""})
    for item in items:
        f = _fixed(item)
        if f is None:
            return None
        out = frozenset(a + b for a in out for b in f)
        if len(out) > _MAX_CHOICES:
            return None
    return out


def _fixed(item: tuple[object, object]) -> frozenset[str] | None:
    op, av = item
    if op is sre_c.LITERAL:
        assert isinstance(av, int)
        return frozenset({chr(av)})
    if op is sre_c.IN:
        return _class_chars(av)
    if op is sre_c.SUBPATTERN:
        return _seq_fixed(_sub_items(av))
    if op is sre_c.BRANCH:
        out = _branches(av, _seq_fixed)
        return out if out is not None and len(out) <= _MAX_CHOICES else None
    if op in _REPEATS:
        assert isinstance(av, tuple)
        lo, hi, sub = av
        if hi == 0:
            return frozenset({""})
        f = _seq_fixed(list(sub.data))
        if f is None or hi > 1:
            return None
        return f if lo == 1 else f | {""}
    if op in _ZERO_WIDTH:
        _check_assert(op, av)
        return frozenset({""})  # consumes nothing: neutral inside a run of fixed parts
    if op in (sre_c.GROUPREF_EXISTS, sre_c.GROUPREF, sre_c.ATOMIC_GROUP):
        raise _Unsupported(op)
    return None  # ANY, NOT_LITERAL, wide classes, ...: matches too many strings


def _branches(av: object, of: Callable[[_Items], frozenset[str] | None]
              ) -> frozenset[str] | None:
    """The union of `of` over an alternation's branches; None if any branch gives None."""
    assert isinstance(av, tuple)
    out: set[str] = set()
    for branch in av[1]:
        part = of(list(branch.data))
        if part is None:
            return None
        out |= part
    return frozenset(out)


def _class_chars(av: object) -> frozenset[str] | None:
    chars: set[str] = set()
    assert isinstance(av, list)
    for op, arg in av:
        if op is sre_c.LITERAL:
            chars.add(chr(arg))
        elif op is sre_c.RANGE and arg[1] - arg[0] < _MAX_CLASS:
            chars.update(chr(c) for c in range(arg[0], arg[1] + 1))
        else:
            return None  # NEGATE, CATEGORY (\d, \s), wide ranges
    return frozenset(chars) if 0 < len(chars) <= _MAX_CLASS else None


def _sub_items(av: object) -> _Items:
    assert isinstance(av, tuple)
    _group, add_flags, _del_flags, sub = av
    if add_flags & (sre_c.SRE_FLAG_IGNORECASE | sre_c.SRE_FLAG_VERBOSE):
        raise _Unsupported("inline flags")
    return list(sub.data)


def _check_assert(op: object, av: object) -> None:
    if op is not sre_c.AT:
        assert isinstance(av, tuple)
        _seq_fixed_or_scan(list(av[1].data))


def _seq_fixed_or_scan(items: _Items) -> None:
    """Look inside a lookaround only to refuse what we do not support."""
    for item in items:
        _fixed(item)
        _need(item)


def _need(item: tuple[object, object]) -> frozenset[str] | None:
    """Strings of which every match of this single item contains one."""
    op, av = item
    if op is sre_c.SUBPATTERN:
        return _seq_need(_sub_items(av))
    if op is sre_c.BRANCH:
        return _branches(av, _seq_need)
    if op in _REPEATS:
        assert isinstance(av, tuple)
        lo, _hi, sub = av
        inner = _seq_need(list(sub.data))
        return inner if lo >= 1 else None
    f = _fixed(item)
    return f if f is not None and "" not in f else None


def _seq_need(items: _Items) -> frozenset[str] | None:
    """The most selective required set among the sequence's parts and its runs of fixed
    parts: longer strings are rarer in chat, fewer of them cheaper to look for."""
    candidates: list[frozenset[str]] = []
    fixed = [_fixed(item) for item in items]
    for item in items:
        n = _need(item)
        if n is not None:
            candidates.append(n)
    for start in range(len(items)):
        run = frozenset({""})
        for f in fixed[start:]:
            if f is None:
                break
            run = frozenset(a + b for a in run for b in f)
            if len(run) > _MAX_CHOICES:
                break
            candidates.append(run)
    usable = [c for c in candidates if c and "" not in c]
    if not usable:
        return None
    return max(usable, key=lambda c: (min(map(len, c)), -len(c)))


class Gate:
    """Which rule units could match a message, found in one pass in C.

    Unit i needs one of a set of strings (from `required_literals`); bit i of the mask is
    set when the text contains one of them, so a clear bit proves the unit cannot match.
    Units whose needs are unknown (None) are always set; units that need nothing from an
    empty list never are.

    An Aho-Corasick automaton (ahocorasick_rs, a compiled DFA) over every rule string reports
    each occurrence (overlapping ones too) by the index of its string, whose units' bits are
    ORed in. (Set intersections of the message's characters and character pairs with the
    rule strings' were tried first and cost more on a complaint; pyahocorasick's trie scans
    the ~500 first characters of the rule strings one by one at every character of chat
    that starts none of them, and cost twice as much.)
    """

    def __init__(self, needs: Sequence[frozenset[str] | None]) -> None:
        units: dict[str, int] = {}
        self.always = 0
        for i, need in enumerate(needs):
            if need is None:
                self.always |= 1 << i
                continue
            for s in need:
                units[s] = units.get(s, 0) | 1 << i
        strings = list(units)
        self._bits = [units[s] for s in strings]  # of each string, by its index
        # Standard match kind: every occurrence, overlapping ones too, as substring tests
        # would see them.
        self._find = ahocorasick_rs.AhoCorasick(
            strings, matchkind=ahocorasick_rs.MatchKind.Standard,
            implementation=ahocorasick_rs.Implementation.DFA).find_matches_as_indexes

    def mask(self, text: str) -> int:
        """Bit i set ⇔ `text` contains a string unit i needs (or unit i is always run)."""
        m, bits = self.always, self._bits
        for found in self._find(text, overlapping=True):  # (string index, start, end)
            m |= bits[found[0]]
        return m


_Trie: TypeAlias = dict[str, "_Trie"]  # next character → the rest; "" ends a word


def trie_pattern(words: Iterable[str]) -> str:
    """An alternation of `words` shaped as a prefix tree: at each position it matches the
    longest word starting there, exactly like the words sorted longest-first and joined with
    |, but the regex engine tries one branch per distinct next character instead of every
    word in turn."""
    trie: _Trie = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}  # "" marks the end of a word: no character equals it
    return _node_pattern(trie)


def _node_pattern(node: _Trie) -> str:
    branches = [re.escape(ch) + _node_pattern(child)
                for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" not in node:
        return body
    # A word ends here and longer ones go on: the greedy ? tries the longer ones first.
    return f"(?:{body})?"

"""The rule language a community worker writes, and how it is matched.

An entry of a rule file is one line: a pattern, then an example sentence after 例：

    停电/断电                      例：7栋又停电了
    路灯 附近有 全黑/黑了           例：这一段路灯全黑了
    开头是 【通知】/通知：          例：【通知】明天上午停水检修

- words separated by / are alternatives: any one of them will do;
- "A 附近有 B": a word of A and a word of B in the same clause, at most `near` characters
  apart (either order);
- "A 同时有 B": a word of A and a word of B anywhere in the message ("以前 同时有 现在");
- "开头是 A": the message starts with a word of A;
- （地点） stands for every word of the shared list `places` (小区, 楼下, 门口…).

A word counts only where it is not negated: a negation word (没, 不, 未…) within the few
characters before it cancels it ("路灯没坏"), or before 一 + a measure word ("没一盏灯是亮的"),
unless the word itself begins with one ("没人管"); 别 at the end of 特别 (区别, 个别…) denies
nothing ("特别吵").
Words are matched as they are after `nlp.normalize` (simplified, half-width, lower case, 冇 →
没), so a rule may be written either way.

Every word of every rule goes into one Aho-Corasick automaton; a message is scanned once and
each entry is decided from the positions of its words (`Hits`), with no regular expressions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import ahocorasick_rs

from nlp.normalize import normalize

NEAR = "附近有"
ALSO = "同时有"
START = "开头是"
EXAMPLE = re.compile(r"\s*例[：:]\s*")
# Measure words: a negation reaches across "一盏/一个" (+ a noun of up to two characters and
# 是/都/也) to the word after it: "没一盏是亮的", "没有一个灯是好的".
MEASURES = frozenset("个盏只条台根处间家栋块把辆部张扇座样户口")
_LINKS = "是都也能还"
# Words that end in a negation's character but deny nothing: 特别吵 is very loud.
_NOT_NEGATING = ("特别", "区别", "分别", "级别", "告别", "个别", "差别", "类别", "性别", "识别",
                 "鉴别", "离别", "派别")
# What ends a clause: the two words of a pair or of "A 附近有 B" must not be split by one.
CLAUSE = re.compile(r"[,。.!?;\n~～…]+|\s{2,}")


class PatternError(ValueError):
    """An entry that cannot be read; the loader adds the file and line."""


@dataclass(frozen=True)
class Entry:
    """One rule line: what it matches, the example that shows it, and where it was written."""

    text: str  # the pattern as written (its name in the weights file)
    left: tuple[str, ...]  # the words; for "A 附近有 B" the words of A
    right: tuple[str, ...] = ()  # the words of B, for "A 附近有 B"
    start: bool = False  # "开头是 A"
    anywhere: bool = False  # "A 同时有 B": the two sides need not be close
    example: str = ""
    where: str = ""  # "categories.yaml, line 12"

    @property
    def words(self) -> tuple[str, ...]:
        return self.left + self.right

    def key(self) -> tuple[object, ...]:
        """What two entries must not share (the same words in the same form)."""
        return (self.start, self.anywhere, frozenset(self.left), frozenset(self.right))


def parse_words(text: str, named: Mapping[str, tuple[str, ...]] | None = None
                ) -> tuple[str, ...]:
    """"A/B/C" → (a, b, c), each normalised; （名字） stands for a named word list (地点);
    empty alternatives are an error."""
    words: list[str] = []
    for w in text.split("/"):
        w = w.strip()
        if len(w) > 2 and w[0] in "（(" and w[-1] in "）)":
            if named is None or w[1:-1] not in named:
                raise PatternError(f"unknown list {w} (known: {', '.join(named or ())})")
            words += named[w[1:-1]]
            continue
        words.append(normalize(w))
    if not words or any(not w for w in words):
        raise PatternError(f"empty word in {text!r}")
    return tuple(dict.fromkeys(words))


def parse_entry(line: str, where: str = "", need_example: bool = True,
                named: Mapping[str, tuple[str, ...]] | None = None) -> Entry:
    """One entry of a rule file (see the module docstring)."""
    parts = EXAMPLE.split(line.strip(), maxsplit=1)
    pattern = parts[0].strip()
    example = parts[1].strip() if len(parts) > 1 else ""
    if not pattern:
        raise PatternError("the entry has no pattern before 例：")
    if need_example and not example:
        raise PatternError(f"{pattern!r} needs an example sentence (例：…)")
    if pattern.startswith(START):
        return Entry(pattern, parse_words(pattern[len(START):].strip(), named), start=True,
                     example=example, where=where)
    for joint in (NEAR, ALSO):
        if joint not in pattern:
            continue
        left, _, right = pattern.partition(joint)
        if not left.strip() or not right.strip() or NEAR in right or ALSO in right:
            raise PatternError(f"{pattern!r}: write it as A {joint} B")
        return Entry(pattern, parse_words(left.strip(), named),
                     parse_words(right.strip(), named), anywhere=joint == ALSO,
                     example=example, where=where)
    if " " in pattern:
        raise PatternError(f"{pattern!r}: separate alternatives with / "
                           "(or write A 附近有 B, A 同时有 B)")
    return Entry(pattern, parse_words(pattern, named), example=example, where=where)


class Scanner:
    """One automaton over every word of the rules: `scan(text)` gives each word's positions."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = sorted(set(words))
        self.index = {w: i for i, w in enumerate(self.words)}
        self._ac = ahocorasick_rs.AhoCorasick(
            self.words, matchkind=ahocorasick_rs.MatchKind.Standard) if self.words else None

    def scan(self, text: str, negations: tuple[str, ...], reach: int, near: int) -> Hits:
        found: dict[str, list[int]] = {}
        if self._ac is not None:
            words = self.words
            for i, start, _ in self._ac.find_matches_as_indexes(text, overlapping=True):
                found.setdefault(words[i], []).append(start)
        return Hits(text, found, negations, reach, near)


class Hits:
    """The positions of the rule words in one message, and the tests entries are made of."""

    __slots__ = ("_free", "alone", "found", "near", "negations", "reach", "text")

    def __init__(self, text: str, found: dict[str, list[int]], negations: tuple[str, ...],
                 reach: int, near: int) -> None:
        self.text, self.found, self.negations = text, found, negations
        self.reach, self.near = reach, near
        self._free: dict[str, list[int]] = {}
        self.alone: dict[str, list[int]] = {}

    def keep_only(self, words: Iterable[str], starts: set[int]) -> None:
        """Count these words (single characters) as objects and problem words only at the
        given positions; phrases and signals still see every occurrence."""
        self.alone = {w: [p for p in self.found[w] if p in starts] for w in words}

    def at(self, w: str) -> list[int]:
        """Where an object word counts (objects are not negated: 没路灯 is a complaint)."""
        return self.alone.get(w, self.found.get(w, []))

    def word(self, w: str) -> list[int]:
        """Where a problem word counts: un-negated, and alone if it is one character."""
        free = self.free(w)
        if w in self.alone:
            free = [p for p in free if p in self.alone[w]]
        return free

    def negated(self, word: str, pos: int) -> bool:
        """Is the word at pos cancelled by a negation in the `reach` characters before it?"""
        if word.startswith(self.negations):
            return False  # 没人管, 不亮: the negation is the word's own
        text = self.text
        if not text.endswith(self.negations, max(0, pos - self.reach), pos) or \
                text.endswith(_NOT_NEGATING, max(0, pos - 2), pos):
            return self._quantified(pos)
        # 有没有X, 是不是X, 能不能X ask; they do not deny X
        if pos >= 3 and text[pos - 3] == text[pos - 1] and text[pos - 2] in "不没":
            return False
        return not self._rhetorical(pos)

    def _rhetorical(self, pos: int) -> bool:
        """不是X吗 says X ("这不是坑人吗", "不是扰民吗？"): 不是 right before the word, and the
        clause ends as a question."""
        if not self.text.endswith(("不是", "不就是"), max(0, pos - 3), pos):
            return False
        end = CLAUSE.search(self.text, pos)
        clause = self.text[pos:end.start() if end else len(self.text)]
        return clause.endswith(("吗", "么", "嘛")) or bool(end and end.group().startswith("?"))

    def _quantified(self, pos: int) -> bool:
        """Is the word at pos denied through a measure word: 没 + 一盏 (+ 灯) (+ 是)?"""
        head = self.text[max(0, pos - 8):pos]
        head = head[:-1] if head.endswith(tuple(_LINKS)) else head
        for noun in range(3):  # 没一盏是, 没一盏灯是, 没一个路灯是
            q = len(head) - noun
            if q < 3 or not all("\u4e00" <= c <= "\u9fff" for c in head[q:]):
                return False
            if head[q - 1] in MEASURES and head[q - 2] == "一" and head.endswith(
                    self.negations, 0, q - 2):
                return True
        return False

    def free(self, word: str) -> list[int]:
        """The positions where the word occurs and is not negated."""
        out = self._free.get(word)
        if out is None:
            out = [p for p in self.found.get(word, ()) if not self.negated(word, p)]
            self._free[word] = out
        return out

    def any_free(self, words: Iterable[str]) -> tuple[str, int] | None:
        """The first of the words that occurs un-negated, with its position, or None."""
        for w in words:
            if w in self.found:
                free = self.free(w)
                if free:
                    return w, free[0]
        return None

    def same_clause(self, a: int, b: int) -> bool:
        lo, hi = (a, b) if a <= b else (b, a)
        return CLAUSE.search(self.text, lo, hi) is None

    def close(self, a: str, pa: int, b: str, pb: int, limit: int) -> bool:
        """Are word a at pa and word b at pb at most `limit` characters apart in one clause,
        without overlapping?"""
        gap = pb - (pa + len(a)) if pa <= pb else pa - (pb + len(b))
        return 0 <= gap <= limit and self.same_clause(pa, pb)

    def match(self, entry: Entry) -> tuple[str, int] | None:
        """Where the entry matches: the words it matched (for keywords) and their position;
        None when it does not."""
        if entry.start:
            text = self.text.lstrip(" ,。.!?;…~")
            skipped = len(self.text) - len(text)
            return next(((w, skipped) for w in entry.left if text.startswith(w)), None)
        if not entry.right:
            return self.any_free(entry.left)
        for a in entry.left:
            if a not in self.found:
                continue
            for b in entry.right:
                if b not in self.found:
                    continue
                # "好久没 附近有 拖": a word right after a negating left side is its object
                bs = self.found[b] if a.endswith(self.negations) else self.free(b)
                for pa in self.free(a):
                    for pb in bs:
                        if entry.anywhere and bs:
                            return a, pa
                        if self.close(a, pa, b, pb, self.near):
                            lo = min(pa, pb)
                            return self.text[lo:max(pa + len(a), pb + len(b))], lo
        return None


def example_matches(entry: Entry, negations: tuple[str, ...], reach: int, near: int) -> bool:
    """Does the entry match its own example (what the loader and the tests check)?"""
    text = normalize(entry.example)
    return Scanner(entry.words).scan(text, negations, reach, near).match(entry) is not None

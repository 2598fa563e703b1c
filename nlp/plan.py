"""The rules arranged for speed: which patterns a message can possibly match, known at once.

A message that passes the pre-filter used to meet every pattern of every category and every
shared list (some fifty regex searches and as many Python calls), although a typical
complaint can concern two or three categories at most. At rule load each pattern list becomes
a unit of a `Gate`; per message one scan for the strings the units need gives a bit mask,
and only units whose bit is set are searched. A clear bit proves that the unit cannot match,
so the detector's answers are exactly those of searching everything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from nlp.literals import Gate, required_literals
from nlp.location import ORDER as LOCATION_PATTERNS
from nlp.rules import CategoryRules, Rules


@dataclass(frozen=True)
class Patterns:
    """A rule list both as one alternation (as `Rules` holds it) and pattern by pattern, each
    pattern with its own gate bit. Usually one pattern at most can match a message, and one
    pattern is searched several times faster than the alternation of ten."""

    union: re.Pattern[str] | None
    parts: tuple[tuple[int, re.Pattern[str]], ...]
    bits: int  # set in a mask if any pattern of the list may match
    by_bit: dict[int, re.Pattern[str]]

    def search(self, mask: int, text: str) -> bool:
        """Does the list match anywhere (as `union.search` would)?"""
        live = mask & self.bits
        if not live:
            return False
        if not live & (live - 1):  # a single pattern may match
            return self.by_bit[live].search(text) is not None
        return any(rx.search(text) is not None for bit, rx in self.parts if live & bit)

    def finditer(self, mask: int, text: str) -> Iterator[re.Match[str]]:
        """The matches of `union.finditer(text)`. A pattern that cannot match anywhere never
        decides a match of the alternation, so when one pattern alone may match, its own
        matches are the alternation's; with several, the alternation itself runs."""
        live = mask & self.bits
        if not live or self.union is None:
            return iter(())
        return (self.union if live & (live - 1) else self.by_bit[live]).finditer(text)


@dataclass(frozen=True)
class CategoryPlan:
    """One category's rules and the gate bits of each of its pattern lists."""

    rules: CategoryRules
    phrases: Patterns
    exclusions: Patterns
    objects: int
    problems: int  # the category's own problems plus the shared ones (paired with objects)
    own: int  # the category's own problems (a weak signal on their own)
    any: int  # phrases | objects | own: a category with none of these set scores nothing
    index: int  # place in the rules: the first category wins a tie


@dataclass(frozen=True)
class Plan:
    gate: Gate
    prefilter_words: int  # exact: set iff a literal trigger occurs
    prefilter_rest: int  # the few trigger patterns with no literal core: search if set
    any_category: int  # the union of every category's `any`
    category_of: dict[int, CategoryPlan]  # each bit of a category's `any` → the category
    categories: tuple[CategoryPlan, ...]  # in rule order, "other" left out
    intensifiers: tuple[tuple[int, re.Pattern[str]], ...]
    penalties: tuple[tuple[str, Patterns], ...]
    penalty_bits: int
    urgent: tuple[tuple[int, re.Pattern[str], str], ...]  # bit, pattern, emergency kind
    urgent_bits: int
    intensifier_bits: int
    location: tuple[int, ...]  # the bit of each place pattern, in nlp.location's order
    location_bits: int
    # Each bit of a veto list → (name, list); each urgent bit → (pattern, kind). Walking the
    # set bits of a mask visits only the lists that can match, in the order they were made.
    penalty_of: dict[int, tuple[str, Patterns]]
    urgent_of: dict[int, tuple[re.Pattern[str], str]]
    intensifier_of: dict[int, re.Pattern[str]]


class _Units:
    """Collects the needs of each unit and hands out its bit."""

    def __init__(self) -> None:
        self.needs: list[frozenset[str] | None] = []

    def add(self, need: frozenset[str] | None) -> int:
        self.needs.append(need)
        return 1 << (len(self.needs) - 1)

    def words(self, words: Iterable[str]) -> int:
        return self.add(frozenset(words))

    def pattern(self, pattern: str) -> int:
        return self.add(required_literals(pattern))

    def patterns(self, union: re.Pattern[str] | None,
                 patterns: Iterable[re.Pattern[str]]) -> Patterns:
        parts = tuple((self.pattern(p.pattern), p) for p in patterns)
        bits = 0
        for bit, _ in parts:
            bits |= bit
        return Patterns(union, parts, bits, {bit: rx for bit, rx in parts if bit})


def build_plan(rules: Rules, penalty_names: Iterable[str]) -> Plan:
    """Gate every pattern list of `rules`; `penalty_names` in the order the detector applies
    them."""
    u = _Units()
    pre = rules.prefilter
    prefilter_words = u.words(pre.literals)
    prefilter_rest = u.pattern(pre.rest.pattern) if pre.rest is not None else 0
    shared_problems = rules.shared_words["problems"]
    categories: list[CategoryPlan] = []
    for code, cat in rules.categories.items():
        if code == "other":
            continue
        phrases = u.patterns(cat.phrase_rx, cat.phrases)
        exclusions = u.patterns(cat.exclusion_rx, cat.exclusions)
        objects = u.words(cat.objects)
        problems = u.words((*cat.problems, *shared_problems))
        own = u.words(cat.problems)
        categories.append(CategoryPlan(cat, phrases, exclusions, objects, problems, own,
                                       any=phrases.bits | objects | own,
                                       index=len(categories)))
    intensifiers = tuple((u.pattern(p.pattern), p) for p in rules.shared["intensifiers"])
    penalties = tuple((name, u.patterns(rules.shared_rx[name], rules.shared[name]))
                      for name in penalty_names)
    urgent = tuple((u.pattern(r.pattern.pattern), r.pattern, r.kind) for r in rules.urgent)
    urgent_bits = 0
    for bit, _, _ in urgent:
        urgent_bits |= bit
    location = tuple(u.pattern(rx.pattern) for rx in LOCATION_PATTERNS)
    intensifier_bits = 0
    for bit, _ in intensifiers:
        intensifier_bits |= bit
    gate = Gate(u.needs)
    any_category = 0
    for cp in categories:
        any_category |= cp.any
    penalty_bits = 0
    for _, veto in penalties:
        penalty_bits |= veto.bits
    category_of = {1 << i: cp for cp in categories for i in range(cp.any.bit_length())
                   if cp.any >> i & 1}
    return Plan(gate, prefilter_words, prefilter_rest, any_category, category_of,
                tuple(categories), intensifiers, penalties, penalty_bits, urgent, urgent_bits,
                intensifier_bits, location, sum(location),  # distinct bits: sum is |
                {bit: (name, veto) for name, veto in penalties for bit, _ in veto.parts if bit},
                {bit: (rx, kind) for bit, rx, kind in urgent}, dict(intensifiers))

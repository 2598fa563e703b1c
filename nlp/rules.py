"""Loading and checking the rule files in config/rules/.

Community workers edit these files by hand, so a mistake must be reported precisely (file,
line, problem) and must never replace rules that work: `load_rules` either returns a complete
rule set or raises RuleError. It refuses an entry whose example (例：…) does not match it, and
an entry written twice (the second one is named, with the line of the first).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

import yaml

from nlp.patterns import Entry, PatternError, example_matches, parse_entry, parse_words
from nlp.types import CATEGORIES
from nlp.weights import Weights, load_weights
from nlp.words import load_words
from nlp.yamlfile import RuleError, compose, mapping, scalars

CATEGORY_LISTS = ("objects", "problems", "phrases", "exclusions")
WORD_LISTS = ("objects", "problems")
# The shared signals: each list is one kind of evidence about the message as a whole, with a
# weight of its own in weights.yaml (negative ones lower the chance of a complaint).
SIGNALS = ("fixed", "ok_states", "thanks", "irony", "notices", "replies", "questions", "ads",
           "private", "hypothetical", "elsewhere", "suggestions", "lost", "chatter", "duration",
           "appeal", "impact", "report", "unkept", "home")
SHARED_WORDS = ("negations", "problems", "places")
URGENT_KINDS = ("gas", "fire", "elevator", "power", "flood", "collapse")
# intent.yaml: a reply's steps (and doubts), status questions, and the parts of a help request.
REPLY_LISTS = ("resolve", "decline", "progress", "acknowledge", "alone", "doubt", "unfinished")
HELP_LISTS = ("ask", "need", "personal", "favor", "hire")
STATUS_LISTS = ("status", "status_vague", "topic", "home")
TALK_LISTS = ("thanks",)  # what residents say to the bot itself


def rules_dir() -> Path:
    """Where the shipped rule files are: package data of `config` (data, not code), in a
    checkout and in a wheel. The one place that knows; a deployment's own directory
    (settings paths.rules) is passed to load_rules instead."""
    return Path(str(resources.files("config") / "rules"))


@dataclass(frozen=True)
class CategoryRules:
    code: str
    objects: tuple[str, ...]  # things that can be broken, blocked, dirty…
    problems: tuple[str, ...]  # what is wrong with them (this category's own words)
    phrases: tuple[Entry, ...]  # report a problem of this category by themselves
    exclusions: tuple[Entry, ...]  # mean this category is not meant


@dataclass(frozen=True)
class Rules:
    categories: dict[str, CategoryRules]
    negations: tuple[str, ...]
    problems: tuple[str, ...]  # problem words that go with any category's objects
    places: tuple[str, ...]  # public places: a message naming one is about the community
    signals: dict[str, tuple[Entry, ...]]
    urgent: dict[str, tuple[Entry, ...]]  # emergency line → life-safety patterns
    calm: tuple[Entry, ...]  # hypotheticals, drills, past events, jokes: not urgent
    userdict: Path | None
    weights: Weights
    intents: dict[str, tuple[Entry, ...]] = field(default_factory=dict)  # intent.yaml


class _Seen:
    """Refuses a word or an entry written twice in one scope, naming both lines."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: dict[object, int] = {}

    def add(self, key: object, line: int, shown: str) -> None:
        if key in self.lines:
            raise RuleError(self.path, line,
                            f"{shown!r} is a duplicate (first at line {self.lines[key]})")
        self.lines[key] = line


def _words(path: Path, node: yaml.Node | None, what: str, seen: _Seen) -> tuple[str, ...]:
    out = []
    for text, line in scalars(path, node, what):
        try:
            words = parse_words(text)
        except PatternError as exc:
            raise RuleError(path, line, f"{what}: {exc}") from None
        for w in words:
            seen.add(w, line, w)
            out.append(w)
    return tuple(out)


@dataclass(frozen=True)
class _Check:
    """What matching an example needs: the negations and the distances in force."""

    negations: tuple[str, ...]
    reach: int
    near: int
    named: dict[str, tuple[str, ...]]


def _entries(path: Path, node: yaml.Node | None, what: str, seen: _Seen,
             check: _Check) -> tuple[Entry, ...]:
    out = []
    for text, line in scalars(path, node, what):
        where = f"{path.name}, line {line}"
        try:
            entry = parse_entry(text, where, named=check.named)
        except PatternError as exc:
            raise RuleError(path, line, f"{what}: {exc}") from None
        seen.add(entry.key(), line, entry.text)
        if not example_matches(entry, check.negations, check.reach, check.near):
            raise RuleError(path, line, f"{what}: the example {entry.example!r} does not "
                                        f"match {entry.text!r}")
        out.append(entry)
    return tuple(out)


# --- the files -----------------------------------------------------------------------------------
def _load_categories(path: Path, check: _Check) -> dict[str, CategoryRules]:
    out = {}
    for code, node in mapping(path, compose(path), tuple(CATEGORIES), "category ").items():
        fields = mapping(path, node, CATEGORY_LISTS, f"{code}: ")
        words = _Seen(path)  # a word is an object or a problem of a category, not both
        out[code] = CategoryRules(
            code=code,
            objects=_words(path, fields.get("objects"), f"{code}.objects", words),
            problems=_words(path, fields.get("problems"), f"{code}.problems", words),
            phrases=_entries(path, fields.get("phrases"), f"{code}.phrases", _Seen(path),
                             check),
            exclusions=_entries(path, fields.get("exclusions"), f"{code}.exclusions",
                                _Seen(path), check),
        )
    return out


def _load_signals(path: Path, node: yaml.Node | None, check: _Check
                  ) -> dict[str, tuple[Entry, ...]]:
    lists = mapping(path, node, SIGNALS, "signals: ") if node is not None else {}
    return {k: _entries(path, lists.get(k), k, _Seen(path), check) for k in SIGNALS}


def _load_urgent(path: Path, check: _Check
                 ) -> tuple[dict[str, tuple[Entry, ...]], tuple[Entry, ...]]:
    fields = mapping(path, compose(path), ("kinds", "calm"))
    kinds = mapping(path, fields["kinds"], URGENT_KINDS, "kinds: ") if "kinds" in fields else {}
    seen = _Seen(path)  # one pattern, one emergency line
    return ({k: _entries(path, v, k, seen, check) for k, v in kinds.items()},
            _entries(path, fields.get("calm"), "calm", _Seen(path), check))


def _load_intents(path: Path, check: _Check) -> dict[str, tuple[Entry, ...]]:
    fields = mapping(path, compose(path), ("replies", *STATUS_LISTS, *TALK_LISTS, "help"))
    replies = mapping(path, fields["replies"], REPLY_LISTS, "replies: ") \
        if "replies" in fields else {}
    helps = mapping(path, fields["help"], HELP_LISTS, "help: ") if "help" in fields else {}
    out = {k: _entries(path, replies.get(k), f"replies.{k}", _Seen(path), check)
           for k in REPLY_LISTS}
    out.update({k: _entries(path, fields.get(k), k, _Seen(path), check)
                for k in (*STATUS_LISTS, *TALK_LISTS)})
    out.update({k: _entries(path, helps.get(k), f"help.{k}", _Seen(path), check)
                for k in HELP_LISTS})
    return out


def load_rules(directory: Path | None = None) -> Rules:
    """Read and check every rule file; raises RuleError on the first mistake."""
    d = directory or rules_dir()
    weights = replace(load_weights(d / "weights.yaml"), words=load_words(d / "words.yaml"))
    shared_path = d / "shared.yaml"
    shared = mapping(shared_path, compose(shared_path), (*SHARED_WORDS, "signals"))
    words = {k: _words(shared_path, shared.get(k), k, _Seen(shared_path))
             for k in SHARED_WORDS}
    check = _Check(words["negations"], weights.reach, weights.near,
                   {"地点": words["places"]})
    signals = _load_signals(shared_path, shared.get("signals"), check)
    categories = _load_categories(d / "categories.yaml", check)
    urgent, calm = _load_urgent(d / "urgent.yaml", check)
    userdict = d / "userdict.txt"
    intents = d / "intent.yaml"
    if not intents.exists():  # a deployment's directory from before intent.yaml: the shipped
        intents = rules_dir() / "intent.yaml"
    return Rules(categories=categories, negations=words["negations"],
                 problems=words["problems"], places=words["places"], signals=signals,
                 urgent=urgent, calm=calm, userdict=userdict if userdict.exists() else None,
                 weights=weights, intents=_load_intents(intents, check))

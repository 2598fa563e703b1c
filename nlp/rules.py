"""Loading and validating the YAML rule files in config/rules/.

Operators edit these files by hand, so a mistake must be reported precisely (file, line,
problem) and must never replace rules that work: `load_rules` either returns a complete,
compiled rule set or raises RuleError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from nlp.literals import required_literals, trie_pattern
from nlp.types import CATEGORIES

# The shipped rules are package data of `config` (data, not code), in a checkout and a wheel.
DEFAULT_RULES_DIR = Path(str(resources.files("config") / "rules"))
SHARED_LISTS = ("problems", "negations", "fixed", "ok_states", "thanks", "notices", "replies",
                "questions", "ads", "private", "hypothetical", "elsewhere", "suggestions",
                "intensifiers")
WORD_LISTS = ("problems", "negations")


class RuleError(ValueError):
    """A rule file cannot be used; the message names the file, the line and the problem."""

    def __init__(self, path: Path, line: int | None, problem: str) -> None:
        where = f"{path.name}, line {line}" if line else path.name
        super().__init__(f"{where}: {problem}")
        self.path, self.line, self.problem = path, line, problem


class Prefilter:
    """Does a message contain any trigger at all: an object or problem word of two or more
    characters, or a string some phrase or urgent pattern cannot match without? Literal
    triggers are looked up as substrings in a set (one big regex alternation is ~10x slower
    in Python's re); the few patterns with no required string stay a regex.

    This is the plain definition, kept as the yardstick; the detector answers the same
    question with its gate (`nlp.plan`)."""

    def __init__(self, literals: frozenset[str], rest: re.Pattern[str] | None) -> None:
        self.literals = literals
        self.lengths = sorted({len(w) for w in literals})
        self.rest = rest

    def search(self, text: str) -> bool:
        lits, n = self.literals, len(text)
        for i in range(n):
            for k in self.lengths:
                if i + k > n:
                    break
                if text[i:i + k] in lits:
                    return True
        return bool(self.rest and self.rest.search(text))


@dataclass(frozen=True)
class CategoryRules:
    code: str
    objects: tuple[str, ...]
    problems: tuple[str, ...]
    phrases: tuple[re.Pattern[str], ...]
    exclusions: tuple[re.Pattern[str], ...]
    # The lists compiled into one alternation each, so a message costs one search per list.
    phrase_rx: re.Pattern[str] | None = None
    exclusion_rx: re.Pattern[str] | None = None
    object_rx: re.Pattern[str] | None = None
    problem_rx: re.Pattern[str] | None = None
    own_problem_rx: re.Pattern[str] | None = None


@dataclass(frozen=True)
class UrgentRule:
    pattern: re.Pattern[str]
    kind: str


@dataclass(frozen=True)
class Rules:
    categories: dict[str, CategoryRules]
    shared_words: dict[str, tuple[str, ...]]
    shared: dict[str, tuple[re.Pattern[str], ...]]
    shared_rx: dict[str, re.Pattern[str] | None]
    urgent: tuple[UrgentRule, ...]
    userdict: Path | None
    # One regex of every trigger: a message matching nothing here is chit-chat.
    prefilter: Prefilter = field(repr=False, default_factory=lambda: Prefilter(frozenset(), None))
    urgent_rx: re.Pattern[str] | None = None


def _compose(path: Path) -> yaml.Node:
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise RuleError(path, line, f"YAML syntax: {exc.problem}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(path, None, f"cannot read: {exc}") from None
    if node is None:
        raise RuleError(path, 1, "the file is empty")
    return node


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _strings(path: Path, node: yaml.Node, what: str) -> list[tuple[str, int]]:
    if not isinstance(node, yaml.SequenceNode):
        raise RuleError(path, _line(node), f"{what} must be a list")
    out = []
    for item in node.value:
        if not isinstance(item, yaml.ScalarNode) or not str(item.value).strip():
            raise RuleError(path, _line(item), f"{what}: each entry must be a non-empty text")
        out.append((str(item.value), _line(item)))
    return out


def _regexes(path: Path, node: yaml.Node, what: str) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for text, line in _strings(path, node, what):
        try:
            compiled.append(re.compile(text))
        except re.error as exc:
            problem = f"{what}: bad regular expression {text!r}: {exc}"
            raise RuleError(path, line, problem) from None
    return tuple(compiled)


def _mapping(path: Path, node: yaml.Node) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        raise RuleError(path, _line(node), "expected a mapping of names to lists")
    return {str(k.value): v for k, v in node.value}


def _load_categories(path: Path) -> dict[str, CategoryRules]:
    out = {}
    for code, node in _mapping(path, _compose(path)).items():
        if code not in CATEGORIES:
            raise RuleError(path, _line(node), f"unknown category code {code!r}")
        fields = _mapping(path, node)
        for key in fields:
            if key not in ("objects", "problems", "phrases", "exclusions"):
                raise RuleError(path, _line(fields[key]), f"{code}: unknown key {key!r}")
        empty = yaml.SequenceNode("tag:yaml.org,2002:seq", [], node.start_mark, node.end_mark)
        out[code] = CategoryRules(
            code=code,
            objects=tuple(t for t, _ in _strings(path, fields.get("objects", empty),
                                                 f"{code}.objects")),
            problems=tuple(t for t, _ in _strings(path, fields.get("problems", empty),
                                                  f"{code}.problems")),
            phrases=_regexes(path, fields.get("phrases", empty), f"{code}.phrases"),
            exclusions=_regexes(path, fields.get("exclusions", empty), f"{code}.exclusions"),
        )
    return out


def _load_shared(
    path: Path,
) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[re.Pattern[str], ...]]]:
    fields = _mapping(path, _compose(path))
    words, patterns = {}, {}
    for key, node in fields.items():
        if key not in SHARED_LISTS:
            raise RuleError(path, _line(node), f"unknown list {key!r}")
        if key in WORD_LISTS:
            words[key] = tuple(t for t, _ in _strings(path, node, key))
        else:
            patterns[key] = _regexes(path, node, key)
    for key in SHARED_LISTS:
        if key in WORD_LISTS:
            words.setdefault(key, ())
        else:
            patterns.setdefault(key, ())
    return words, patterns


def _load_urgent(path: Path) -> tuple[UrgentRule, ...]:
    node = _compose(path)
    if not isinstance(node, yaml.SequenceNode):
        raise RuleError(path, _line(node), "expected a list of {pattern, kind}")
    out = []
    for item in node.value:
        fields = _mapping(path, item)
        if "pattern" not in fields or "kind" not in fields:
            raise RuleError(path, _line(item), "each entry needs pattern and kind")
        (pattern,) = _regexes(path, yaml.SequenceNode("", [fields["pattern"]], item.start_mark,
                                                       item.end_mark), "pattern")
        out.append(UrgentRule(pattern, str(fields["kind"].value)))
    return tuple(out)


def load_rules(rules_dir: Path | None = None) -> Rules:
    """Read and compile every rule file; raises RuleError on the first mistake."""
    d = rules_dir or DEFAULT_RULES_DIR
    categories = _load_categories(d / "categories.yaml")
    words, shared = _load_shared(d / "shared.yaml")
    urgent = _load_urgent(d / "urgent.yaml")
    triggers: set[str] = set(words["problems"])
    for cat in categories.values():
        triggers.update(cat.objects)
        triggers.update(cat.problems)
    # Single characters (灯, 车, 多) are too common in chat to be worth a look on their own.
    literals = {t for t in triggers if len(t) > 1}
    alternatives: list[str] = []
    for pattern in [p.pattern for cat in categories.values() for p in cat.phrases] + [
        u.pattern.pattern for u in urgent
    ]:
        # The rarest strings the pattern needs: "(冇|没)人(收|清理)" needs 没人收, 没人清理...
        # (not 没 alone, which would let half of all chat through).
        need = required_literals(pattern)
        if need:
            literals.update(need)
        else:
            alternatives.append(pattern)
    shared_problems = words["problems"]
    categories = {
        code: CategoryRules(
            cat.code, cat.objects, cat.problems, cat.phrases, cat.exclusions,
            phrase_rx=_union([p.pattern for p in cat.phrases]),
            exclusion_rx=_union([p.pattern for p in cat.exclusions]),
            object_rx=_words(cat.objects),
            problem_rx=_words((*cat.problems, *shared_problems)),
            own_problem_rx=_words(cat.problems),
        )
        for code, cat in categories.items()
    }
    shared_rx = {k: _union([p.pattern for p in v]) for k, v in shared.items()}
    urgent_rx = re.compile("|".join(f"(?P<u{i}>{u.pattern.pattern})"
                                    for i, u in enumerate(urgent))) if urgent else None
    userdict = d / "userdict.txt"
    return Rules(categories=categories, shared_words=words, shared=shared, urgent=urgent,
                 shared_rx=shared_rx, urgent_rx=urgent_rx,
                 userdict=userdict if userdict.exists() else None,
                 prefilter=Prefilter(frozenset(literals), _union(alternatives)))


def _union(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


def _words(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """Any of the words, the longest one where several start at the same place."""
    return re.compile(trie_pattern(set(words))) if words else None

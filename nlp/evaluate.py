"""Scoring the detector on labelled messages: the figures `suqiu nlp eval` prints.

Every figure is taken on rows the rules and weights were not tuned on: the fixed held-out
part of each file (nlp.datasets), or, with folds, each tuning fold scored by weights fitted
on the other folds. Folds refit the weights, but the rules were written from every tuning
message, so plain folds still flatter them: a phrase or exclusion cut from one sentence fires
on that sentence in its own fold. With `rules_too`, each fold is also scored without the rule
entries that fire on no tuning message outside it (`Judge.single_fold_entries`): what the
rules would lack had nobody read that fold. That is the honest estimate of how the rules
carry to new text, and the one to tune against. `Judge` keeps each message's evidence,
which does not depend on the weights, so scoring several sets of weights (folds, before/after
training) matches the rules against each message once.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from math import exp, log
from pathlib import Path
from typing import Any

from nlp.datasets import ANY, NONE, Example, fold_of
from nlp.detector import decide
from nlp.detector import score as rule_score
from nlp.features import SAID, Evidence, Lexicon
from nlp.normalize import normalize_keeping_halfwidth
from nlp.rules import Rules
from nlp.train import Problem, WordRow, fit, fit_words
from nlp.types import Detection
from nlp.weights import SCALAR_KINDS, Feature, Weights
from nlp.words import WordWeights, units

# The issue's targets for the shared files (../shared/data), by file name.
TARGETS: dict[str, dict[str, tuple[str, float]]] = {
    "detector-dev": {"precision": (">=", 0.95), "recall": (">=", 0.90),
                     "category_accuracy": (">=", 0.90), "urgent_recall": (">=", 1.0)},
    "real-hotline": {"recall": (">=", 0.90), "category_accuracy": (">=", 0.85)},
    "real-chat": {"false_positive_rate": ("<=", 0.005)},
}


@dataclass
class Report:
    """Detection figures on one set of labelled messages."""

    n: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    category_ok: int = 0
    category_known: int = 0  # caught complaints whose category is known (label is a code)
    urgent_total: int = 0
    urgent_found: int = 0
    urgent_flagged: int = 0
    urgent_right: int = 0
    per_category: dict[str, list[int]] = field(default_factory=dict)  # code → [ok, total]
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def category_accuracy(self) -> float:
        """Right category among the caught complaints whose category is known."""
        return self.category_ok / self.category_known if self.category_known else 0.0

    @property
    def false_positive_rate(self) -> float:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0

    @property
    def urgent_recall(self) -> float:
        return self.urgent_found / self.urgent_total if self.urgent_total else 1.0

    @property
    def urgent_precision(self) -> float:
        return self.urgent_right / self.urgent_flagged if self.urgent_flagged else 1.0

    @property
    def accuracy(self) -> float:
        """Messages judged right: a complaint caught with its category (any, when it is not
        known), everything else left alone. What training must not make worse."""
        right = self.tn + self.category_ok + (self.tp - self.category_known)
        return right / self.n if self.n else 0.0

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"messages": self.n, "complaints": self.tp + self.fn,
                               "tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn}
        if self.tp + self.fn:
            out["recall"] = round(self.recall, 4)
            out["category_accuracy"] = round(self.category_accuracy, 4)
        if self.fp + self.tn:
            out["false_positive_rate"] = round(self.false_positive_rate, 4)
        if self.tp + self.fn and self.fp + self.tn:
            out["precision"] = round(self.precision, 4)
            out["f1"] = round(self.f1, 4)
        if self.urgent_total:
            out["urgent_recall"] = round(self.urgent_recall, 4)
            out["urgent_precision"] = round(self.urgent_precision, 4)
        out["accuracy"] = round(self.accuracy, 4)
        return out


def score(pairs: Iterable[tuple[Example, Detection]]) -> Report:
    rep = Report()
    for ex, d in pairs:
        rep.n += 1
        if ex.urgent:
            rep.urgent_total += 1
            rep.urgent_found += int(d.is_issue and d.urgent)
        if d.urgent:
            rep.urgent_flagged += 1
            rep.urgent_right += int(ex.urgent)
        if ex.is_complaint:
            if ex.label != ANY:
                rep.per_category.setdefault(ex.label, [0, 0])[1] += 1
            if not d.is_issue:
                rep.fn += 1
                rep.misses.append({"kind": "missed", "text": ex.text, "label": ex.label,
                                   "got": NONE})
                continue
            rep.tp += 1
            if ex.label == ANY:
                continue
            rep.category_known += 1
            if d.category == ex.label:
                rep.category_ok += 1
                rep.per_category[ex.label][0] += 1
            else:
                rep.confusion[(ex.label, d.category)] += 1
                rep.misses.append({"kind": "wrong category", "text": ex.text,
                                   "label": ex.label, "got": d.category})
        elif d.is_issue:
            rep.fp += 1
            rep.misses.append({"kind": "false alarm", "text": ex.text, "label": NONE,
                               "got": d.category})
        else:
            rep.tn += 1
    return rep


def targets_met(source: str, rep: Report) -> list[tuple[str, float, str, float, bool]]:
    """(figure, value, comparison, target, met) for each target of a known file."""
    out = []
    for name, (op, goal) in TARGETS.get(source, {}).items():
        value = float(getattr(rep, name))
        met = value >= goal if op == ">=" else value <= goal
        out.append((name, value, op, goal, met))
    return out


def balanced_weights(examples: Sequence[Example]) -> Callable[[Example], float]:
    """Small source files weigh as much as an average one in training: the targets are per
    file, and a large file of one kind of text must not drown a small one. A large file keeps
    a weight of 1 a row (everyday chat is large, and its false alarms matter row by row)."""
    sizes = Counter(e.source for e in examples)
    mean = len(examples) / len(sizes) if sizes else 1.0
    return lambda e: max(1.0, mean / sizes[e.source])


INTENT_KINDS = ("step", "status", "help")  # the field an intent file labels


def read_intents(path: Path) -> tuple[str, list[tuple[str, object]]] | None:
    """An intent file (nlp/labels/intent-*.jsonl): which intent it labels and its rows as
    (text, label); None for a file of complaints."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    kind = next((k for k in INTENT_KINDS if rows and k in rows[0]), None)
    return None if kind is None else (kind, [(str(r["text"]), r[kind]) for r in rows])


def intent_figures(kind: str, rows: Sequence[tuple[str, object]]) -> dict[str, Any]:
    """How `nlp.intent` reads the rows: accuracy, and for the yes/no intents precision and
    recall; for replies, how often a message that reports nothing was read as a step."""
    from nlp import intent

    def got(text: str) -> object:
        if kind == "step":
            step = intent.read_progress(text)
            return step.value if step else None
        if kind == "status":
            return intent.asks_status(text)
        return intent.help_request(text) is not None

    pairs = [(label, got(text)) for text, label in rows]
    out: dict[str, Any] = {"rows": len(pairs), "accuracy": round(
        sum(a == b for a, b in pairs) / len(pairs), 4) if pairs else 0.0}
    if kind == "step":
        quiet = [b for a, b in pairs if a is None]
        out["read_as_a_step_wrongly"] = sum(b is not None for b in quiet)
        resolved = [a for a, b in pairs if b == "resolve"]
        out["resolve_precision"] = round(
            sum(a == "resolve" for a in resolved) / len(resolved), 4) if resolved else 1.0
    else:
        tp = sum(1 for a, b in pairs if a and b)
        fp = sum(1 for a, b in pairs if b and not a)
        fn = sum(1 for a, b in pairs if a and not b)
        out["precision"] = round(tp / (tp + fp), 4) if tp + fp else 1.0
        out["recall"] = round(tp / (tp + fn), 4) if tp + fn else 1.0
    return out


class Judge:
    """The rules' evidence for each message, kept, so that weights can be swapped cheaply."""

    def __init__(self, rules: Rules, balance: bool = True) -> None:
        self.rules, self.balance = rules, balance
        self.lexicon = Lexicon(rules)
        self._cache: dict[str, Evidence | None] = {}

    def evidence(self, text: str) -> Evidence | None:
        if text not in self._cache:
            half, t = normalize_keeping_halfwidth(text)
            self._cache[text] = self.lexicon.evidence(t, half) if len(t) >= 3 else None
        return self._cache[text]

    def detect(self, text: str, weights: Weights | None = None) -> Detection:
        return decide(self.evidence(text), weights or self.rules.weights)

    def report(self, examples: Iterable[Example], weights: Weights | None = None) -> Report:
        return score((ex, self.detect(ex.text, weights)) for ex in examples)

    def problem(self, examples: Iterable[Example]) -> Problem:
        examples = list(examples)
        return Problem([(self.evidence(ex.text), ex) for ex in examples],
                       balanced_weights(examples) if self.balance else lambda e: 1.0)

    def fit(self, examples: Iterable[Example], start: Weights | None = None,
            **options: Any) -> Weights:
        return fit(self.problem(examples), start or self.rules.weights, **options)

    def word_rows(self, examples: Sequence[Example], weights: Weights) -> list[WordRow]:
        """What the word layer learns from: each message the rules find evidence in, with
        the rules' log-odds by `weights` (which stay as they are)."""
        sample_weight = balanced_weights(examples) if self.balance else (lambda e: 1.0)
        rows = []
        for e in examples:
            ev = self.evidence(e.text)
            if ev is None or not ev.categories:
                continue
            total = sum(exp(min(rule_score(weights, c, ev), 50.0)) for c in ev.categories)
            rows.append(WordRow(log(total), frozenset(units(ev.text)), e.is_complaint,
                                sample_weight(e), e.source))
        return rows

    def fit_words(self, examples: Sequence[Example], weights: Weights, **options: Any
                  ) -> Weights:
        """`weights` with a word layer fitted on top of them (nlp/train.py `fit_words`)."""
        return replace(weights, words=fit_words(self.word_rows(examples, weights), **options))

    def cross_validate(self, examples: Sequence[Example], folds: int,
                       start: Weights | None = None, rules_too: bool = False,
                       words: dict[str, Any] | None = None, **options: Any
                       ) -> list[Detection]:
        """Each example's detection by weights fitted on the folds it is not in; with
        `rules_too`, also without the rule entries only its own fold uses; with `words` (the
        layer's options), a word layer refitted on the other folds too."""
        out: list[Detection | None] = [None] * len(examples)
        single = self.single_fold_entries(examples, folds) if rules_too else {}
        # a word layer in force was fitted on these very messages: never score with it here
        start = replace(start or self.rules.weights, words=WordWeights())
        for k in range(folds):
            train = [e for e in examples if fold_of(e.text, folds) != k]
            weights = self.fit(train, start, **options)
            if words is not None:
                weights = self.fit_words(train, weights, **words)
            gone = single.get(k, set())
            for i, e in enumerate(examples):
                if fold_of(e.text, folds) == k:
                    out[i] = decide(without(self.evidence(e.text), gone), weights)
        return [d for d in out if d is not None]

    def single_fold_entries(self, examples: Iterable[Example], folds: int
                            ) -> dict[int, set[Feature]]:
        """Fold → the rule entries (object and problem words, phrases, exclusions, signal
        entries) that fire on messages of that fold and of no other: most are cut from one
        sentence. An object or problem word is one entry whichever category it scores for
        (a shared problem word such as 失灵 pairs with the objects of every category); the
        scalar features (a category's bias, a pair in the far form, an address…) belong to
        no entry and stay."""
        seen: dict[tuple[str, ...], set[int]] = {}
        fired: list[tuple[int, Feature]] = []
        for e in examples:
            ev = self.evidence(e.text)
            if ev is None:
                continue
            k = fold_of(e.text, folds)
            for f in (*(f for c in ev.categories for f in c.features), *ev.shared):
                if f[1] not in SCALAR_KINDS and f[2]:
                    seen.setdefault(_entry(f), set()).add(k)
                    fired.append((k, f))
        out: dict[int, set[Feature]] = {}
        for k, f in fired:
            if seen[_entry(f)] == {k}:
                out.setdefault(k, set()).add(f)
        return out


def _entry(f: Feature) -> tuple[str, ...]:
    """The rule entry behind a feature: a word of the object or problem lists, or one
    category's (or the signals') line."""
    return (f[1], f[2]) if f[1] in ("objects", "pair") else f


def without(ev: Evidence | None, gone: set[Feature]) -> Evidence | None:
    """The evidence as rules lacking the `gone` entries would have found it: a category left
    with nothing of its own drops out, one left with only objects is a bare mention."""
    if ev is None or not gone:
        return ev
    cats = []
    for c in ev.categories:
        features = [f for f in c.features if f not in gone]
        kinds = {k for _, k, _ in features}
        if not kinds & {"objects", "exclusions", *SAID}:
            continue
        if not kinds & {"bare", *SAID}:
            features.append((c.code, "bare", ""))
        cats.append(replace(c, features=features))
    if not cats and ev.urgent_kind is None:
        return None
    return replace(ev, categories=cats, shared=[f for f in ev.shared if f not in gone])

"""Scoring the detector on a labelled JSONL file, next to a naive keyword baseline."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlp.detector import detect
from nlp.rules import load_rules


@dataclass
class Example:
    text: str
    label: str
    urgent: bool = False


@dataclass
class Report:
    n: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    category_ok: int = 0
    urgent_total: int = 0
    urgent_found: int = 0
    per_category: dict[str, list[int]] = field(default_factory=dict)  # code → [ok, total]
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

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
        """Right category among the complaints the detector caught."""
        return self.category_ok / self.tp if self.tp else 0.0

    @property
    def urgent_recall(self) -> float:
        return self.urgent_found / self.urgent_total if self.urgent_total else 1.0

    def summary(self) -> dict[str, Any]:
        return {
            "messages": self.n, "precision": round(self.precision, 4),
            "recall": round(self.recall, 4), "f1": round(self.f1, 4),
            "category_accuracy": round(self.category_accuracy, 4),
            "urgent_recall": round(self.urgent_recall, 4),
            "tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn,
            "messages_per_s": round(self.n / self.seconds, 1) if self.seconds else None,
        }


def read_examples(path: Path) -> list[Example]:
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            out.append(Example(str(row["text"]), str(row["label"]), bool(row.get("urgent"))))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{i}: expected JSON with text and label ({exc})") from None
    return out


Predict = Callable[[str], tuple[bool, str, bool]]


def detector_predict(text: str) -> tuple[bool, str, bool]:
    d = detect(text)
    return d.is_issue, d.category, d.urgent


def naive_predict_factory() -> Predict:
    """The baseline: any object or problem keyword anywhere → an issue of that category."""
    rules = load_rules()
    words = [(w, code) for code, cat in rules.categories.items()
             for w in (*cat.objects, *cat.problems)]

    def predict(text: str) -> tuple[bool, str, bool]:
        for w, code in words:
            if w in text:
                return True, code, False
        return False, "none", False

    return predict


def evaluate(examples: Iterable[Example], predict: Predict = detector_predict) -> Report:
    rep = Report()
    examples = list(examples)
    if examples:
        # The first call loads the rules and jieba's dictionary (about a second): a cost of
        # starting up, not of each message, so it stays out of messages/s.
        predict(examples[0].text)
    start = time.perf_counter()
    for ex in examples:
        rep.n += 1
        is_issue, category, urgent = predict(ex.text)
        actual = ex.label != "none"
        if ex.urgent:
            rep.urgent_total += 1
            rep.urgent_found += int(is_issue and urgent)
        if actual:
            slot = rep.per_category.setdefault(ex.label, [0, 0])
            slot[1] += 1
        if actual and is_issue:
            rep.tp += 1
            if category == ex.label:
                rep.category_ok += 1
                rep.per_category[ex.label][0] += 1
            else:
                rep.confusion[(ex.label, category)] += 1
                rep.misses.append({"kind": "wrong category", "text": ex.text,
                                   "label": ex.label, "got": category})
        elif actual:
            rep.fn += 1
            rep.misses.append({"kind": "missed", "text": ex.text, "label": ex.label,
                               "got": "none"})
        elif is_issue:
            rep.fp += 1
            rep.misses.append({"kind": "false alarm", "text": ex.text, "label": "none",
                               "got": category})
        else:
            rep.tn += 1
    rep.seconds = time.perf_counter() - start
    return rep

"""Fitting the weights of the rule features from labelled messages (`suqiu nlp train`).

The model is the detector's own (nlp/weights.py): a multinomial logistic regression in which
each category with evidence scores the sum of its features' weights and "none" scores 0.
Every weight is its kind's default plus an offset of its own (w = d[kind] + δ): the offsets
are held near 0 by an L2 penalty, so a word seen in a handful of messages keeps close to
what words of its kind are worth, and one the data never saw keeps exactly the default,
which is what the detector gives an entry weights.yaml does not name. Fitted with Adam on
the full batch, in plain Python: a few thousand messages with evidence, a few seconds.

Labels: a category code (the message is a complaint of that category), "none", or "any" (a
complaint of some category). A complaint whose category has no evidence in the message
counts as "any": the rules cannot name it, but it should still be caught.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nlp.datasets import ANY, NONE, Example
from nlp.features import Evidence, scored
from nlp.weights import Feature, Weights
from nlp.words import WordWeights

# L2 penalties, as Gaussian priors that do not grow with the data: an entry's offset from its
# kind's default ~ N(0, 1/(2·PENALTY)); a kind's default ~ N(its value before training,
# 1/(2·KIND_PENALTY)), so what a person set (an exclusion is strongly negative) holds until
# the data say otherwise.
PENALTY = 0.5
KIND_PENALTY = 0.005
STEPS = 400
RATE = 0.05


@dataclass
class _Row:
    label: int  # index into `cands` of the true category; -1 for none; -2 for any
    weight: float
    cands: list[list[int]]  # per candidate category: the offsets (δ indices) of its features


class Problem:
    """The training rows as index lists, ready for gradient steps."""

    def __init__(self, rows: Sequence[tuple[Evidence | None, Example]],
                 sample_weight: Callable[[Example], float] = lambda e: 1.0) -> None:
        self.features: dict[Feature, int] = {}
        self.kinds: dict[str, int] = {}
        self.kind_of: list[int] = []
        self.rows: list[_Row] = []
        self.total = 0.0
        for ev, ex in rows:
            w = sample_weight(ex)
            self.total += w
            if ev is None or not ev.categories:
                continue  # no category: "none" whatever the weights; nothing to learn
            cands = [[self._index(f) for f in scored(c, ev)] for c in ev.categories]
            codes = [c.code for c in ev.categories]
            if ex.label == NONE:
                label = -1
            elif ex.label in codes:
                label = codes.index(ex.label)
            else:
                label = -2  # "any", or a category the rules found no evidence of
            self.rows.append(_Row(label, w, cands))

    def _index(self, f: Feature) -> int:
        i = self.features.get(f)
        if i is None:
            i = self.features[f] = len(self.features)
            k = self.kinds.setdefault(f[1], len(self.kinds))
            self.kind_of.append(k)
        return i

    def loss_and_grad(self, w: list[float]) -> tuple[float, list[float]]:
        """Weighted cross-entropy (summed) and its gradient with respect to each weight."""
        grad = [0.0] * len(w)
        loss = 0.0
        for row in self.rows:
            scores = [sum(w[i] for i in cand) for cand in row.cands]
            top = max(max(scores), 0.0)
            exps = [math.exp(s - top) for s in scores]
            none = math.exp(-top)
            z = none + sum(exps)
            if row.label == -1:
                loss += row.weight * (math.log(z) - (-top))
                gs = [e / z for e in exps]
            elif row.label >= 0:
                loss += row.weight * (math.log(z) - (scores[row.label] - top))
                gs = [e / z for e in exps]
                gs[row.label] -= 1.0
            else:
                s = sum(exps)
                loss += row.weight * (math.log(z) - math.log(s))
                gs = [e / z - e / s for e in exps]
            for g, cand in zip(gs, row.cands, strict=True):
                if g:
                    g *= row.weight
                    for i in cand:
                        grad[i] += g
        return loss, grad


def fit(problem: Problem, start: Weights, penalty: float = PENALTY, steps: int = STEPS,
        rate: float = RATE) -> Weights:
    """Weights fitted to the problem, starting from `start` (its defaults and entries)."""
    kinds = list(problem.kinds)
    d = [start.defaults.get(k, 0.0) for k in kinds]
    prior = list(d)
    feats = list(problem.features)
    delta = [start.get(f) - d[problem.kind_of[i]] for i, f in enumerate(feats)]
    params = delta + d
    nf = len(delta)
    m = [0.0] * len(params)
    v = [0.0] * len(params)
    b1, b2, eps = 0.9, 0.999, 1e-8
    for t in range(1, steps + 1):
        w = [params[i] + params[nf + problem.kind_of[i]] for i in range(nf)]
        _, gw = problem.loss_and_grad(w)
        grad = [gw[i] + 2 * penalty * params[i] for i in range(nf)]
        gk = [2 * KIND_PENALTY * (x - p) for x, p in zip(params[nf:], prior, strict=True)]
        for i in range(nf):
            gk[problem.kind_of[i]] += gw[i]
        grad += gk
        for i, g in enumerate(grad):
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            params[i] -= rate * (m[i] / (1 - b1 ** t)) / (math.sqrt(v[i] / (1 - b2 ** t)) + eps)
    defaults = dict(start.defaults)
    defaults.update({k: round(params[nf + j], 2) for j, k in enumerate(kinds)})
    table = {f: round(params[i] + params[nf + problem.kind_of[i]], 2)
             for i, f in enumerate(feats)}
    return start.replaced(defaults, _ordered(table))


def _ordered(table: dict[Feature, float]) -> dict[Feature, float]:
    """Strongest evidence first within each category and kind (easier to read)."""
    return dict(sorted(table.items(), key=lambda kv: (kv[0][0], kv[0][1], -abs(kv[1]))))


# The word layer (nlp/words.py): a pair of characters needs this many training messages, from
# at least WORD_MIN_SOURCES files, to get a weight (a place name only the hotline's reports
# use, 秀英区, says where that city is, not what a complaint is), and its weight
# ~ N(0, 1/(2·WORD_PENALTY)), so that no pair decides alone.
WORD_MIN_COUNT = 5
WORD_MIN_SOURCES = 2
WORD_PENALTY = 0.5
WORD_STEPS = 300


@dataclass(frozen=True)
class WordRow:
    logit: float  # the rules' log-odds of a complaint
    units: frozenset[str]  # its pairs of characters (nlp.words.units)
    complaint: bool
    weight: float
    source: str = ""  # the file it came from


def fit_words(rows: Sequence[WordRow], band: float | None = None,
              penalty: float = WORD_PENALTY, min_count: int = WORD_MIN_COUNT,
              min_sources: int = WORD_MIN_SOURCES, steps: int = WORD_STEPS,
              rate: float = RATE) -> WordWeights:
    """The word layer: a logistic regression whose offset is each message's log-odds by the
    rules, over the pairs of characters seen in at least `min_count` of the messages it can
    touch (those within ±band of the threshold) from `min_sources` files, L2-penalised; Adam
    on the full batch."""
    rows = [r for r in rows if band is None or abs(r.logit) < band]
    counts = Counter(u for r in rows for u in r.units)
    sources: dict[str, set[str]] = {}
    for r in rows:
        for u in r.units:
            sources.setdefault(u, set()).add(r.source)
    vocab = sorted(u for u, n in counts.items()
                   if n >= min_count and len(sources[u]) >= min_sources)
    index = {u: i for i, u in enumerate(vocab)}
    # (each row's pairs in a fixed order: the same file from the same data, whatever the hash
    # seed of the process)
    data = [(r.logit, sorted(index[u] for u in r.units if u in index), float(r.complaint),
             r.weight) for r in rows]
    theta = [0.0] * len(vocab)
    m = [0.0] * len(vocab)
    v = [0.0] * len(vocab)
    b1, b2, eps = 0.9, 0.999, 1e-8
    for t in range(1, steps + 1):
        grad = [2 * penalty * x for x in theta]
        for logit, idx, y, w in data:
            z = logit + sum(theta[i] for i in idx)
            p = 1.0 / (1.0 + math.exp(min(-z, 50.0)))
            g = w * (p - y)
            for i in idx:
                grad[i] += g
        for i, g in enumerate(grad):
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            theta[i] -= rate * (m[i] / (1 - b1 ** t)) / (math.sqrt(v[i] / (1 - b2 ** t)) + eps)
    table = {u: round(theta[i], 2) for u, i in index.items() if round(theta[i], 2)}
    return WordWeights(table, band)


__all__ = ["ANY", "Problem", "WordRow", "fit", "fit_words"]

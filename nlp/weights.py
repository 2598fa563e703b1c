"""The detector's weights and scoring constants: config/rules/weights.yaml.

A message's score for a category is the sum of the weights of the evidence found for it (its
objects, problem words, an object with a problem word close by, phrases, exclusions) and of
the signals about the message as a whole (a public place is named; it thanks, announces,
asks, says it is fixed…). With the category "none" at score 0, the chance that the message is
a complaint is 1 − 1 / (1 + Σ exp(score)) over the categories with evidence: the model is a
multinomial logistic regression over the rule features, fitted by `suqiu nlp train`
(nlp/train.py). The file stays readable and editable: an entry the file does not name takes
the default weight of its kind, so a new rule works before anyone retrains.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from nlp.words import WordWeights
from nlp.yamlfile import RuleError, compose, line_of, mapping, number

SHARED = "*"  # the "category" of the signals about the whole message
CATEGORY_KINDS = ("bias", "bare", "far", "asked", "denied", "objects", "pair", "phrases",
                  "exclusions")
# one weight each, not one per entry
SCALAR_KINDS = ("bias", "bare", "far", "asked", "denied", "place", "address", "spot")
CONSTANTS = ("near", "window", "reach", "sensitivity")

# A feature: (category or SHARED, kind, entry). The entry is a word, an entry's pattern as
# written, or "" for the scalar kinds.
Feature = tuple[str, str, str]


@dataclass(frozen=True)
class Weights:
    near: int = 8  # "A 附近有 B": at most this many characters between the words
    window: int = 12  # an object and its problem word: at most this many characters apart
    reach: int = 3  # a negation cancels a word that starts within this many characters
    sensitivity: Mapping[str, float] = field(default_factory=lambda: {
        "low": 0.65, "normal": 0.5, "high": 0.4})
    defaults: Mapping[str, float] = field(default_factory=dict)
    # (category or SHARED, kind, entry) → weight, for every weight the file names.
    table: Mapping[Feature, float] = field(default_factory=dict)
    # the word layer on top of the rules (config/rules/words.yaml; none: the rules alone)
    words: WordWeights = field(default_factory=WordWeights)

    def get(self, feature: Feature) -> float:
        w = self.table.get(feature)
        return w if w is not None else self.defaults.get(feature[1], 0.0)

    def replaced(self, defaults: Mapping[str, float], table: Mapping[Feature, float]
                 ) -> Weights:
        return replace(self, defaults=dict(defaults), table=dict(table))


def load_weights(path: Path) -> Weights:
    """Read weights.yaml; a missing file means every weight is its kind's default of 0."""
    if not path.exists():
        return Weights()
    fields = mapping(path, compose(path), ("constants", "defaults", "categories", "shared"))
    w = Weights()
    if "constants" in fields:
        c = mapping(path, fields["constants"], CONSTANTS, "constants: ")
        sens = {k: number(path, v, f"sensitivity.{k}") for k, v in
                mapping(path, c["sensitivity"], ("low", "normal", "high")).items()} \
            if "sensitivity" in c else w.sensitivity
        def whole(k: str, default: int) -> int:
            return int(number(path, c[k], k)) if k in c else default

        w = replace(w, sensitivity=sens, near=whole("near", w.near),
                    window=whole("window", w.window), reach=whole("reach", w.reach))
    defaults = {k: number(path, v, f"defaults.{k}") for k, v in
                mapping(path, fields["defaults"], None, "defaults: ").items()} \
        if "defaults" in fields else {}
    table: dict[Feature, float] = {}
    if "categories" in fields:
        for code, node in mapping(path, fields["categories"], None, "categories: ").items():
            _read_group(path, node, code, CATEGORY_KINDS, table)
    if "shared" in fields:
        _read_group(path, fields["shared"], SHARED, None, table)
    return w.replaced(defaults, table)


def _read_group(path: Path, node: yaml.Node, owner: str, kinds: tuple[str, ...] | None,
                table: dict[Feature, float]) -> None:
    for kind, value in mapping(path, node, kinds, f"{owner}: ").items():
        if kind in SCALAR_KINDS:
            table[(owner, kind, "")] = number(path, value, f"{owner}.{kind}")
            continue
        if not isinstance(value, yaml.MappingNode):
            raise RuleError(path, line_of(value), f"{owner}.{kind} must map entries to weights")
        for entry, wnode in mapping(path, value, None, f"{owner}.{kind}: ").items():
            table[(owner, kind, entry)] = number(path, wnode, f"{owner}.{kind}.{entry}")


HEADER = """\
# 检测器的权重（由 suqiu nlp train 从标注数据学出来；可以手改，改后机器人自动重新加载）。
#
# 一条消息对某一类诉求的得分 = 这一类的起点（bias）
#   + 命中的每个物件（objects）、毛病词（problems）、说法（phrases）、排除（exclusions）的权重
#   + 物件和毛病词在一句里挨着时的“成对”权重（pair）；毛病词被否定（路灯没坏）时的权重（denied）
#   + 说了毛病又带着问句（“路灯坏了一个星期了，有人管吗？”）时的权重（asked）：问的是这个毛病，
#     不是打听消息
#   + 共用信号（shared）的权重：提到小区等公共地点（place）、有具体地址（address，3栋2单元）
#     或只说了哪类地方（spot，车库、广场）、已修好、通知、感谢、提问、广告、自家的事……；
#     自家屋里的虫子、自己点蚊香下老鼠夹，又没提任何公共地点（home）
#     （负数就是减分）。
# 得分大于 0 的类别越多、越高，越可能是诉求：置信度 = 1 − 1 / (1 + Σ e^得分)；
# 置信度到 0.5 就立案（群可以调灵敏度）；得分最高的类别就是诉求的类别。
# 规则里有、这里没写的条目用 defaults 里它那一类的默认权重。
"""
_CONSTANT_NOTES = {
    "near": "“A 附近有 B”：两个词最多相隔几个字（同一句里）",
    "window": "物件和毛病词最多相隔几个字（同一句里）才算“成对”",
    "reach": "否定词（没、不……）在词前面几个字以内才算否定",
    "sensitivity": "群的灵敏度：置信度到多少就立案",
}


def dump_weights(w: Weights, categories: Iterable[str], signals: Iterable[str],
                 note: str = "") -> str:
    """weights.yaml as text: constants, defaults, then each category and the shared signals,
    every entry name quoted (they hold / and spaces)."""
    out = [HEADER]
    if note:
        out += [f"# {line}" for line in note.splitlines()] + [""]
    out.append("constants:")
    for k in ("near", "window", "reach"):
        out.append(f"  {k}: {getattr(w, k)}  # {_CONSTANT_NOTES[k]}")
    out.append(f"  sensitivity:  # {_CONSTANT_NOTES['sensitivity']}")
    out += [f"    {k}: {v}" for k, v in w.sensitivity.items()]
    out.append("defaults:")
    out += [f"  {k}: {_num(v)}" for k, v in w.defaults.items()]
    out.append("categories:")
    for code in categories:
        group = _group(w, code, CATEGORY_KINDS, "    ")
        # a category the data never showed (a new one) keeps the defaults: an empty mapping
        out.append(f"  {code}:" if group else f"  {code}: {{}}")
        out += group
    out.append("shared:")
    out += _group(w, SHARED, ("place", "address", "spot", *signals), "  ")
    return "\n".join(out) + "\n"


def _group(w: Weights, owner: str, kinds: Iterable[str], indent: str) -> list[str]:
    lines = []
    for kind in kinds:
        if kind in SCALAR_KINDS:
            if (owner, kind, "") in w.table:
                lines.append(f"{indent}{kind}: {_num(w.table[(owner, kind, '')])}")
            continue
        entries = [(e, v) for (o, k, e), v in w.table.items() if o == owner and k == kind]
        if entries:
            lines.append(f"{indent}{kind}:")
            lines += [f"{indent}  {json.dumps(e, ensure_ascii=False)}: {_num(v)}"
                      for e, v in entries]
    return lines


def _num(v: float) -> str:
    return f"{v:.2f}" if v != int(v) else f"{v:.1f}"

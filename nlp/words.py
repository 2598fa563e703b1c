"""Word evidence learned from labelled messages: config/rules/words.yaml.

The rules find what they were written for; a message in words nobody wrote a rule for gets
its chance from the bare evidence left (an object named, a place). The word layer adds what
the labelled messages say about such words: each pair of Chinese characters in the message
(路灯, 被撬, 小说), counted once, has a weight, and the sum of the weights of a message's pairs
is added to the rules' log-odds of a complaint — a logistic regression on top of the rules',
fitted by `suqiu nlp train --words` (nlp/train.py `fit_words`). It only moves the chance of
a complaint, never the category (the same sum goes to every category), and it only applies
to a message the rules found evidence in (everyday chat with no rule word stays "none"
without a look at its characters). With `band`, only a message whose rules' log-odds lie
within ±band of the threshold is touched: a tie-breaker, which bounds what it can do on text
unlike ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from nlp.yamlfile import RuleError, compose, mapping, number


def _cjk(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff"


def units(text: str) -> set[str]:
    """The pairs of Chinese characters side by side in a normalised message, each once."""
    return {text[i:i + 2] for i in range(len(text) - 1) if _cjk(text[i]) and _cjk(text[i + 1])}


@dataclass(frozen=True)
class WordWeights:
    table: Mapping[str, float] = field(default_factory=dict)
    band: float | None = None  # only where the rules' log-odds lie within ±band (None: all)

    def __bool__(self) -> bool:
        return bool(self.table)

    def adjust(self, text: str, logit: float) -> float:
        """The log-odds of a complaint after the words (the rules' `logit` when it is out of
        the band or no word has a weight)."""
        if not self.table or (self.band is not None and abs(logit) >= self.band):
            return logit
        return logit + sum(self.table.get(u, 0.0) for u in units(text))


def load_words(path: Path) -> WordWeights:
    """Read words.yaml; a missing file is no word layer (the rules alone)."""
    if not path.exists():
        return WordWeights()
    fields = mapping(path, compose(path), ("band", "words"))
    band = number(path, fields["band"], "band") if "band" in fields else None
    table: dict[str, float] = {}
    if "words" in fields:
        for unit, node in mapping(path, fields["words"], None, "words: ").items():
            if len(unit) != 2 or not all(_cjk(c) for c in unit):
                raise RuleError(path, node.start_mark.line + 1,
                                f"words: {unit!r} is not two Chinese characters")
            table[unit] = number(path, node, f"words.{unit}")
    return WordWeights(table, band)


HEADER = """\
# 词的证据（由 suqiu nlp train --words 从标注数据学出来；可以手改，改后机器人自动重新加载）。
#
# 规则找到证据（物件、毛病词、说法……）以后，消息里每两个挨着的汉字（“路灯”“被撬”“小说”）
# 各算一次，把它们的权重加到规则给出的“是诉求”的对数几率上：正数更像诉求，负数更像闲聊。
# 只改“是不是诉求”，不改类别；规则一个词都没找到的消息不看这里。
# band：只在规则拿不准的消息上用（对数几率在 ±band 以内，置信度约 1/(1+e^band) 到
#   1/(1+e^-band)）；没写 band 就每条有证据的消息都用。
# 权重由学习得到（L2 正则，没有哪个词能单独说了算）；这里只写出现在足够多条消息里的词，
# 按权重从大到小排列。
"""


def dump_words(w: WordWeights, note: str = "") -> str:
    out = [HEADER]
    if note:
        out += [f"# {line}" for line in note.splitlines()] + [""]
    if w.band is not None:
        out.append(f"band: {w.band:g}")
    out.append("words:" if w.table else "words: {}")
    out += [f"  {u}: {v:+.2f}" for u, v in sorted(w.table.items(), key=lambda kv: -kv[1])]
    return "\n".join(out) + "\n"

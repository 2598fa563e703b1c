"""What the rules find in a message: the evidence the weights score.

`Lexicon(rules).evidence(text)` scans the normalised text once for every word of the rules
and lists, per category with any evidence, the features that fired: its objects, an object
with a problem word close by in one clause (a pair, named by the problem word; a problem
word alone says nothing: 半夜 is not noise, 不亮 may be the sky), an object whose problem is
denied (路灯没坏), its phrases and exclusions; and, for the message as a whole, the signals
(a public place, an address or a generic spot such as 车库, thanks, a notice, "already
fixed"…). The features do not
depend on the weights, so training computes them once per row (nlp/train.py) and the
detector scores them with the weights in force.

A one-character object (灯, 水, 树) counts only where jieba's segmentation of the message
leaves it standing alone: 灯 in 灯光秀 is no street light.
"""

from __future__ import annotations

import logging
import threading
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field

import jieba

from nlp.location import locate
from nlp.patterns import CLAUSE, Entry, Hits, Scanner
from nlp.rules import SIGNALS, Rules
from nlp.weights import SHARED, Feature

# Which lists an entry belongs to, for the index from words to the entries that use them.
_PHRASE, _EXCLUSION, _SIGNAL, _URGENT, _CALM = range(5)
# A category's features that say something is wrong with its object (not merely named).
SAID = ("pair", "phrases", "far")
# Where the message says it happens: the whole message's, scored with each category.
PLACE_KINDS = ("place", "address", "spot")
# A problem said right by its object, which a denial elsewhere in the message does not undo
# (a problem in the next clause after a denial is as often its explanation: 没坏，是到点才开).
_BY_ITS_OBJECT = ("pair", "phrases")


@dataclass
class CategoryEvidence:
    code: str
    index: int  # the category's place in the rules (the first listed wins a tie)
    features: list[Feature] = field(default_factory=list)
    first: int = 10**6  # where its earliest evidence starts
    obj: str | None = None  # the object and problem word of its pair, for the summary
    problem: str | None = None
    keywords: list[str] = field(default_factory=list)
    said: list[int] = field(default_factory=list)  # where its problem words and phrases are


@dataclass
class Evidence:
    text: str
    categories: list[CategoryEvidence]
    shared: list[Feature]
    urgent_kind: str | None = None
    calm: bool = False  # a hypothetical, a drill, a past event, a joke: not an emergency
    location: str | None = None


def scored(cat: CategoryEvidence, ev: Evidence) -> list[Feature]:
    """The features a category is scored by: its own and the message's signals. The place
    (小区, an address, a spot) says where a problem is, so where the message denies a
    problem it counts only for a category whose problem is said right by its object (a pair
    or a phrase): in 3栋门口路灯没坏 or 8号楼门口的下水道没堵，地上的水是洒水车洒的 the
    address is where all is well, not a complaint's. Without this a bare mention at an
    address outscored its denial, and a refit of the weights made it worse."""
    if any(k in _BY_ITS_OBJECT for _, k, _ in cat.features) or not any(
            k == "denied" for c in ev.categories for _, k, _ in c.features):
        return [*cat.features, *ev.shared]
    return [*cat.features, *(f for f in ev.shared if f[1] not in PLACE_KINDS)]


class Lexicon:
    """The rules compiled for matching: one scanner, and each word's entries and roles."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        w = rules.weights
        self.negations, self.reach, self.near, self.window = (rules.negations, w.reach,
                                                              w.near, w.window)
        words: set[str] = set(rules.problems) | set(rules.places)
        # word → (category index, is it an object) for the category word lists
        self.objects: dict[str, list[int]] = {}
        self.own_problems: dict[str, list[int]] = {}
        self.codes = [c for c in rules.categories if c != "other"]
        for i, code in enumerate(self.codes):
            cat = rules.categories[code]
            for o in cat.objects:
                self.objects.setdefault(o, []).append(i)
            for p in cat.problems:
                self.own_problems.setdefault(p, []).append(i)
        words |= set(self.objects) | set(self.own_problems)
        self.shared_problems = frozenset(rules.problems)
        self.problem_words = frozenset(rules.problems) | frozenset(self.own_problems)
        self.places = frozenset(rules.places)
        # word → the entries whose first side uses it (an entry is tried once per message)
        self.entries: dict[str, list[tuple[int, object, Entry]]] = {}
        for i, code in enumerate(self.codes):
            cat = rules.categories[code]
            for e in cat.phrases:
                self._index(e, _PHRASE, i)
            for e in cat.exclusions:
                self._index(e, _EXCLUSION, i)
        for name in SIGNALS:
            for e in rules.signals.get(name, ()):
                self._index(e, _SIGNAL, name)
        for kind, urgent in rules.urgent.items():
            for e in urgent:
                self._index(e, _URGENT, kind)
        for e in rules.calm:
            self._index(e, _CALM, None)
        for indexed in self.entries.values():
            for _, _, e in indexed:
                words.update(e.words)
        words.update(self.entries)
        self.scanner = Scanner(words)
        # One-character objects (灯, 水, 树) need jieba's word boundary; one-character problem
        # words (堵, 坏) only ever count right beside an object, which is context enough.
        self.singles = frozenset(w for w in self.objects if len(w) == 1)
        self._tokenizer: list[jieba.Tokenizer] = []  # loaded on first need (a second or so)
        self._lock = threading.Lock()

    def _index(self, entry: Entry, role: int, owner: object) -> None:
        for w in entry.left:
            self.entries.setdefault(w, []).append((role, owner, entry))

    def scan(self, text: str) -> Hits:
        return self.scanner.scan(text, self.negations, self.reach, self.near)

    def evidence(self, text: str, half: str | None = None) -> Evidence | None:
        """The features of a normalised message, or None when no rule word occurs at all
        (everyday chat stops here). `half` is the text before traditional → simplified
        folding, where place names are looked for."""
        hits = self.scan(text)
        found = hits.found
        if not found:
            return None
        singles = self.singles.intersection(found)
        if singles:  # 灯, 水, 树: one-character objects only where jieba leaves them alone
            hits.keep_only(singles, self._alone(text, found, singles))
        cats: dict[int, CategoryEvidence] = {}

        def cat(i: int) -> CategoryEvidence:
            ev = cats.get(i)
            if ev is None:
                ev = cats[i] = CategoryEvidence(self.codes[i], i, [(self.codes[i], "bias", "")])
            return ev

        objects = _outermost([(w, p) for w in found if w in self.objects for p in hits.at(w)])
        for w, p in objects:
            for i in self.objects[w]:
                ev = cat(i)
                if w not in ev.keywords:
                    ev.keywords.append(w)
                ev.first = min(ev.first, p)
        problems = self._pairs(hits, objects, cats)
        for ev in cats.values():  # after the pairs: their object comes first
            ev.features += [(ev.code, "objects", k) for k in ev.keywords]
        urgent: str | None = None
        calm = False
        shared: list[Feature] = []
        exclusions: list[tuple[int, Entry]] = []
        asks: list[int] = [i for i, c in enumerate(text) if c == "?"]
        tried: set[int] = set()
        said_at: list[tuple[str, Feature, int]] = []  # signals and where they stand
        for w in list(found):
            for role, owner, entry in self.entries.get(w, ()):
                if id(entry) in tried:
                    continue
                tried.add(id(entry))
                m = hits.match(entry)
                if m is None:
                    continue
                if role == _PHRASE and isinstance(owner, int):
                    ev = cat(owner)
                    ev.features.append((ev.code, "phrases", entry.text))
                    ev.keywords.append(m[0])
                    ev.first = min(ev.first, m[1])
                    ev.said.append(m[1])
                elif role == _EXCLUSION and isinstance(owner, int):
                    exclusions.append((owner, entry))
                elif role == _SIGNAL:
                    shared.append((SHARED, str(owner), entry.text))
                    if owner == "questions":
                        asks.append(m[1])
                        said_at.append(("questions", shared[-1], m[1]))
                    elif owner in ("thanks", "appeal"):
                        said_at.append((str(owner), shared[-1], m[1] + len(m[0])))
                    elif owner in ("duration", "unkept", "chatter", "impact", "hypothetical",
                                   "report", *_PROMISED):
                        said_at.append((str(owner), shared[-1], m[1]))
                elif role == _URGENT:
                    urgent = urgent or str(owner)
                else:
                    calm = True
        shared = _without_closing_thanks(text, shared, said_at)
        shared = _without_unkept_promises(shared, said_at)
        shared = _without_ironic_praise(text, shared, said_at, cats.values())
        shared = _without_chatter_as_harm(text, shared, said_at, cats.values())
        shared = _without_imagined_repeats(text, shared, said_at)
        shared = _without_asked_reports(text, shared, said_at)
        for ev in cats.values():  # objects with nothing wrong said of them: a mention
            if not any(k in SAID for _, k, _ in ev.features):
                ev.features.append((ev.code, "bare", ""))
        if asks:
            # A question, and the problem said in a clause of its own ("路灯一个星期没亮了，有
            # 人管吗？", "请问下水道什么时候疏通？都堵了好几天了"): a complaint put as a
            # question, not a question about how things work ("路灯坏了找谁？", one clause).
            clauses = _clauses(text)
            asked = {bisect_right(clauses, q) for q in asks}
            for ev in cats.values():
                if not ev.said:
                    continue
                own = self.rules.categories[ev.code].problems
                said = ev.said + [p for w, p in problems
                                  if w in self.shared_problems or w in own]
                if any(bisect_right(clauses, q) not in asked for q in said):
                    ev.features.append((ev.code, "asked", ""))
        for i, entry in exclusions:  # they only count against a category with evidence
            if i in cats:
                cats[i].features.append((cats[i].code, "exclusions", entry.text))
        if not cats and urgent is None:
            return None
        public = bool(self.places.intersection(found))
        if public:
            shared.append((SHARED, "place", ""))
        where = locate(half) if half is not None and half != text else None
        where = where or locate(text)
        location = where[0] if where else None
        if where:  # an address (3栋2单元), or a place every neighbourhood has (车库): a spot
            shared.append((SHARED, "address" if where[1] else "spot", ""))
        if public or where:
            # one's own home counts only where nothing public is named: 这几天好多蚊子，家里点
            # 了蚊香 is the household's business, 小区蚊子多，家里点蚊香都没用 the neighbourhood's
            shared = [f for f in shared if f[1] != "home"]
        return Evidence(text, [cats[i] for i in sorted(cats)], shared, urgent, calm, location)

    def _pairs(self, hits: Hits, objects: list[tuple[str, int]],
               cats: dict[int, CategoryEvidence]) -> list[tuple[str, int]]:
        """An object and a problem word (its category's own or a shared one) in one clause at
        most `window` characters apart: a pair when the problem word stands, a denial when
        it is negated (路灯没坏, 下水道冇堵). A problem word belongs to the nearest object it
        can go with: in "那段路的灯坏了" the light is broken, not the road. Returns where the
        problem words stand."""
        words = [w for w in hits.found if w in self.problem_words]
        if not words:
            return []
        problems = [(w, p) for w in words for p in hits.word(w)]
        denied = [(w, p) for w in words for p in hits.at(w) if hits.negated(w, p)]
        nearest: dict[tuple[str, int], int] = {}
        for w, p in objects:
            for pw, pp in problems:
                if hits.close(w, p, pw, pp, self.window) and any(
                        pw in self.shared_problems or pw in self.rules.categories[
                            self.codes[i]].problems for i in self.objects[w]):
                    g = _gap(w, p, pw, pp)
                    nearest[(pw, pp)] = min(g, nearest.get((pw, pp), g))
        for w, p in objects:
            for i in self.objects[w]:
                ev = cats[i]
                own = self.rules.categories[ev.code].problems
                if ev.obj is None:
                    for pw, pp in problems:
                        if (pw in self.shared_problems or pw in own) and hits.close(
                                w, p, pw, pp, self.window) and _gap(
                                w, p, pw, pp) <= nearest[(pw, pp)]:
                            ev.obj, ev.problem = w, pw
                            ev.features.append((ev.code, "pair", pw))
                            ev.said.append(pp)
                            break
                if (ev.code, "denied", "") not in ev.features:
                    for pw, pp in denied:
                        if (pw in self.shared_problems or pw in own) and hits.close(
                                w, p, pw, pp, self.window + hits.reach):
                            ev.features.append((ev.code, "denied", ""))
                            break
        for w, p in objects:  # the problem said in the next clause: "路灯，好几天了都不亮"
            for i in self.objects[w]:
                ev = cats[i]
                if ev.obj is not None:
                    continue
                own = self.rules.categories[ev.code].problems
                for pw, pp in problems:
                    gap = pp - (p + len(w))
                    if (pw in self.shared_problems or pw in own) and 0 <= gap <= self.window:
                        ev.obj, ev.problem = w, pw
                        ev.features.append((ev.code, "far", ""))
                        ev.said.append(pp)
                        break
        return problems

    @property
    def tokenizer(self) -> jieba.Tokenizer:
        """jieba with the rules' user dictionary, loaded when a single character first needs
        it: most chat never does, and start-up stays short."""
        if not self._tokenizer:
            with self._lock:
                if not self._tokenizer:
                    self._tokenizer.append(_tokenizer(self.rules))
        return self._tokenizer[0]

    def _alone(self, text: str, found: dict[str, list[int]], singles: frozenset[str]
               ) -> set[int]:
        """The positions of the one-character objects that count: not inside a longer word of
        the rules (灯 in 路灯), and left standing alone by jieba. jieba is only asked when
        some occurrence is not covered that way. A phrase's word that starts with the object
        (灯坏了) leaves the object to jieba: 灯 in 路的灯坏了 is a light."""
        covered: set[int] = set()
        for w, qs in found.items():
            if len(w) > 1:
                lead = int(w[0] in singles and w not in self.objects and w not in self.places)
                for q in qs:
                    covered.update(range(q + lead, q + len(w)))
        open_ = {p for w in singles for p in found[w] if p not in covered}
        if not open_:
            return set()
        return open_ & _Alone(self, text).starts


class _Alone:
    """Where jieba (no HMM, with the user dictionary) leaves a single character standing as
    a word of its own: computed once per message, only when a single-character rule word
    occurs."""

    def __init__(self, lex: Lexicon, text: str) -> None:
        self.starts: set[int] = set()
        pos = 0
        for tok in lex.tokenizer.lcut(text, HMM=False):
            if len(tok) == 1:
                self.starts.add(pos)
            pos += len(tok)

    def at(self, pos: int) -> bool:
        return pos in self.starts


def _tokenizer(rules: Rules) -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    if rules.userdict is not None:
        with rules.userdict.open("rb") as fh:  # jieba leaves a path's file open
            tok.load_userdict(fh)
    return tok


_CLOSING = ("谢谢", "多谢", "感谢", "辛苦了", "辛苦", "谢了")
_TAIL = 8  # how near the end a closing 谢谢 stands (谢谢大家了！ and its punctuation)


def _without_closing_thanks(text: str, shared: list[Feature],
                            said_at: list[tuple[str, Feature, int]]) -> list[Feature]:
    """A 谢谢 that ends a request (麻烦物业来修一下，谢谢) is how a request is closed, not
    thanks for something done: the thanks signals that end there are dropped when a request
    (an appeal) comes before them."""
    thanks = [(f, end) for kind, f, end in said_at if kind == "thanks"]
    asked = [end for kind, _, end in said_at if kind == "appeal"]
    if not thanks or not asked:
        return shared
    tail = len(text) - _TAIL
    closing = max((text.rfind(w) for w in _CLOSING), default=-1)
    if closing < tail or min(asked) > closing:
        return shared
    dropped = {id(f) for f, end in thanks if end > tail}
    return [f for f in shared if id(f) not in dropped]


_PROMISED = ("replies", "notices", "fixed")  # what an unkept promise quoted sounds like


def _without_unkept_promises(shared: list[Feature],
                             said_at: list[tuple[str, Feature, int]]) -> list[Feature]:
    """A reply, a notice or a fix passed on and then contradicted is a complaint: "物业说明天
    来通，到现在也没人来", "说是周一就修好，这都周五了", "供电所说两个小时恢复供电，现在天都
    黑了还没来电". The replies, notices and fixed signals that come before an unkept-promise
    marker (the unkept signal: 到现在也没, 等了一下午, 这都…了, 结果…没来) are the promise
    quoted, not the office answering or the thing done: they are dropped."""
    kept = [p for kind, _, p in said_at if kind == "unkept"]
    if not kept:
        return shared
    last = max(kept)
    dropped = {id(f) for kind, f, p in said_at if kind in _PROMISED and p < last}
    return [f for f in shared if id(f) not in dropped]


_PRAISE = ("thanks", "ok_states")


def _without_ironic_praise(text: str, shared: list[Feature],
                           said_at: list[tuple[str, Feature, int]],
                           cats: Iterable[CategoryEvidence]) -> list[Feature]:
    """Praise of a failure is a complaint: "物业真是太负责了，垃圾一个礼拜没人收，点赞👍". When
    a problem is stated (a pair or a phrase) and nothing says it was fixed, the thanks and
    "all is well" signals are dropped if the praise is ironic in form (the irony signal: 真是
    太负责了, 服务真好, 谢谢…让我们) or the problem is said to last in its own clause (一个礼拜
    没人收, 到现在还没修): thanks for something done follows a fix, not a problem still there."""
    kinds = {k for _, k, _ in shared}
    if not kinds & set(_PRAISE) or "fixed" in kinds:
        return shared
    said = [p for ev in cats for p in ev.said]
    if not said:
        return shared
    if "irony" not in kinds:
        clauses = _clauses(text)
        stated = {bisect_right(clauses, p) for p in said}
        lasting = {bisect_right(clauses, p) for kind, _, p in said_at if kind == "duration"}
        if not stated & lasting:
            return shared
    return [f for f in shared if f[1] not in _PRAISE]


def _without_chatter_as_harm(text: str, shared: list[Feature],
                             said_at: list[tuple[str, Feature, int]],
                             cats: Iterable[CategoryEvidence]) -> list[Feature]:
    """Everyday words that name the harm a problem does are not chatter: 楼上装修吵得孩子没法
    写作业, 电梯坏了，早上上班要爬18楼. When a problem is stated, a chatter signal whose word
    stands in a clause that says a harm (the impact signal: 没法, 睡不好, 爬…楼), or in the
    clause just before it, which says whom it falls on (晚上散步的老人多，摔了谁负责), is
    dropped; chatter in a clause of its own (电梯坏了，哈哈笑死) or naming who spoke (老师说明
    天学校停水) still counts."""
    chatter = [(f, p) for kind, f, p in said_at if kind == "chatter"]
    said = [p for ev in cats for p in ev.said]
    if not chatter or not said:
        return shared
    clauses = _clauses(text)
    harm = {bisect_right(clauses, p) - back for kind, _, p in said_at if kind == "impact"
            for back in (0, 1)}
    dropped = {id(f) for f, p in chatter if bisect_right(clauses, p) in harm}
    return [f for f in shared if id(f) not in dropped]


def _without_imagined_repeats(text: str, shared: list[Feature],
                              said_at: list[tuple[str, Feature, int]]) -> list[Feature]:
    """A repeat imagined is no repeat: in 要是下大雨车库会不会又淹啊 or 万一电梯又坏了怎么
    办 the 又 is part of what might happen, not a problem that keeps coming back. A duration
    signal that stands after a hypothetical marker (如果, 万一, 要是, 会不会…) in the same
    clause is dropped; one in a clause of its own (电梯又坏了，万一困了人怎么办) still
    counts."""
    return _without_after(text, shared, said_at, "hypothetical", "duration")


def _without_asked_reports(text: str, shared: list[Feature],
                           said_at: list[tuple[str, Feature, int]]) -> list[Feature]:
    """Asking how to report is not reporting: in 噪音扰民可以打哪个电话投诉 or 违建在哪里可以
    举报 the 投诉 and 举报 are what she asks about. A report signal that stands after a
    question (可以…投诉, 哪里…举报) in the same clause is dropped; one in a clause of its own
    (已经向物业反映了好几次，怎么还没修) still counts."""
    return _without_after(text, shared, said_at, "questions", "report")


def _without_after(text: str, shared: list[Feature], said_at: list[tuple[str, Feature, int]],
                   marker: str, kind: str) -> list[Feature]:
    """The signals of a kind that start after a marker's signal in its clause, dropped: the
    marker (a hypothetical, a question) governs what follows it there. One that starts where
    the marker does is kept (找谁都不管 begins with a question word and is still a report)."""
    marks = [p for k, _, p in said_at if k == marker]
    said = [(f, p) for k, f, p in said_at if k == kind]
    if not marks or not said:
        return shared
    clauses = _clauses(text)
    first = {bisect_right(clauses, m): m for m in sorted(marks, reverse=True)}
    dropped = {id(f) for f, p in said if first.get(bisect_right(clauses, p), len(text)) < p}
    return [f for f in shared if id(f) not in dropped]


def _outermost(objects: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The object words a reader sees: one inside a longer object word is part of it, not a
    second object (煤气罐 is one gas cylinder, not also 煤气 and 气罐; 雨水管 is a drain pipe,
    not a water main), so it neither scores again nor brings its own category."""
    if len(objects) < 2:
        return objects
    return [(w, p) for w, p in objects
            if not any(len(v) > len(w) and q <= p and p + len(w) <= q + len(v)
                       for v, q in objects)]


def _clauses(text: str) -> list[int]:
    """Where each clause after the first begins: a position's clause is bisect_right of it."""
    return [m.end() for m in CLAUSE.finditer(text)]


def _gap(a: str, pa: int, b: str, pb: int) -> int:
    """Characters between word a at pa and word b at pb."""
    return pb - (pa + len(a)) if pa <= pb else pa - (pb + len(b))

"""What else a group message may be, besides a complaint: a grid worker's reply that reports
an issue's progress, a resident asking how an issue stands, a resident asking neighbours or
volunteers for help (求助、微心愿).

- `read_progress(text)` → the step a reply reports (收到 → ACKNOWLEDGE, 已联系/明天来修/在修 →
  PROGRESS, 修好了/已解决 → RESOLVE, 不归我们管 → DECLINE), or None: chat, questions ("修好了没
  有？" asks, it does not report), negations ("还没修好") and doubts ("说修好了，其实没修").
- `asks_status(text)` / `status_query(text)` → whether the text asks how an issue stands, and
  what it names to find the issue by (categories, object words, place, #number).
- `help_request(text)` → a request for help a neighbour could give (an old person's bulb, a gas
  cylinder up the stairs, a lift to the clinic), or None; a private problem without a request
  stays nothing, a public problem is a complaint (`detect`), and asking who can recommend a
  tradesman ("谁认识靠谱的师傅") is neither.

- `topic`, `names_something`, `mentions`, `normalize_place` → which of a group's issues a
  question or a reply is about (the bot offers the best match).

All are pure and read `config/rules/intent.yaml` (the rule language of the other rule files:
one line each, with an example the loader checks), loaded with the rules in force. They only
ever *suggest*: the bot asks for a tap before anything changes, except for a nod ("收到",
"👌", `assents_only`) in reply to the report or the card, which takes the issue on at once.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from nlp.detector import lexicon
from nlp.features import Lexicon
from nlp.location import find_location
from nlp.normalize import normalize_keeping_halfwidth
from nlp.patterns import Entry, Hits, Scanner


class Step(StrEnum):
    """A step an owner's words may mean; the values are the service's action names."""

    ACKNOWLEDGE = "acknowledge"
    PROGRESS = "progress"
    RESOLVE = "resolve"
    DECLINE = "reject"


# Strongest first: "收到，已经修好了" is done, not merely seen.
_ORDER = ((Step.RESOLVE, "resolve"), (Step.DECLINE, "decline"), (Step.PROGRESS, "progress"),
          (Step.ACKNOWLEDGE, "acknowledge"))
_NUMBER = re.compile(r"#\s*(\d{1,7})")
# A question, whatever else it says: it ends asking (?, 吗, 呢, 没有, 没).
_ASKING = ("?", "吗", "呢", "没有", "没", "么", "不")
_TRAILING = " !.,。~～…😂👍🙏"


@dataclass(frozen=True)
class StatusQuery:
    """A resident's question about an issue, with what it names to find the issue by."""

    categories: tuple[str, ...]  # categories whose objects it names (streetlight for 路灯)
    words: tuple[str, ...]  # the objects it names
    place: str | None
    number: int | None  # "#12"


@dataclass(frozen=True)
class HelpRequest:
    """A resident asking neighbours or volunteers for a hand."""

    needs: tuple[str, ...]  # what the help is for (扛, 送, 换灯泡…)
    place: str | None


class _Intents:
    """The intent lists of one rule set, with one scanner over their words."""

    def __init__(self, lex: Lexicon) -> None:
        rules = lex.rules
        self.lex = lex
        self.lists: dict[str, tuple[Entry, ...]] = dict(rules.intents)
        self.scanner = Scanner(w for entries in self.lists.values() for e in entries
                               for w in e.words)
        # Words that acknowledge only as the whole message ("👌", "好"; not "好几天了").
        self.alone = frozenset(w for e in self.lists.get("alone", ()) for w in e.words)
        # The words of status questions, longest first: what `topic` takes out of a question.
        self.asking_words = sorted({w for name in ("status", "status_vague")
                                    for e in self.lists.get(name, ()) for w in e.words},
                                   key=len, reverse=True)

    def hits(self, text: str) -> Hits:
        w = self.lex.rules.weights
        return self.scanner.scan(text, self.lex.rules.negations, w.reach, w.near)

    def first(self, hits: Hits, name: str) -> tuple[str, int] | None:
        for e in self.lists.get(name, ()):
            m = hits.match(e)
            if m is not None:
                return m
        return None

    def words(self, hits: Hits, name: str) -> list[str]:
        """Every word of the lists' plain entries that occurs, not negated."""
        return [w for e in self.lists.get(name, ()) if not e.right and not e.start
                for w in e.left if w in hits.found and hits.free(w)]


_lock = threading.Lock()
_built: list[tuple[Lexicon, _Intents]] = []


def _intents() -> _Intents:
    lex = lexicon()
    if not _built or _built[0][0] is not lex:  # the rules were reloaded
        with _lock:
            if not _built or _built[0][0] is not lex:
                _built[:] = [(lex, _Intents(lex))]
    return _built[0][1]


def _read(text: str | None) -> tuple[str, str, _Intents, Hits]:
    half, t = normalize_keeping_halfwidth(text)
    intents = _intents()
    return half, t, intents, intents.hits(t)


def _asking(t: str) -> bool:
    return t.rstrip(_TRAILING).endswith(_ASKING) or "?" in t


def _status(t: str, intents: _Intents, hits: Hits) -> bool:
    """A status question: a plain one (修好了没有, 有人管吗), or a vague one (怎么样了) about
    something it names (反映的事, #12, an object of some category not in someone's home)."""
    if not t:
        return False
    if intents.first(hits, "status") is not None:
        return True
    if intents.first(hits, "status_vague") is None:
        return False
    if intents.first(hits, "topic") is not None:
        return True
    # an object alone will do, unless it is in someone's home (你们家装修怎么样了)
    return intents.first(hits, "home") is None and any(
        w in intents.lex.objects for w in intents.lex.scan(t).found if len(w) > 1)


def asks_status(text: str | None) -> bool:
    """Does the text ask how an issue stands ("三栋门口路灯修好了没有？")?"""
    _, t, intents, hits = _read(text)
    return _status(t, intents, hits)


def thanks(text: str | None) -> bool:
    """Does the text thank (谢谢, 辛苦了)? Said to the bot, it asks nothing."""
    _, t, intents, hits = _read(text)
    return bool(t) and intents.first(hits, "thanks") is not None


def status_query(text: str | None) -> StatusQuery | None:
    """What a status question names, to find the issue it asks about; None if it asks none."""
    half, t, intents, hits = _read(text)
    if not _status(t, intents, hits):
        return None
    found = intents.lex.scan(t).found
    words = tuple(w for w in found if w in intents.lex.objects and len(w) > 1)
    codes = tuple(dict.fromkeys(intents.lex.codes[i] for w in words
                                for i in intents.lex.objects[w]))
    number = _NUMBER.search(half)
    return StatusQuery(codes, words, find_location(half) or find_location(t),
                       int(number.group(1)) if number else None)


def read_progress(text: str | None) -> Step | None:
    """The step an owner's words report ("东门井盖已经修好了" → RESOLVE), or None for chat,
    for questions ("修好了没有" asks, it does not report) and for doubts and negations."""
    _, t, intents, hits = _read(text)
    if not t or _status(t, intents, hits) or _asking(t):
        return None
    if intents.first(hits, "doubt") is not None:
        return None
    for step, name in _ORDER:
        if intents.first(hits, name) is not None:
            if step is Step.RESOLVE and intents.first(hits, "unfinished") is not None:
                return Step.PROGRESS  # "清理了一半，明天继续": work done, not the work
            return step
    return Step.ACKNOWLEDGE if _said_alone(t, intents) else None


_MARKS = re.compile(r"[\s!.,。！，~～…\ufe0f\U0001F3FB-\U0001F3FF]+")


def _said_alone(t: str, intents: _Intents) -> bool:
    """The whole message is words of assent and nothing else ("👌", "嗯嗯", "ok!", "👍👍";
    not "好几天了"): seen, and nothing more."""
    return bool(t) and not _strip_leading(_MARKS.sub("", t), intents.alone)


def _strip_leading(text: str, words: Iterable[str]) -> str:
    """What is left of `text` once words of `words` are taken off its start, one after
    another ("好的收到" → "", "👌👍" → "", "好几天了" → "几天了" when 好 is one)."""
    ordered = sorted(words, key=len, reverse=True)
    while text and (first := next((w for w in ordered if text.startswith(w)), None)):
        text = text[len(first):]
    return text


def mere_nod(text: str | None) -> bool:
    """The message is a nod ("嗯", "好", "👌"): said in reply to a report or a card it is
    "seen"; said into the chat, it may answer anyone."""
    _, t, intents, _ = _read(text)
    return _said_alone(t, intents)


def assents_only(text: str | None) -> bool:
    """Does the message only say "seen" ("收到", "👌", "好的")? Such words add nothing as a
    note: the step is the whole of it."""
    _, t, intents, _ = _read(text)
    starts = {w for e in intents.lists.get("acknowledge", ()) if e.start for w in e.words}
    return bool(t) and not _strip_leading(_MARKS.sub("", t), starts | intents.alone)


def help_request(text: str | None) -> HelpRequest | None:
    """A resident asking for a hand a neighbour or volunteer could give, or None."""
    half, t, intents, hits = _read(text)
    if not t or intents.first(hits, "ask") is None or intents.first(hits, "favor") is not None \
            or intents.first(hits, "hire") is not None:  # a tradesman to pay, not a hand
        return None
    if t.startswith(("谢谢", "感谢", "多谢")):
        return None  # thanks for help given, not a request
    needs = intents.words(hits, "need")
    personal = intents.first(hits, "personal") is not None
    if not needs and not personal:
        return None
    if not personal:
        from nlp.detector import detect  # a public problem is a complaint, not a favour

        if detect(text).is_issue:
            return None
    return HelpRequest(tuple(needs), find_location(half) or find_location(t))


# --- which issue a message is about ---------------------------------------------------------
_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9}
_NUMBERED = re.compile(r"([零一二两三四五六七八九十]{1,3})(?=[栋号幢单元楼层期区组排户室门])")
_BUILDING = re.compile(r"^\d+[栋号幢]")
_WHOLE_BUILDING = re.compile(r"^\d+(?:号楼|栋|幢|单元|号)")  # 5栋 of 5栋楼道, 2号楼 of 2号楼后面
_HALFWIDTH = {ord(c): ord("0") + n for n, c in enumerate("０１２３４５６７８９")}
# Bigrams with these say nothing about which issue is meant ("坏了", "好了", "没有").
_FILLER = set("了的吗呢啊吧呀没有是在还又都也就吧么嘛和跟与我你他她它们这那个")


def _number(cn: str) -> str:
    if "十" not in cn:
        return "".join(str(_DIGITS[c]) for c in cn)
    tens, _, ones = cn.partition("十")
    return str((_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0))


def normalize_place(text: str) -> str:
    """"三栋门口" and "3栋门口" are one place: Chinese numbers before 栋/号/单元… become
    digits, full-width digits half-width, spaces go."""
    text = (text or "").translate(_HALFWIDTH)
    text = _NUMBERED.sub(lambda m: _number(m.group(1)), text)
    return re.sub(r"\s+", "", text)


def _bigrams(text: str) -> set[str]:
    return {text[k:k + 2] for k in range(len(text) - 1)
            if not (set(text[k:k + 2]) & _FILLER) and not text[k:k + 2].isascii()}


# Words that point at "my issue" without saying which one ("我反映的那个问题怎么样了").
_GENERIC = re.compile(r"反映|报修|问题|事情|情况|诉求|那个|这个|上次|之前|刚才|的事")


def topic(text: str) -> str:
    """What a question is about: the text without its asking words, without the words that
    only point ("我反映的问题") and without @mentions. Empty: it names nothing in particular
    ("有人管吗")."""
    text = re.sub(r"@\w+", "", text or "")
    for w in _intents().asking_words:
        text = text.replace(w, "")
    return _GENERIC.sub("", text)


def names_something(text: str) -> bool:
    return bool(_bigrams(normalize_place(text)))


def _holds(text: str, place: str) -> bool:
    """`place` is said in `text`, and not as the end of another number (1栋 is not in 11栋)."""
    return re.search(r"(?<!\d)" + re.escape(place), text) is not None


def mentions(text: str, place: str | None, what: str) -> int:
    """How plainly `text` names an issue at `place` about `what` (its summary and category
    name): 2 when it names the place, its building, or a place the issue's place holds
    ("车库的水" names 地下车库; "5栋门口" never names 3栋门口), plus one per piece of what
    it is that it shares, up to 3; 0 when it names nothing of it."""
    t = normalize_place(text)
    p = normalize_place(place or "")
    score = 0
    if p:
        building = _BUILDING.match(p)
        named = normalize_place(find_location(text) or "")
        if _holds(t, p) or (building and _holds(t, building.group(0))) \
                or (named and _holds(p, named)):
            score += 2
    shared = (_bigrams(normalize_place(what)) - _bigrams(p)) & _bigrams(t)
    return score + min(3, len(shared))


def names_spot(text: str, place: str | None) -> bool:
    """`text` names the spot of `place` without its building ("楼道灯的事…" names 5栋楼道's
    楼道): what tells two issues of one kind apart when the words name no building."""
    spot = _WHOLE_BUILDING.sub("", normalize_place(place or ""))
    return len(spot) >= 2 and spot in normalize_place(text)


__all__ = ["HelpRequest", "StatusQuery", "Step", "asks_status", "assents_only", "help_request",
           "mentions", "mere_nod", "names_something", "names_spot", "normalize_place",
           "read_progress", "status_query", "thanks", "topic"]

"""Callback data of inline buttons: a prefix and typed fields, never split by hand.

As aiogram's callback factories (MasterGroosha/telegram-report-bot): each kind of button is a
frozen dataclass declared with its prefix; `pack()` gives the string Telegram stores (at most
64 bytes, checked when the button is built), `parse()` gives back the typed object, or None
for data no button of ours makes (a button of an older version, a forged press).

The wire format is `prefix:field:field`, the one the bot has always used ("ack:12",
"rate:12:5", "esc:12:water"), so buttons on cards posted before an upgrade keep working.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, get_type_hints

MAX_BYTES = 64  # Telegram's limit on callback_data
MAX_ID = 2**31 - 1  # issue and help ids are 32-bit integers in the database
SEP = ":"

_KINDS: dict[str, type[CallbackData]] = {}


@dataclasses.dataclass(frozen=True)
class CallbackData:
    prefix: ClassVar[str] = ""

    def __init_subclass__(cls, prefix: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if prefix is None:
            return  # a shared base (IssueButton); its subclasses name a prefix
        if not prefix or SEP in prefix or prefix in _KINDS:
            raise ValueError(f"callback prefix {prefix!r} is empty, has {SEP!r} or is taken")
        cls.prefix = prefix
        _KINDS[prefix] = cls

    def pack(self) -> str:
        parts = [self.prefix]
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            text = str(int(value)) if isinstance(value, bool | int) else str(value)
            if SEP in text:
                raise ValueError(f"{type(self).__name__}.{f.name} may not contain {SEP!r}")
            parts.append(text)
        data = SEP.join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data


def _field_types(cls: type[CallbackData]) -> list[tuple[str, type]]:
    hints = get_type_hints(cls)
    return [(f.name, hints[f.name]) for f in dataclasses.fields(cls)]


def _convert(text: str, kind: type) -> object:
    if kind is bool:
        if text not in ("0", "1"):
            raise ValueError(text)
        return text == "1"
    if kind is int:
        return int(text)
    if kind is str:
        return text
    raise TypeError(f"callback fields are int, bool or str, not {kind}")


def parse(data: str | None) -> CallbackData | None:
    """The button behind `data`, or None when no button of ours makes such data."""
    if not data:
        return None
    prefix, *values = data.split(SEP)
    cls = _KINDS.get(prefix)
    if cls is None:
        return None
    fields = _field_types(cls)
    if len(values) != len(fields):
        return None
    try:
        return cls(**{name: _convert(v, kind) for (name, kind), v in zip(fields, values,
                                                                          strict=True)})
    except ValueError:
        return None


# --- the bot's buttons ------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class IssueButton(CallbackData):
    """A button about one issue: the prefix names the action, issue_id is its global id."""

    issue_id: int

    def __post_init__(self) -> None:
        if not 0 < self.issue_id <= MAX_ID:  # never a row: "ack:99999999999999999999"
            raise ValueError(f"issue id out of range: {self.issue_id}")


class Ack(IssueButton, prefix="ack"):
    """受理"""


class Dispatch(IssueButton, prefix="dispatch"):
    """交办: offers the departments as buttons (Escalate)."""


class Resolve(IssueButton, prefix="resolve"):
    """已办结"""


class NotIssue(IssueButton, prefix="notissue"):
    """不是诉求: withdrawn as a false detection."""


@dataclasses.dataclass(frozen=True)
class Rate(IssueButton, prefix="rate"):
    """满意 / 基本满意 / 不满意, pressed by the reporter."""

    score: int


@dataclasses.dataclass(frozen=True)
class Escalate(IssueButton, prefix="esc"):
    """One department under 交办."""

    department: str


@dataclasses.dataclass(frozen=True)
class RaiseLevel(IssueButton, prefix="up"):
    """One level up under 交办 (社区, 街道), offered only when that level has a group."""

    level: int


class Back(IssueButton, prefix="back"):
    """From the 交办 choices back to the card's own buttons."""


@dataclasses.dataclass(frozen=True)
class Confirm(IssueButton, prefix="ok"):
    """记为 受理/进展/办结/不予受理 #N: the owner confirms what the bot read in their reply;
    the note is the reply quoted in the question's blockquote."""

    step: str


@dataclasses.dataclass(frozen=True)
class Dismiss(CallbackData, prefix="no"):
    """不用了: the question about a reply goes away; only its addressee may dismiss it."""

    user_id: int


@dataclasses.dataclass(frozen=True)
class HelpAct(CallbackData, prefix="help"):
    """A help request's card (求助): claim, release, done or withdraw."""

    help_id: int
    action: str

    ACTIONS: ClassVar[frozenset[str]] = frozenset({"claim", "release", "done", "withdraw"})

    def __post_init__(self) -> None:
        if not 0 < self.help_id <= MAX_ID or self.action not in self.ACTIONS:
            raise ValueError(f"no such help button: {self.help_id}, {self.action!r}")

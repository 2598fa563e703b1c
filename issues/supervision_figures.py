"""What the supervision figures are made of: the period, one row of figures (a unit, group,
department or holder, or the scope's total) and a report; and the tally that adds the
statements' rows up per key (issues.supervision) and ranks times where SQLite cannot."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from typing import Any, NamedTuple

TOTAL = "*"


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    @property
    def previous(self) -> Period:
        return Period(self.start - (self.end - self.start), self.start)


class Name(NamedTuple):
    """How a row's key is shown: its key in links, its name, and (a holder) whether the
    person owns a group, holding the issues there nobody else was assigned."""

    key: str
    name: str
    owner: bool = False


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Figures:
    """One row: a unit, group, department or holder (or TOTAL) in the period. Not frozen:
    a report builds two per row (with the previous period's), thousands per holder report,
    and a frozen dataclass's __init__ costs nearly twice as much. Nothing changes one once
    made."""

    key: str
    name: str
    owner: bool = False  # a holder who owns a group (Name.owner)
    received: int = 0
    rejected: int = 0
    ack_on_time: int = 0
    ack_judged: int = 0  # accepted, or still not accepted past the deadline
    resolve_on_time: int = 0
    resolve_judged: int = 0
    ack_p50_s: float | None = None
    ack_p90_s: float | None = None
    resolve_p50_s: float | None = None
    resolve_p90_s: float | None = None
    red: int = 0  # open issues overdue now
    yellow: int = 0
    reopened: int = 0
    repeat: int = 0
    satisfied: int = 0  # ratings of 4-5 points
    basic: int = 0  # 3 points: basically satisfied
    unsatisfied: int = 0  # 1-2 points
    previous: Figures | None = field(default=None, compare=False)

    @property
    def ack_rate(self) -> float | None:
        return _rate(self.ack_on_time, self.ack_judged)

    @property
    def resolve_rate(self) -> float | None:
        return _rate(self.resolve_on_time, self.resolve_judged)

    @property
    def rated(self) -> int:
        return self.satisfied + self.basic + self.unsatisfied

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.satisfied + self.basic, self.rated)

    @property
    def repeat_rate(self) -> float | None:
        return _rate(self.repeat, self.received)


@dataclass(frozen=True)
class Report:
    by: str
    period: Period
    rows: list[Figures]
    total: Figures


COUNTS = ("received", "rejected", "ack_on_time", "ack_judged", "resolve_on_time",
          "resolve_judged", "red", "yellow", "reopened", "repeat", "satisfied", "basic",
          "unsatisfied")
SPANS = ("ack_p50_s", "ack_p90_s", "resolve_p50_s", "resolve_p90_s")


def count_at(*names: str) -> tuple[int, ...]:
    return tuple(COUNTS.index(n) for n in names)


class Tally:
    """Counts added up per key (None: in no key, so only in the total) and period, kept as
    lists in the order of COUNTS (a district's rows are thousands: dicts per row would cost
    more than the statements); percentiles as the database gave them."""

    def __init__(self) -> None:
        self.sums: dict[tuple[bool, Any], list[int]] = {}
        self.spans: dict[Any, dict[str, Any]] = {}  # per key, and the scope's at TOTAL

    def add(self, current: bool, key: Any, at: tuple[int, ...], values: Sequence[Any]
            ) -> None:
        acc = self.sums.get((current, key))
        if acc is None:
            acc = self.sums[(current, key)] = [0] * len(COUNTS)
        for i, v in zip(at, values, strict=True):
            if v:
                acc[i] += int(v)

    def figures(self, names: dict[Any, Name], previous: bool = True
                ) -> tuple[list[Figures], Figures]:
        """Rows for the named keys and the total over every key; `previous`: each with the
        previous period's figures (None when that period was not counted)."""
        total = {c: [0] * len(COUNTS) for c in (True, False)}
        for (current, _), acc in self.sums.items():
            t = total[current]
            for i, v in enumerate(acc):
                t[i] += v

        def one(key: Any, name: Name, now: list[int] | None,
                before: list[int] | None) -> Figures:
            was: dict[str, Any] = dict(zip(COUNTS, before or (), strict=False))
            fields: dict[str, Any] = dict(zip(COUNTS, now or (), strict=False))
            shown, called, owner = name  # unpacked: _asdict would make a dict per row
            return Figures(**fields, **self.spans.get(key, {}), key=shown, name=called,
                           owner=owner, previous=Figures(**was, key=shown, name=called,
                                                         owner=owner) if previous else None)

        rows = [one(k, names[k], self.sums.get((True, k)), self.sums.get((False, k)))
                for k in self.keys() if k in names]
        return rows, one(TOTAL, Name(TOTAL, ""), total[True], total[False])

    def keys(self) -> set[Any]:
        """Every key something was counted for."""
        return ({k for _, k in self.sums} | set(self.spans)) - {None, TOTAL}


def ranks(rows: Sequence[tuple[Any, str, str]], fold: Callable[[Any], Any]
          ) -> list[tuple[bool, Any, Any, Any, Any, Any]]:
    """Rows of (key, JSON array of seconds to accept, the same to resolve) as percentile
    rows: (total?, key, median and 90th percentile to accept, the same to resolve), per key
    (`fold`ed: a group's unit) and for all rows, by nearest rank (the value at rank ⌈p·n⌉
    of the n sorted values), as percentile_disc. The arrays are parsed as one JSON text
    and sorted whole: no Python step per value (a district's month is tens of thousands)."""
    parsed = json.loads("[" + ",".join(f"[{a},{r}]" for _, a, r in rows) + "]")
    keyed: dict[Any, tuple[list[int], list[int]]] = {}
    for (k, _a, _r), (acks, resolves) in zip(rows, parsed, strict=True):
        mine = keyed.setdefault(fold(k), ([], []))
        mine[0].extend(acks)
        mine[1].extend(resolves)

    def at(values: list[int], rank: int) -> int | None:
        return values[(len(values) * rank + 99) // 100 - 1] if values else None

    def row(total: bool, k: Any, acks: list[int], resolves: list[int]) -> tuple[Any, ...]:
        acks.sort()
        resolves.sort()
        return total, k, at(acks, 50), at(acks, 90), at(resolves, 50), at(resolves, 90)

    out = [row(False, k, acks, resolves) for k, (acks, resolves) in keyed.items()]
    # The total from the keys' lists, sorted by now: its sort merges their runs.
    return [*out, row(True, None, list(chain.from_iterable(a for a, _ in keyed.values())),
                      list(chain.from_iterable(r for _, r in keyed.values())))]

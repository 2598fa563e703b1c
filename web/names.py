"""Names of the codes the domain returns (statuses, lights, levels, ratings) and what an event
says, for the dashboard, exports and Open311: from config/templates/zh-CN-names.yaml, the one
definition the bot's templates read too. Read on first use."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, Template
from markupsafe import Markup

from issues.views import EventView

# Package data of `config`, in a checkout and a wheel alike.
NAMES_FILE = Path(str(resources.files("config") / "templates" / "zh-CN-names.yaml"))


@lru_cache(maxsize=1)
def _names() -> dict[str, Any]:
    return yaml.safe_load(NAMES_FILE.read_text(encoding="utf-8")) or {}


def name(family: str, code: object) -> str:
    """name("status", "open") → 待受理; the code itself when it has no name."""
    return str(_names().get(family, {}).get(code, code))


@cache
def _family(family: str) -> dict[str, str]:
    """One family's names with text keys, built once (an export looks names up per cell)."""
    return {str(k): str(v) for k, v in _names()[family].items()}


class _Family(Mapping[str, str]):
    """One family of names as a mapping (for templates' option lists)."""

    def __init__(self, family: str) -> None:
        self.family = family

    def _all(self) -> dict[str, str]:
        return _family(self.family)

    def __getitem__(self, code: str) -> str:
        return self._all()[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


STATUS_NAMES: Mapping[str, str] = _Family("status")
LIGHT_NAMES: Mapping[str, str] = _Family("light")
LEVEL_NAMES: Mapping[str, str] = _Family("level")
FACT_NAMES: Mapping[str, str] = _Family("fact")


def rating_word(score: int | None) -> str:
    """The resident's words for a score (the buttons offer 满意/基本满意/不满意)."""
    return "" if score is None else name("rating", score)


@lru_cache(maxsize=1)
def _detail() -> Template:
    env = Environment(autoescape=True, undefined=StrictUndefined)
    env.globals["name"] = name
    return env.from_string(_names()["event_detail"])


def event_detail(e: EventView, departments: Mapping[str, str]) -> Markup:
    """What an event says besides its kind: the facts it recorded, then its note (HTML)."""
    return Markup(_detail().render(kind=e.kind, data=e.data, note=e.note,
                                   departments=departments).strip())

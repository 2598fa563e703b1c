"""The detector's output, shared with the issue core (which may import nlp types only)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

# Package data of `config` (data, not code), in a checkout and a wheel alike.
CATEGORIES_FILE = Path(str(resources.files("config") / "categories.yaml"))


class _Categories(Mapping[str, str]):
    """Category code → name, from config/categories.yaml (the one definition of categories),
    read on first use. Codes are the contract between the detector, the database, Open311
    and the rules."""

    @staticmethod
    @lru_cache(maxsize=1)
    def _names() -> dict[str, str]:
        raw = yaml.safe_load(CATEGORIES_FILE.read_text(encoding="utf-8")) or {}
        return {str(code): str(spec["name"]) for code, spec in raw.items()}

    def __getitem__(self, code: str) -> str:
        return self._names()[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())


CATEGORIES: Mapping[str, str] = _Categories()


def category_name(code: str) -> str:
    """Name of a category code; unknown codes fall back to the catch-all category's."""
    return CATEGORIES.get(code) or CATEGORIES["other"]


@dataclass(frozen=True)
class Detection:
    """What the detector concluded about one message."""

    is_issue: bool
    category: str = "other"
    confidence: float = 0.0
    urgent: bool = False
    location: str | None = None
    summary: str = ""
    keywords: tuple[str, ...] = field(default_factory=tuple)
    # Which emergency line applies to an urgent issue: gas, fire, elevator, power, flood,
    # collapse (keys of settings.yaml `emergency`, or close to them).
    urgent_kind: str | None = None

    @property
    def category_name(self) -> str:
        return category_name(self.category)

    def to_dict(self) -> dict[str, object]:
        return {
            "is_issue": self.is_issue,
            "category": self.category,
            "category_name": self.category_name,
            "confidence": round(self.confidence, 3),
            "urgent": self.urgent,
            "location": self.location,
            "summary": self.summary,
            "keywords": list(self.keywords),
        }

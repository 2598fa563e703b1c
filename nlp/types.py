"""The detector's output, shared with the issue core (which may import nlp types only)."""

from __future__ import annotations

from dataclasses import dataclass, field

# Category codes are the contract between the detector, the database, Open311 and the rules.
CATEGORIES: dict[str, str] = {
    "streetlight": "路灯照明",
    "drainage": "排水下水道",
    "water": "供水",
    "power": "供电",
    "gas": "燃气",
    "garbage": "垃圾环卫",
    "noise": "噪音",
    "dust": "扬尘",
    "fumes": "油烟异味",
    "parking": "违停占道",
    "road": "道路井盖",
    "greenery": "绿化",
    "hazard": "安全隐患",
    "elevator": "电梯",
    "building": "房屋漏水",
    "facility": "公共设施",
    "pest": "病媒动物",
    "illegal_build": "违章搭建",
    "order": "治安纠纷",
    "property": "物业服务",
    "other": "其他",
}


def category_name(code: str) -> str:
    """Chinese name of a category code; unknown codes fall back to 其他."""
    return CATEGORIES.get(code, CATEGORIES["other"])


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

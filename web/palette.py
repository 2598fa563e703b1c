"""Colours that carry meaning, the same on every page, chart and map.

A category's colour is its family's (安全 red, 水电 blue, 环境 green, 秩序 purple, 设施 slate), so
a wall of bars reads at a glance: how much of this month is safety, how much is utilities.
Lights are the SLA's own colours. Every colour here has at least 4.5:1 contrast on white, so it
can also colour text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    name: str
    color: str  # on light backgrounds
    color_dark: str  # on the 大屏's dark background


FAMILIES: dict[str, Family] = {
    "safety": Family("安全", "#b42318", "#ff8a80"),
    "utility": Family("水电", "#1d5fbf", "#7cb7ff"),
    "environment": Family("环境", "#1e7a3c", "#7ee2a0"),
    "order": Family("秩序", "#7a3ea8", "#d3a6ff"),
    "facility": Family("设施", "#4a5a6a", "#c3d0dd"),
}
CATEGORY_FAMILY: dict[str, str] = {
    "gas": "safety", "hazard": "safety", "elevator": "safety",
    "water": "utility", "power": "utility", "heating": "utility", "drainage": "utility",
    "building": "utility",
    "garbage": "environment", "dust": "environment", "fumes": "environment",
    "greenery": "environment", "pest": "environment",
    "noise": "order", "parking": "order", "illegal_build": "order", "order": "order",
    "streetlight": "facility", "road": "facility", "facility": "facility",
    "property": "facility", "other": "facility",
}
LIGHT_COLORS = {"green": "#1e7a3c", "yellow": "#8a6100", "red": "#b42318"}
# Marker fills on the map (white text or outline on them needs no 4.5:1; they are shapes).
LIGHT_FILLS = {"green": "#27ae60", "yellow": "#f2c94c", "red": "#eb5757", "none": "#8895a7"}


def family_of(category: str) -> Family:
    return FAMILIES[CATEGORY_FAMILY.get(category, "facility")]

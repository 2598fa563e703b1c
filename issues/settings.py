"""Settings: config/settings.yaml, layered with SUQIU_CONFIG, then environment variables.

Order of precedence (later wins): the defaults shipped in config/, the file named by
SUQIU_CONFIG, then the environment (SUQIU_DATABASE_URL, SUQIU_DASHBOARD_TOKEN,
SUQIU_OPEN311_API_KEY). Secrets come only from the environment and are kept out of repr() so
they never reach a log line. The Telegram settings (TELEGRAM_BOT_TOKEN, SUQIU_WEBHOOK_*,
SUQIU_TELEGRAM_*, the `bot:` section) are bot/'s: `bot.settings` reads them from the same
layers.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from datetime import time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from issues.practice_settings import PracticeSettings, load_practices

# The shipped defaults are package data of `config`, in a checkout and in a wheel alike.
CONFIG_DIR = Path(str(resources.files("config")))

OTHER = "other"  # the catch-all category
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class SettingsError(ValueError):
    """A settings file or variable holds a value we cannot use."""


def parse_duration(value: object) -> timedelta:
    """'30s', '10m', '4h', '3d' or a number of seconds."""
    if isinstance(value, int | float):
        return timedelta(seconds=float(value))
    m = _DURATION.match(str(value))
    if not m:
        raise SettingsError(f"not a duration: {value!r} (use 30s, 10m, 4h, 3d)")
    return timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2)])


def parse_clock(value: object) -> time:
    """'HH:MM' → time."""
    m = re.match(r"^\s*(\d{1,2}):(\d{2})\s*$", str(value))
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise SettingsError(f"not a time of day: {value!r} (use HH:MM)")
    return time(int(m.group(1)), int(m.group(2)))


def parse_quiet_hours(value: object) -> tuple[time, time] | None:
    """'22:00-07:00' → (start, end); empty or null → no quiet hours."""
    if value in (None, "", "off", False):
        return None
    parts = str(value).split("-")
    if len(parts) != 2:
        raise SettingsError(f"quiet hours must look like 22:00-07:00, got {value!r}")
    return parse_clock(parts[0]), parse_clock(parts[1])


@dataclass(frozen=True)
class SlaTimes:
    ack: timedelta
    resolve: timedelta


@dataclass(frozen=True)
class Layers:
    """The sources settings are built from: the merged settings files (and overrides) and the
    environment variables Suqiu reads. The domain's and the dashboard's settings are parsed
    here; the Telegram ones (token, webhook, Bot API address, rate limits) by bot/ from the
    same layers (`bot.settings`), so every part reads one configuration."""

    raw: dict[str, Any]
    env: dict[str, str] = field(repr=False)


ENV_PREFIXES = ("SUQIU_", "TELEGRAM_")  # the environment variables Suqiu reads


@dataclass(frozen=True)
class MapSettings:
    """The dashboard's map: no tile server is assumed reachable, so the base layer is the
    operator's GeoJSON of the district's units over a plain background, and tiles are drawn
    only when a URL template is configured."""

    tile_url: str | None = None
    tile_attribution: str = ""
    units_geojson: str | None = None
    center: tuple[float, float] = (28.19, 112.97)
    zoom: int = 13


@dataclass(frozen=True)
class Category:
    """One category of issues, as config/categories.yaml defines it: the name people read,
    the times allowed (a deployment may override them under sla.categories) and the safety
    advice an urgent issue of it gets (None: the general one)."""

    code: str
    name: str
    sla: SlaTimes
    emergency: str | None = None


@dataclass(frozen=True)
class Department:
    code: str
    name: str


@dataclass(frozen=True)
class Settings:
    timezone: str
    database_url: str
    web_host: str
    web_port: int
    open311_group: int | None
    auto_detect: bool
    sensitivity: str
    progress_time: time
    digest_time: time
    weekly_digest_weekday: int
    quiet_hours: tuple[time, time] | None
    reminder_interval: timedelta
    jobs_enabled: bool
    yellow_ratio: float
    escalation_grace: timedelta
    sla_default: SlaTimes  # for a category config/categories.yaml does not list
    sla_urgent: SlaTimes
    duplicate_window: timedelta
    departments: tuple[Department, ...]
    emergency: dict[str, str]
    rules_dir: Path | None = None  # paths.rules: the detector's rules instead of the shipped
    templates_dir: Path | None = None  # paths.templates: message texts instead of the shipped
    weekly_digest_time: time = time(9, 0)
    # The satisfaction rate is published from this many ratings up; fewer say nothing.
    satisfaction_min_ratings: int = 5
    web_map: MapSettings = MapSettings()
    photo_cache_dir: str = "data/photos"
    # The proxies in front of the dashboard (addresses or networks, web.trusted_proxies): a
    # failed login counts against the client they name in X-Forwarded-For, not against them.
    trusted_proxies: tuple[str, ...] = ()
    # From the environment only; repr=False keeps them out of logs and tracebacks.
    dashboard_token: str | None = field(default=None, repr=False)
    dashboard_admin_token: str | None = field(default=None, repr=False)
    open311_api_key: str | None = field(default=None, repr=False)
    # Who may act beyond one group (register departments, bind and re-parent org units):
    # Telegram user ids. Which groups Open311 publishes (none until configured).
    district_admins: frozenset[int] = frozenset()
    open311_public_groups: frozenset[int] = frozenset()
    categories: dict[str, Category] = field(default_factory=dict, repr=False)
    layers: Layers = field(default_factory=lambda: Layers({}, {}), repr=False)
    # Reports one person may make (complaints noticed, /report) per window; more are ignored.
    intake_per_person: int = 5
    intake_window: timedelta = timedelta(minutes=1)
    practices: PracticeSettings = field(default_factory=PracticeSettings)

    def sla_for(self, category: str, urgent: bool = False) -> SlaTimes:
        """Allowed times for a category; urgent issues get the tighter of the two."""
        known = self.categories.get(category)
        base = known.sla if known else self.sla_default
        if not urgent:
            return base
        return SlaTimes(min(base.ack, self.sla_urgent.ack),
                        min(base.resolve, self.sla_urgent.resolve))


    def department_names(self) -> dict[str, str]:
        """Department code → name: the one source of department names."""
        return {d.code: d.name for d in self.departments}

    def category_names(self) -> dict[str, str]:
        """Category code → name, in the order config/categories.yaml lists them."""
        return {code: c.name for code, c in self.categories.items()}

    def category_name(self, code: str) -> str:
        """The name of a category; an unknown code reads as the catch-all category's."""
        known = self.categories.get(code) or self.categories.get(OTHER)
        return known.name if known else code


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SettingsError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: expected a mapping at the top level")
    return data


def _path(value: object) -> Path | None:
    return Path(str(value)).expanduser() if value else None


def _sla(raw: dict[str, Any]) -> SlaTimes:
    return SlaTimes(parse_duration(raw["ack"]), parse_duration(raw["resolve"]))


def _categories(raw: dict[str, Any], sla_over: dict[str, Any]) -> dict[str, Category]:
    """config/categories.yaml, with the times a deployment sets under sla.categories."""
    out = {}
    for code, spec in raw.items():
        if not isinstance(spec, dict) or not spec.get("name"):
            raise SettingsError(f"categories.yaml: {code} needs a name, ack and resolve")
        times = _sla({**spec, **(sla_over.get(code) or {})})
        out[str(code)] = Category(str(code), str(spec["name"]), times,
                                  str(spec["emergency"]) if spec.get("emergency") else None)
    for code in sla_over:
        if code not in out:
            raise SettingsError(f"sla.categories: no category {code} in categories.yaml")
    return out


def _map(raw: dict[str, Any]) -> MapSettings:
    center = raw.get("center") or MapSettings.center
    return MapSettings(tile_url=raw.get("tile_url") or None,
                       tile_attribution=str(raw.get("tile_attribution") or ""),
                       units_geojson=raw.get("units_geojson") or None,
                       center=(float(center[0]), float(center[1])),
                       zoom=int(raw.get("zoom", MapSettings.zoom)))


def read_layers(overrides: dict[str, Any] | None = None,
                env: dict[str, str] | None = None) -> Layers:
    """The shipped settings, the SUQIU_CONFIG file, SUQIU_DATABASE_URL, then `overrides`
    (tests, CLI flags), later winning; and the environment variables Suqiu reads."""
    env = dict(os.environ) if env is None else env
    raw = _read_yaml(CONFIG_DIR / "settings.yaml")
    extra = env.get("SUQIU_CONFIG")
    if extra:
        raw = _merge(raw, _read_yaml(Path(extra)))
    if env.get("SUQIU_DATABASE_URL"):
        raw["database_url"] = env["SUQIU_DATABASE_URL"]
    if overrides:
        raw = _merge(raw, overrides)
    return Layers(raw, {k: v for k, v in env.items() if k.startswith(ENV_PREFIXES)})


def load_settings(
    overrides: dict[str, Any] | None = None, env: dict[str, str] | None = None
) -> Settings:
    """Build Settings from the layered sources; `overrides` (tests, CLI flags) wins last."""
    layers = read_layers(overrides, env)
    raw, env = layers.raw, layers.env
    web, trust = raw.get("web", {}), raw.get("trust") or {}
    det, sched, sla = raw.get("detector", {}), raw.get("schedule", {}), raw.get("sla", {})
    paths = raw.get("paths") or {}
    try:
        return Settings(
            timezone=str(raw.get("timezone", "Asia/Shanghai")),
            database_url=str(raw["database_url"]),
            web_host=str(web.get("host", "127.0.0.1")),
            web_port=int(web.get("port", 8080)),
            open311_group=(int(web["open311_group"]) if web.get("open311_group") else None),
            auto_detect=bool(det.get("auto_detect", True)),
            sensitivity=str(det.get("sensitivity", "normal")),
            progress_time=parse_clock(sched.get("progress_time", "18:00")),
            digest_time=parse_clock(sched.get("digest_time", "20:00")),
            weekly_digest_weekday=int(sched.get("weekly_digest_weekday", 0)),
            quiet_hours=parse_quiet_hours(sched.get("quiet_hours")),
            reminder_interval=parse_duration(sched.get("reminder_interval", 60)),
            jobs_enabled=bool(sched.get("enabled", True)),
            yellow_ratio=float(sla.get("yellow_ratio", 0.75)),
            escalation_grace=parse_duration(sla.get("escalation_grace", "4h")),
            sla_default=_sla(sla.get("default", {"ack": "4h", "resolve": "3d"})),
            categories=_categories(_read_yaml(CONFIG_DIR / "categories.yaml"),
                                   sla.get("categories") or {}),
            sla_urgent=_sla(sla.get("urgent", {"ack": "10m", "resolve": "4h"})),
            duplicate_window=parse_duration(raw.get("duplicates", {}).get("window", "3d")),
            departments=tuple(Department(str(d["code"]), str(d["name"]))
                              for d in raw.get("departments") or []),
            emergency={str(k): str(v) for k, v in (raw.get("emergency") or {}).items()},
            weekly_digest_time=parse_clock(sched.get("weekly_digest_time", "09:00")),
            satisfaction_min_ratings=int(
                (raw.get("figures") or {}).get("satisfaction_min_ratings", 5)),
            web_map=_map(web.get("map") or {}),
            photo_cache_dir=str(web.get("photo_cache") or "data/photos"),
            trusted_proxies=tuple(str(ipaddress.ip_network(str(p), strict=False))
                                  for p in web.get("trusted_proxies") or ()),
            rules_dir=_path(paths.get("rules")),
            templates_dir=_path(paths.get("templates")),
            dashboard_token=env.get("SUQIU_DASHBOARD_TOKEN") or None,
            dashboard_admin_token=env.get("SUQIU_DASHBOARD_ADMIN_TOKEN") or None,
            open311_api_key=env.get("SUQIU_OPEN311_API_KEY") or None,
            district_admins=frozenset(int(u) for u in trust.get("district_admins") or ()),
            intake_per_person=int((trust.get("intake_limit") or {}).get("reports", 5)),
            intake_window=parse_duration((trust.get("intake_limit") or {}).get("per", "1m")),
            open311_public_groups=frozenset(
                int(c) for c in web.get("open311_public_groups") or ()),
            layers=layers,
            practices=load_practices(raw.get("practices") or {}, parse_duration),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SettingsError(f"invalid settings: {exc}") from exc

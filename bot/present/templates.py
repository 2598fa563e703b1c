"""Message templates: zh-CN YAML files of Jinja2 strings in config/templates/ (and, over
them, a deployment's own directory: settings paths.templates).

Autoescaping is on, so every piece of user text that reaches a template is HTML-escaped;
mentions and other markup built by the bot are passed as Markup. All templates/*.yaml files
are merged, so each part of the bot can keep its own file.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, Template
from markupsafe import Markup

from issues.privacy import public_view
from issues.views import IssueView

# The shipped texts are package data of `config`, in a checkout and in a wheel alike.
SHIPPED = Path(str(resources.files("config") / "templates"))
_override: list[Path] = []  # set by use_templates (settings: paths.templates)


def use_templates(directory: Path | None) -> None:
    """Layer the zh-CN*.yaml files of `directory` over the shipped texts (a deployment's own
    wording of some messages). Loaded here, so a wrong path fails at start, not mid-chat."""
    if directory is not None and not any(directory.glob("zh-CN*.yaml")):
        raise FileNotFoundError(f"no zh-CN*.yaml message templates in {directory}")
    _load(directory)
    _override[:] = [directory] if directory is not None else []


@lru_cache(maxsize=4)
def _load(override: Path | None) -> dict[str, Template]:
    env = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=False,
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["name"] = name
    out: dict[str, Template] = {}
    files = sorted(SHIPPED.glob("zh-CN*.yaml"))
    if override is not None:
        files += sorted(override.glob("zh-CN*.yaml"))  # later files win
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, text in data.items():
            if isinstance(text, dict):  # a family of templates: "urgent_advice.gas"
                for sub, value in text.items():
                    out[f"{key}.{sub}"] = env.from_string(str(value))
            else:
                out[str(key)] = env.from_string(str(text))
    return out


def _templates() -> dict[str, Template]:
    return _load(_override[0] if _override else None)


def render(name: str, /, **values: Any) -> str:
    """Render template `name`; the result is Telegram HTML ready to send.

    Everything the bot renders is posted into a chat, so an issue handed to a template is
    shown as the public sees it (phone and ID-card numbers masked in every text field)."""
    if not values:
        return _plain(name, _override[0] if _override else None)
    public = {k: public_view(v) if isinstance(v, IssueView) else v for k, v in values.items()}
    return _templates()[name].render(**public).strip()


@lru_cache(maxsize=1024)
def _plain(name: str, override: Path | None) -> str:
    """A text that takes no values (a button's label, a status's name) is the same every
    time: rendered once. A card has a dozen of them, and Jinja2 sets up a context for each
    render, which took half of the card's time."""
    return _load(override)[name].render().strip()


def has(name: str) -> bool:
    return name in _templates()


def name(family: str, code: object) -> Markup:
    """The name people read for a code the domain returns (zh-CN-names.yaml):
    name("status", "open"), name("level", "grid"), name("rating", 5); the code itself when
    it has none."""
    key = f"{family}.{code}"
    return Markup(render(key)) if has(key) else Markup.escape(str(code))


@lru_cache(maxsize=1)
def status_words() -> dict[str, str]:
    """Status code by the name people write (待受理 → open); 未办结 is every open status."""
    words = {render(k): k.split(".", 1)[1] for k in _templates() if k.startswith("status.")}
    return words | {render("status_open_all"): "open_all"}


def event_detail(kind: str, data: Mapping[str, Any], note: str | None,
                 departments: Mapping[str, str]) -> str:
    """What an event says besides its kind (the facts it recorded, then the note), as HTML."""
    return render("event_detail", kind=kind, data=data, note=note, departments=departments)


def safe(html: str) -> Markup:
    """Mark bot-built HTML (mentions, links) so the template does not escape it again."""
    return Markup(html)

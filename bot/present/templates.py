"""Message templates: zh-CN YAML files of Jinja2 strings in config/templates/.

Autoescaping is on, so every piece of user text that reaches a template is HTML-escaped;
mentions and other markup built by the bot are passed as Markup. All templates/*.yaml files
are merged, so each part of the bot can keep its own file.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, Template
from markupsafe import Markup

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "config" / "templates"


@lru_cache(maxsize=1)
def _templates() -> dict[str, Template]:
    env = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=False,
                      trim_blocks=True, lstrip_blocks=True)
    out: dict[str, Template] = {}
    for path in sorted(TEMPLATE_DIR.glob("zh-CN*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, text in data.items():
            if isinstance(text, dict):  # a family of templates: "urgent_advice.gas"
                for sub, value in text.items():
                    out[f"{key}.{sub}"] = env.from_string(str(value))
            else:
                out[str(key)] = env.from_string(str(text))
    return out


def render(name: str, /, **values: Any) -> str:
    """Render template `name`; the result is Telegram HTML ready to send."""
    return _templates()[name].render(**values).strip()


def has(name: str) -> bool:
    return name in _templates()


def safe(html: str) -> Markup:
    """Mark bot-built HTML (mentions, links) so the template does not escape it again."""
    return Markup(html)

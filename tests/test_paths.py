"""Shipped rules and templates are package data; a deployment's own directories named in
settings (paths.rules, paths.templates) take their place."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import build_application
from bot.present.templates import SHIPPED, render, use_templates
from issues.settings import load_settings
from nlp.rules import rules_dir

ROOT = Path(__file__).resolve().parent.parent


def _site(tmp_path: Path, **paths: Path) -> dict[str, str]:
    site = tmp_path / "site.yaml"
    site.write_text("paths:\n" + "".join(f"  {k}: {v}\n" for k, v in paths.items()))
    return {"SUQIU_CONFIG": str(site)}


@pytest.fixture
def shipped_templates() -> Iterator[None]:
    yield
    use_templates(None)


def test_shipped_data_is_found_through_the_config_package() -> None:
    assert (rules_dir() / "categories.yaml").is_file()
    assert (SHIPPED / "zh-CN.yaml").is_file()


def test_own_templates_are_layered_over_the_shipped(tmp_path: Path,
                                                    shipped_templates: None) -> None:
    own = tmp_path / "texts"
    own.mkdir()
    (own / "zh-CN-site.yaml").write_text('help: "本小区的说明：有事找物业。"\n', encoding="utf-8")
    settings = load_settings(env=_site(tmp_path, templates=own))
    assert settings.templates_dir == own
    build_application(settings, token="1:offline")
    assert render("help") == "本小区的说明：有事找物业。"
    assert "/report" in render("report_usage")  # what the site file does not name stays shipped


def test_a_templates_path_without_templates_is_refused_at_start(tmp_path: Path,
                                                                shipped_templates: None) -> None:
    settings = load_settings(env=_site(tmp_path, templates=tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="nowhere"):
        build_application(settings, token="1:offline")


def test_classify_uses_the_rules_named_in_settings(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(rules_dir(), rules)
    cats = rules / "categories.yaml"
    cats.write_text(cats.read_text(encoding="utf-8").replace(
        "  objects: [健身器材,", "  objects: [蹦床网, 健身器材,"), encoding="utf-8")
    env = {**os.environ, **_site(tmp_path, rules=rules), "PYTHONPATH": str(ROOT)}
    line = "小区的蹦床网坏了好久了"
    shipped = subprocess.run([sys.executable, "-m", "bot.cli", "classify"], input=line,
                             env={**env, "SUQIU_CONFIG": ""}, cwd=tmp_path, text=True,
                             capture_output=True, check=True)
    own = subprocess.run([sys.executable, "-m", "bot.cli", "classify"], input=line, env=env,
                         cwd=tmp_path, text=True, capture_output=True, check=True)
    assert not json.loads(shipped.stdout)["is_issue"]
    assert json.loads(own.stdout)["category"] == "facility"


def test_intents_follow_the_rules_named_in_settings(tmp_path: Path) -> None:
    """nlp.intent reads intent.yaml from the deployment's rules directory like every other
    rule file; a directory made before intent.yaml existed keeps the shipped tables."""
    from nlp.detector import reload_rules
    from nlp.intent import Step, read_progress

    rules = tmp_path / "rules"
    shutil.copytree(rules_dir(), rules)
    intent = rules / "intent.yaml"
    intent.write_text(intent.read_text(encoding="utf-8").replace(
        "  resolve:\n", "  resolve:\n    - 妥了妥了  例：妥了妥了\n", 1), encoding="utf-8")
    settings = load_settings(env=_site(tmp_path, rules=rules))
    assert settings.rules_dir == rules
    try:
        assert read_progress("妥了妥了") is None  # the shipped tables do not know it
        reload_rules(settings.rules_dir)
        assert read_progress("妥了妥了") is Step.RESOLVE
        intent.unlink()
        reload_rules(settings.rules_dir)
        assert read_progress("妥了妥了") is None
        assert read_progress("东门井盖已经修好了") is Step.RESOLVE  # shipped, not nothing
    finally:
        reload_rules()

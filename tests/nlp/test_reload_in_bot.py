"""The running bot picks up edited rule files and refuses broken ones."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from bot.jobs import scheduler as tick
from nlp import detect, reload_rules
from nlp.rules import rules_dir


def test_tick_reloads_changed_rules_and_keeps_good_ones(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    rules, shipped = tmp_path / "rules", rules_dir()
    shutil.copytree(shipped, rules)
    monkeypatch.setattr(tick, "rules_dir", lambda: rules)
    monkeypatch.setattr(tick, "_rules_seen", [])
    monkeypatch.setattr("nlp.rules.rules_dir", lambda: rules)
    try:
        tick.reload_rules_if_changed()  # first look: remember the files
        assert not detect("小区的攀爬架坏了好久了").is_issue
        cats = rules / "categories.yaml"
        cats.write_text(cats.read_text(encoding="utf-8").replace(
            "  objects: [健身器材,", "  objects: [攀爬架, 健身器材,"), encoding="utf-8")
        later = time.time() + 5
        os.utime(cats, (later, later))
        tick.reload_rules_if_changed()
        assert detect("小区的攀爬架坏了好久了").category == "facility"
        (rules / "shared.yaml").write_text("negations: [没]\nplaces: [小区]\nsignals:\n"
                                           "  fixed: [\"修好了  例：坏了\"]\n", encoding="utf-8")
        os.utime(rules / "shared.yaml", (later + 5, later + 5))
        tick.reload_rules_if_changed()
        assert "shared.yaml" in caplog.text and "not reloaded" in caplog.text
        assert detect("小区的攀爬架坏了好久了").category == "facility"  # still in force
    finally:
        reload_rules(shipped)

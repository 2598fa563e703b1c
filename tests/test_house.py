"""Rules of the house checked from the source: `# type: ignore` only with a reason, and the
shipped data found as package data, never through a path from a module's own file."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "issues", "nlp", "web", "sandbox", "config")
_IGNORE = re.compile(r"#\s*type:\s*ignore(?:\[[^\]]*\])?(?P<rest>.*)$")


def _lines() -> list[tuple[str, int, str]]:
    return [(str(p.relative_to(ROOT)), n, line)
            for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)]


def test_every_type_ignore_says_why() -> None:
    """mypy runs with warn_unused_ignores; an ignore it needs must say why on its line:
    `# type: ignore[code]  # reason`."""
    bare = [f"{path}:{n}" for path, n, line in _lines() if _bare_ignore(line)]
    assert bare == []


def _bare_ignore(line: str) -> bool:
    m = _IGNORE.search(line)
    return m is not None and not re.match(r"\s+#\s*\S", m["rest"])


def test_the_reason_rule_catches_a_bare_ignore() -> None:
    assert _bare_ignore("x = f()  # type: ignore[arg-type]")
    assert _bare_ignore("x = f()  # type: ignore")
    assert not _bare_ignore("x = f()  # type: ignore[arg-type]  # aiohttp types it too narrowly")
    assert not _bare_ignore("x = f()")


def test_shipped_data_is_found_as_package_data() -> None:
    """config/ (and web's and sandbox's files) install with the package and are found through
    importlib.resources; `Path(__file__)/../config` finds nothing in an installed wheel."""
    found = [f"{path}:{n}" for path, n, line in _lines()
             if "__file__" in line and "config" in line]
    assert found == []

"""The house's shape, checked from the source: no import cycles among our modules, each
package imports only what DESIGN.md's table allows (the domain nothing of ours but nlp's
types; bot wires in web and sandbox only in its CLI), and no module of the domain grows past
400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "issues", "nlp", "web", "sandbox", "config")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")
            if "migrations" not in p.parts}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Our modules that `name` imports, at any depth of its code (imports inside functions
    count: a cycle through a late import is still a cycle of the design)."""
    out: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name:
                out.add(t)
    return out


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    known = set(mods)
    return {n: _imports(n, p, known) for n, p in mods.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, or None (a package importing its own submodules is not one)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if n.startswith(m + "."):  # a submodule importing its package's __init__
                continue
            if state.get(m) == 1:
                return [*stack[stack.index(m):], m]
            if m not in state and (found := visit(m)):
                return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state and (found := visit(n)):
            return found
    return None


def test_no_import_cycles() -> None:
    assert _cycle(_graph()) is None


def test_the_cycle_finder_finds_one() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


# DESIGN.md's table: what each package may import of ours, by package or by module (bench/
# and tests/ may import anything). config/ is data: found through importlib.resources.
MAY_IMPORT: dict[str, frozenset[str]] = {
    "nlp": frozenset(),
    "issues": frozenset({"nlp.types"}),
    "bot": frozenset({"nlp", "issues"}),
    "web": frozenset({"issues"}),
    "sandbox": frozenset(),
    "config": frozenset(),
}
# The one place that wires bot, web and sandbox together into `suqiu`.
COMPOSITION_ROOT = ("bot.cli", frozenset({"web", "sandbox"}))


def _forbidden(graph: dict[str, set[str]]) -> set[str]:
    out = set()
    root, extra = COMPOSITION_ROOT
    for n, deps in graph.items():
        package = n.split(".")[0]
        allowed = MAY_IMPORT[package]
        if n == root or n.startswith(root + "."):
            allowed = allowed | extra
        for m in deps:
            other = m.split(".")[0]
            if other != package and other not in allowed and not any(
                    m == a or m.startswith(a + ".") for a in allowed):
                out.add(f"{n} → {m}")
    return out


def test_each_package_imports_what_the_design_allows() -> None:
    assert _forbidden(_graph()) == set()


def test_the_import_rules_catch_a_breach() -> None:
    graph = {"web.pages": {"nlp.types"}, "issues.intake": {"nlp.types", "nlp.detector"},
             "bot.serve.runner": {"web.app"}, "bot.cli.run": {"web.app", "sandbox.server"}}
    assert _forbidden(graph) == {"web.pages → nlp.types", "issues.intake → nlp.detector",
                                 "bot.serve.runner → web.app"}


def test_no_domain_module_over_400_lines() -> None:
    long = {p.name: n for p in (ROOT / "issues").rglob("*.py")
            if "migrations" not in p.parts
            and (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert long == {}


def test_the_domain_holds_no_chinese_text() -> None:
    """The domain returns codes and data; every text a person reads lives in config/templates
    or the web templates (migrations, which move old data, excepted)."""
    import re

    han = re.compile(r"[\u4e00-\u9fff]")
    found = {f"{p.relative_to(ROOT)}:{n}" for p in (ROOT / "issues").rglob("*.py")
             if "migrations" not in p.parts
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if han.search(line)}
    assert found == set()

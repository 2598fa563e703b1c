"""Reading the hand-edited YAML files of config/rules/ with line numbers for every mistake."""

from __future__ import annotations

from pathlib import Path

import yaml

# libyaml's parser when PyYAML was built with it (it is, in the wheels): ten times faster, and
# its nodes carry the same line marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class RuleError(ValueError):
    """A rule file cannot be used; the message names the file, the line and the problem."""

    def __init__(self, path: Path, line: int | None, problem: str) -> None:
        where = f"{path.name}, line {line}" if line else path.name
        super().__init__(f"{where}: {problem}")
        self.path, self.line, self.problem = path, line, problem


def compose(path: Path) -> yaml.Node:
    """The file's YAML node tree (which keeps lines), or RuleError."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise RuleError(path, line, f"YAML syntax: {exc.problem}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(path, None, f"cannot read: {exc}") from None
    if node is None:
        raise RuleError(path, 1, "the file is empty")
    return node


def line_of(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def mapping(path: Path, node: yaml.Node, allowed: tuple[str, ...] | None = None,
            what: str = "") -> dict[str, yaml.Node]:
    """A YAML mapping by key; a key written twice or not allowed is an error."""
    if not isinstance(node, yaml.MappingNode):
        raise RuleError(path, line_of(node), f"{what}expected a mapping of names")
    out: dict[str, yaml.Node] = {}
    for k, v in node.value:
        key = str(k.value)
        if key in out:
            raise RuleError(path, line_of(k), f"{what}{key!r} is written twice "
                                              f"(first at line {line_of(out[key])})")
        if allowed is not None and key not in allowed:
            raise RuleError(path, line_of(k), f"{what}unknown key {key!r}")
        out[key] = v
    return out


def scalars(path: Path, node: yaml.Node | None, what: str) -> list[tuple[str, int]]:
    """The texts of a YAML list, with their lines."""
    if node is None:
        return []
    if not isinstance(node, yaml.SequenceNode):
        raise RuleError(path, line_of(node), f"{what} must be a list")
    out = []
    for item in node.value:
        if not isinstance(item, yaml.ScalarNode) or not str(item.value).strip():
            raise RuleError(path, line_of(item), f"{what}: each entry must be a non-empty text")
        out.append((str(item.value), line_of(item)))
    return out


def number(path: Path, node: yaml.Node, what: str) -> float:
    """A scalar that must be a number."""
    if isinstance(node, yaml.ScalarNode):
        try:
            return float(node.value)
        except ValueError:
            pass
    raise RuleError(path, line_of(node), f"{what} must be a number")

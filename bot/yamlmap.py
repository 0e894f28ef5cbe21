"""YAML loading that remembers the line of every key and item, for line-numbered errors."""

from __future__ import annotations

from typing import Any

import yaml

Path = tuple[str | int, ...]


class LineMap:
    """Maps a path inside a YAML document (keys and list indexes) to its 1-based line."""

    def __init__(self) -> None:
        self._lines: dict[Path, int] = {}

    def record(self, path: Path, line: int) -> None:
        self._lines.setdefault(path, line)

    def line_of(self, path: Path) -> int:
        """The line of the deepest recorded prefix of `path` (0 when nothing matches)."""
        for end in range(len(path), -1, -1):
            line = self._lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return 0


def _walk(node: yaml.Node, path: Path, lines: LineMap) -> None:
    lines.record(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines.record((*path, key), key_node.start_mark.line + 1)
            _walk(value_node, (*path, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines)


def load_yaml_with_lines(text: str) -> tuple[Any, LineMap]:
    """Parse `text`; raise yaml.YAMLError (with its mark) when it is not YAML."""
    lines = LineMap()
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if node is not None:
        _walk(node, (), lines)
    return yaml.safe_load(text), lines

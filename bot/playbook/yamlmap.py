"""YAML loading that remembers the line of every key and item, for line-numbered errors.

One loader reads the playbook: it refuses duplicated keys (PyYAML would keep the last one
silently) and records each plain scalar so that YAML 1.1 surprises (`no` read as false, `9:00`
read as 540) can be explained where they cause an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from bot.core.errors import ConfigProblem

Path = tuple[str | int, ...]

MERGE_TAG = "tag:yaml.org,2002:merge"
#: Tags YAML 1.1 gives unquoted scalars that are not text: `no`, `9:00`, `0123`, `2024-12-24`, ``.
NOT_TEXT_TAGS = frozenset(
    f"tag:yaml.org,2002:{kind}" for kind in ("bool", "int", "float", "timestamp", "null")
)


@dataclass(frozen=True)
class Scalar:
    """An unquoted scalar that YAML read as something other than text."""

    text: str
    value: object
    line_text: str


@dataclass
class LineMap:
    """Maps a path inside a YAML document (keys and list indexes) to its 1-based line."""

    _lines: dict[Path, int] = field(default_factory=dict)
    #: Unquoted values and keys that YAML did not read as text, by path.
    values: dict[Path, Scalar] = field(default_factory=dict)
    keys: dict[Path, Scalar] = field(default_factory=dict)

    def record(self, path: Path, line: int) -> None:
        self._lines.setdefault(path, line)

    def __contains__(self, path: object) -> bool:
        return path in self._lines

    def line_of(self, path: Path) -> int:
        """The line of the deepest recorded prefix of `path` (0 when nothing matches)."""
        for end in range(len(path), -1, -1):
            line = self._lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return 0


@dataclass
class Loaded:
    """A parsed document, the line of everything in it, and its duplicated keys."""

    data: Any
    lines: LineMap
    duplicates: list[ConfigProblem]
    top_line: int


class _Reader:
    """Walks the composed node tree once: lines, non-text scalars and duplicated keys."""

    def __init__(self, loader: yaml.SafeLoader, text: str) -> None:
        self.loader = loader
        self.source_lines = text.splitlines()
        self.lines = LineMap()
        self.duplicates: list[ConfigProblem] = []
        self.seen: set[int] = set()

    def _scalar(self, node: yaml.ScalarNode, value: object) -> Scalar | None:
        if node.style is not None or node.tag not in NOT_TEXT_TAGS:
            return None  # quoted, or read as text
        line = node.start_mark.line
        line_text = self.source_lines[line] if line < len(self.source_lines) else ""
        return Scalar(str(node.value), value, line_text)

    def _construct(self, node: yaml.ScalarNode) -> Any:
        try:
            return self.loader.construct_object(node)
        except ValueError as exc:  # `2026-02-30` looks like a date to YAML but is none
            kind = "a date" if node.tag.endswith("timestamp") else "a number"
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"YAML reads {node.value} as {kind}, but it is not one ({exc}); "
                f'write it in quotes if it is text: "{node.value}"',
                node.start_mark,
            ) from None

    def walk(self, node: yaml.Node, path: Path) -> None:
        self.lines.record(path, node.start_mark.line + 1)
        # An alias repeats a node: walk it once (also stops recursive and exponential aliases).
        if id(node) in self.seen:
            return
        self.seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            scalar = self._scalar(node, self._construct(node))
            if scalar is not None:
                self.lines.values[path] = scalar
        elif isinstance(node, yaml.MappingNode):
            self._mapping(node, path)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.walk(item, (*path, index))

    def _mapping(self, node: yaml.MappingNode, path: Path) -> None:
        first: dict[object, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
                continue  # merged keys may be overridden; complex keys fail when constructed
            key = self._construct(key_node)
            line = key_node.start_mark.line + 1
            at = (*path, key)
            if key in first:
                self.duplicates.append(
                    ConfigProblem(
                        line,
                        ".".join(str(p) for p in at),
                        f"`{key_node.value}` is defined twice (first at line {first[key]})",
                    )
                )
            else:
                first[key] = line
            scalar = self._scalar(key_node, key)
            if scalar is not None:
                self.lines.keys.setdefault(at, scalar)
            self.lines.record(at, line)
            self.walk(value_node, at)


def load_yaml_with_lines(text: str) -> Loaded:
    """Parse `text` as one YAML document; raise yaml.YAMLError (with its mark) when it is not."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Loaded(None, LineMap(), [], 1)
        reader = _Reader(loader, text)
        reader.walk(node, ())
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    return Loaded(data, reader.lines, reader.duplicates, node.start_mark.line + 1)

"""YAML text → documents with the line and column of every value.

libyaml composes the node graph (fast); we build the plain values ourselves so that we can record positions,
refuse duplicate keys, stop alias-expansion bombs, and keep timestamps as the strings the user wrote (JSON
Schema and the database want text, not datetime objects).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from reconciler.model import Diagnostic, JsonPath, Location, error

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"

# Expanding aliases may at most multiply the collections written in the file by this much.
_ALIAS_EXPANSION_FACTOR = 10
_ALIAS_EXPANSION_FLOOR = 10_000

_constructor = yaml.constructor.SafeConstructor()


class _Refused(Exception):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    index: int
    value: Any
    positions: dict[JsonPath, tuple[int, int]]


class _Builder:
    def __init__(self) -> None:
        self.positions: dict[JsonPath, tuple[int, int]] = {}
        self.expanded = 0
        self.distinct: set[int] = set()

    def build(self, node: yaml.Node, path: JsonPath) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        self.expanded += 1
        self.distinct.add(id(node))
        if self.expanded > _ALIAS_EXPANSION_FLOOR and self.expanded > _ALIAS_EXPANSION_FACTOR * len(self.distinct):
            mark = node.start_mark
            raise _Refused(
                "aliases expand to too many values (an alias bomb?); write the values out",
                mark.line + 1,
                mark.column + 1,
            )
        if isinstance(node, yaml.SequenceNode):
            items = []
            for i, item in enumerate(node.value):
                item_path = (*path, i)
                self.positions[item_path] = (item.start_mark.line + 1, item.start_mark.column + 1)
                items.append(self.build(item, item_path))
            return items
        return self._mapping(node, path)

    def _mapping(self, node: yaml.MappingNode, path: JsonPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged = self.build(value_node, path)
                for part in merged if isinstance(merged, list) else [merged]:
                    if isinstance(part, dict):
                        for k, v in part.items():
                            result.setdefault(k, v)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused(
                    "mapping keys must be plain scalars",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            key = self._scalar(key_node)
            key = key if isinstance(key, str) else str(key).lower() if isinstance(key, bool) else str(key)
            line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            child = (*path, key)
            if key in result and child in self.positions:
                first_line, first_column = self.positions[child]
                raise _Refused(
                    f"duplicate key {key!r} (first defined at line {first_line}, column {first_column})",
                    line,
                    column,
                )
            self.positions[child] = (line, column)
            result[key] = self.build(value_node, child)
        return result

    @staticmethod
    def _scalar(node: yaml.ScalarNode) -> Any:
        tag = node.tag
        if tag == _STR:
            return node.value
        if tag == _INT:
            return _constructor.construct_yaml_int(node)
        if tag == _BOOL:
            return _constructor.construct_yaml_bool(node)
        if tag == _NULL:
            return None
        if tag == _FLOAT:
            return _constructor.construct_yaml_float(node)
        return node.value  # timestamps and other tags stay as written


def _located_yaml_error(exc: yaml.YAMLError, text: str, path: str) -> Diagnostic:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    if mark is not None and text[mark.index : mark.index + 1] == "\t":
        return error("invalid YAML: a tab character cannot indent YAML; use spaces", Location(path, line, column))
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    return error(message, Location(path, line, column))


def parse_documents(text: str, path: str) -> tuple[list[ParsedDocument], list[Diagnostic]]:
    """Every non-empty document of a file; a YAML error stops the file with one located error."""
    documents: list[ParsedDocument] = []
    loader = _Loader(text)
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL):
                index += 1
                continue  # an empty document between separators, as kubectl allows
            builder = _Builder()
            builder.positions[()] = (node.start_mark.line + 1, node.start_mark.column + 1)
            value = builder.build(node, ())
            documents.append(ParsedDocument(index, value, builder.positions))
            index += 1
    except _Refused as refused:
        return [], [error(f"invalid YAML: {refused.message}", Location(path, refused.line, refused.column))]
    except yaml.YAMLError as exc:
        return [], [_located_yaml_error(exc, text, path)]
    except (ValueError, RecursionError) as exc:  # e.g. an int literal too large, nesting too deep
        return [], [error(f"invalid YAML: {exc}", Location(path))]
    finally:
        loader.dispose()
    if not documents:
        return [], [error("empty file: it holds no YAML documents", Location(path))]
    return documents, []

"""YAML text → documents with the line and column of every value.

libyaml composes the node graph (fast); we build the plain values ourselves so that we can record positions,
refuse duplicate keys, apply merge keys (`<<`) as YAML defines them, stop alias-expansion bombs (of scalars as
well as collections), note values that JSON or the database cannot hold, and keep timestamps as the strings the
user wrote (JSON Schema and the database want text, not datetime objects). Every YAML input goes through here.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

import yaml

from reconciler.model import Diagnostic, JsonPath, Location, error, rules

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

# Aliases may expand a file to at most this many times its size, counted as characters of scalars plus one per
# value (so that many short values count too), and never beyond the floor's worth for small files.
_ALIAS_EXPANSION_FACTOR = 10
_ALIAS_EXPANSION_FLOOR = 100_000
# Deeper values are refused with their place, before Python's recursion limit stops us (or a later step) blindly.
_MAX_DEPTH = 200
# What PostgreSQL's bigint (and so every integer column and JSON number we store) can hold.
_BIGINT = range(-(2**63), 2**63)

_constructor = yaml.constructor.SafeConstructor()


class _Refused(Exception):
    def __init__(self, message: str, node: yaml.Node) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, node.start_mark.line + 1, node.start_mark.column + 1


def _refuse_expansion(node: yaml.Node) -> NoReturn:
    raise _Refused("aliases expand to too many values (an alias bomb?); write the values out", node)


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    index: int
    value: Any
    positions: dict[JsonPath, tuple[int, int]]
    # Values YAML can write but JSON or PostgreSQL cannot hold (NaN, huge integers, NUL): where, and why.
    unstorable: tuple[tuple[JsonPath, str], ...] = ()


class _Builder:
    """Plain values from one file's nodes; `budget` is shared by the file's documents."""

    def __init__(self, text_length: int) -> None:
        self.budget = max(_ALIAS_EXPANSION_FACTOR * text_length, _ALIAS_EXPANSION_FLOOR)
        self.positions: dict[JsonPath, tuple[int, int]] = {}
        self.unstorable: list[tuple[JsonPath, str]] = []

    def document(self, index: int, node: yaml.Node) -> ParsedDocument:
        self.positions, self.unstorable = {(): (node.start_mark.line + 1, node.start_mark.column + 1)}, []
        value = self.build(node, ())
        return ParsedDocument(index, value, self.positions, tuple(self.unstorable))

    def _spend(self, cost: int, node: yaml.Node) -> None:
        self.budget -= cost
        if self.budget < 0:
            _refuse_expansion(node)

    def build(self, node: yaml.Node, path: JsonPath) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value = self._scalar(node)
            # Strings are most values: test them first and cheaply.
            if value.__class__ is str:
                if "\0" in value:
                    self.unstorable.append((path, "the value holds a NUL character, which the database cannot store"))
            elif value.__class__ is int or value.__class__ is float:
                self._check_number(value, path)
            return value
        self._spend(1, node)
        if len(path) >= _MAX_DEPTH:
            raise _Refused(f"values are nested more than {_MAX_DEPTH} levels deep", node)
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
        for key_node, value_node, merged in self._entries(node):
            key = self._key(key_node)
            child = (*path, key)
            if key in result:
                if merged:
                    continue  # YAML's merge: a key written in the mapping (or merged earlier) wins
                first_line, first_column = self.positions[child]
                raise _Refused(
                    f"duplicate key {key!r} (first defined at line {first_line}, column {first_column})", key_node
                )
            self.positions[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if "\0" in key:
                self.unstorable.append((child, "the key holds a NUL character, which the database cannot store"))
            result[key] = self.build(value_node, child)
        return result

    def _entries(
        self, node: yaml.MappingNode, merging: tuple[yaml.Node, ...] = ()
    ) -> Iterator[tuple[yaml.Node, yaml.Node, bool]]:
        """A mapping's own entries first, then those of its `<<` merges in order (each flattened the same way),
        so that the first occurrence of a key is the one that counts. `merging`: the mappings merging this one."""
        merged = bool(merging)
        merges: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merges.append(value_node)
            else:
                yield key_node, value_node, merged
        for value_node in merges:
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    raise _Refused("a merge key (<<) takes a mapping or a list of mappings", source)
                if source is node or source in merging:
                    raise _Refused("a mapping merges itself (through <<)", source)
                self._spend(1, source)
                yield from self._entries(source, (*merging, node))

    def _key(self, node: yaml.Node) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise _Refused("mapping keys must be plain scalars", node)
        key = self._scalar(node)
        return key if isinstance(key, str) else str(key).lower() if isinstance(key, bool) else str(key)

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        value = node.value
        self.budget -= len(value) + 1  # _spend, inlined: this runs for every scalar
        if self.budget < 0:
            _refuse_expansion(node)
        tag = node.tag
        if tag == _STR:
            return value
        if tag == _INT:
            return _constructor.construct_yaml_int(node)
        if tag == _BOOL:
            return _constructor.construct_yaml_bool(node)
        if tag == _NULL:
            return None
        if tag == _FLOAT:
            return _constructor.construct_yaml_float(node)
        return node.value  # timestamps and other tags stay as written

    def _check_number(self, value: float, path: JsonPath) -> None:
        if isinstance(value, float):
            if not math.isfinite(value):
                self.unstorable.append(
                    (path, f"{value} is not a finite number: JSON and the database cannot hold .nan or .inf")
                )
        elif value not in _BIGINT:
            self.unstorable.append(
                (path, f"{value} is out of range: the database holds integers from {_BIGINT[0]} to {_BIGINT[-1]}")
            )


def _located_yaml_error(exc: yaml.YAMLError, text: str, path: str) -> Diagnostic:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    if mark is not None and text[mark.index : mark.index + 1] == "\t":
        return error(
            "invalid YAML: a tab character cannot indent YAML; use spaces",
            Location(path, line, column),
            rule=rules.YAML,
        )
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    return error(message, Location(path, line, column), rule=rules.YAML)


def parse_documents(text: str, path: str) -> tuple[list[ParsedDocument], list[Diagnostic]]:
    """Every non-empty document of a file; a YAML error stops the file with one located error."""
    documents: list[ParsedDocument] = []
    loader = _Loader(text)
    builder = _Builder(len(text))
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL):
                index += 1
                continue  # an empty document between separators, as kubectl allows
            documents.append(builder.document(index, node))
            index += 1
    except _Refused as refused:
        return [], [
            error(f"invalid YAML: {refused.message}", Location(path, refused.line, refused.column), rule=rules.YAML)
        ]
    except yaml.YAMLError as exc:
        return [], [_located_yaml_error(exc, text, path)]
    except (ValueError, RecursionError) as exc:  # e.g. an int literal too large, nesting too deep
        return [], [error(f"invalid YAML: {exc}", Location(path), rule=rules.YAML)]
    finally:
        loader.dispose()
    if not documents:
        return [], [error("empty file: it holds no YAML documents", Location(path), rule=rules.YAML)]
    return documents, []

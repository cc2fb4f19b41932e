"""JSON merge patch (RFC 7386), JSON patch (RFC 6902) and a strategic merge patch for the kinds we serve."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

ListKeys = Callable[[tuple[str, ...], list[Any]], "tuple[str, ...] | str | None"]


class PatchError(ValueError):
    """A patch that cannot be applied; the real server answers 422 (or 400 for malformed documents)."""


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _pointer_tokens(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PatchError(f"invalid JSON pointer {pointer!r}")
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


def _resolve_parent(document: Any, tokens: list[str]) -> Any:
    node = document
    for token in tokens[:-1]:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise PatchError(f"path /{'/'.join(tokens)} does not exist")
    return node


def _get(document: Any, tokens: list[str]) -> Any:
    if not tokens:
        return document
    parent = _resolve_parent(document, tokens)
    last = tokens[-1]
    if isinstance(parent, dict) and last in parent:
        return parent[last]
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        return parent[int(last)]
    raise PatchError(f"path /{'/'.join(tokens)} does not exist")


def _add(document: Any, tokens: list[str], value: Any) -> Any:
    if not tokens:
        return value
    parent = _resolve_parent(document, tokens)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-":
            parent.append(value)
        elif last.isdigit() and int(last) <= len(parent):
            parent.insert(int(last), value)
        else:
            raise PatchError(f"index {last} out of range")
    else:
        raise PatchError(f"cannot add to a scalar at /{'/'.join(tokens)}")
    return document


def _remove(document: Any, tokens: list[str]) -> Any:
    if not tokens:
        raise PatchError("cannot remove the whole document")
    parent = _resolve_parent(document, tokens)
    last = tokens[-1]
    if isinstance(parent, dict) and last in parent:
        del parent[last]
    elif isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        del parent[int(last)]
    else:
        raise PatchError(f"unable to remove nonexistent key: /{'/'.join(tokens)}")
    return document


def json_patch(document: Any, operations: Any) -> Any:
    if not isinstance(operations, list):
        raise PatchError("a JSON patch must be a list of operations")
    result = copy.deepcopy(document)
    for operation in operations:
        if not isinstance(operation, dict) or "op" not in operation or "path" not in operation:
            raise PatchError(f"invalid JSON patch operation: {operation!r}")
        op = operation["op"]
        tokens = _pointer_tokens(operation["path"])
        if op == "add":
            result = _add(result, tokens, copy.deepcopy(operation.get("value")))
        elif op == "remove":
            result = _remove(result, tokens)
        elif op == "replace":
            _get(result, tokens)  # replace requires the target to exist
            result = _add(_remove(result, tokens), tokens, copy.deepcopy(operation.get("value")))
        elif op in ("move", "copy"):
            source = _pointer_tokens(operation.get("from", ""))
            value = copy.deepcopy(_get(result, source))
            if op == "move":
                result = _remove(result, source)
            result = _add(result, tokens, value)
        elif op == "test":
            if _get(result, tokens) != operation.get("value"):
                raise PatchError(f"testing value /{'/'.join(tokens)} failed")
        else:
            raise PatchError(f"unknown JSON patch operation {op!r}")
    return result


def _item_key(item: Any, keys: tuple[str, ...]) -> tuple[Any, ...] | None:
    if not isinstance(item, dict) or keys[0] not in item:
        return None
    return tuple(item.get(key) for key in keys if key in item or key == keys[0])


def strategic_merge_patch(target: Any, patch: Any, list_keys: ListKeys, path: tuple[str, ...] = ()) -> Any:
    """Merge patch, except that keyed lists (containers by name, ...) merge item by item, as kubectl expects."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$"):
            continue  # directives like $setElementOrder only order items; order is not semantic here
        if value is None:
            result.pop(key, None)
            continue
        child_path = (*path, key)
        current = result.get(key)
        if isinstance(value, list) and isinstance(current, list):
            result[key] = _merge_lists(current, value, list_keys, child_path)
        else:
            result[key] = strategic_merge_patch(current, value, list_keys, child_path)
    return result


def _merge_lists(current: list[Any], patch: list[Any], list_keys: ListKeys, path: tuple[str, ...]) -> list[Any]:
    kind = list_keys(path, current + patch)
    if kind == "set":
        return current + [item for item in patch if item not in current]
    if not kind or isinstance(kind, str):
        return copy.deepcopy(patch)
    merged = list(current)
    for item in patch:
        key = _item_key(item, kind)
        index = next((i for i, live in enumerate(merged) if key is not None and _item_key(live, kind) == key), None)
        if isinstance(item, dict) and item.get("$patch") == "delete":
            if index is not None:
                del merged[index]
        elif index is None:
            merged.append(copy.deepcopy(item))
        else:
            merged[index] = strategic_merge_patch(merged[index], item, list_keys, path)
    return merged

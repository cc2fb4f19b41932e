"""Reads: get, list with selectors and pages, and where a watch starts."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from typing import Any

from . import errors
from .base import ApiBase, Target
from .errors import ApiError
from .selectors import SelectorError, fields_match, labels_match, parse_field_selector, parse_label_selector
from .store import StoredObject, WatchEvent


def number_param(query: Mapping[str, str], name: str, default: int = 0) -> int:
    """An integer query parameter; the real server answers 400 for one it cannot parse."""
    text = query.get(name) or ""
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise errors.bad_request(f"invalid {name} parameter: {text!r}") from None


class Reads(ApiBase):
    def get(self, target: Target) -> dict[str, Any]:
        assert target.name is not None
        stored = self.store.get(target.key, target.namespace or "", target.name)
        if stored is None:
            raise self._not_found(target, target.name)
        return self._render(stored)

    def matching(self, target: Target, query: Mapping[str, str]) -> list[StoredObject]:
        try:
            labels = parse_label_selector(query.get("labelSelector", ""))
            fields = parse_field_selector(query.get("fieldSelector", ""), target.resource.kind)
        except SelectorError as e:
            raise errors.bad_request(str(e)) from None
        return [
            stored
            for stored in self.store.objects(target.key, target.namespace)
            if labels_match(labels, stored.body["metadata"].get("labels")) and fields_match(fields, stored.body)
        ]

    def selector_predicate(self, target: Target, query: Mapping[str, str]) -> Callable[[dict[str, Any]], bool]:
        try:
            labels = parse_label_selector(query.get("labelSelector", ""))
            fields = parse_field_selector(query.get("fieldSelector", ""), target.resource.kind)
        except SelectorError as e:
            raise errors.bad_request(str(e)) from None

        def predicate(body: dict[str, Any]) -> bool:
            namespace_ok = target.namespace is None or body["metadata"].get("namespace") == target.namespace
            return namespace_ok and labels_match(labels, body["metadata"].get("labels")) and fields_match(fields, body)

        return predicate

    def list_collection(self, target: Target, query: Mapping[str, str]) -> dict[str, Any]:
        rt = target.resource
        items = self.matching(target, query)
        list_resource_version = str(self.store.current_resource_version)
        start_after: tuple[str, str] | None = None
        if token := query.get("continue"):
            try:
                decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
                start_after = (decoded["start"][0], decoded["start"][1])
                list_resource_version = decoded["rv"]
            except (ValueError, KeyError, TypeError):
                raise errors.bad_request("continue key is not valid: the token could not be decoded") from None
            items = [s for s in items if (s.namespace, s.name) > start_after]
        metadata: dict[str, Any] = {"resourceVersion": list_resource_version}
        limit = number_param(query, "limit")
        if limit > 0 and len(items) > limit:
            last = items[limit - 1]
            token_data = {"rv": list_resource_version, "start": [last.namespace, last.name]}
            metadata["continue"] = base64.urlsafe_b64encode(json.dumps(token_data).encode()).decode()
            metadata["remainingItemCount"] = len(items) - limit
            items = items[:limit]
        rendered = []
        for stored in items:
            body = self._render(stored)
            if rt.builtin:
                # Typed lists of built-in kinds carry kind/apiVersion only on the list, not on items.
                body.pop("kind", None)
                body.pop("apiVersion", None)
            rendered.append(body)
        return {"kind": rt.list_kind, "apiVersion": rt.api_version, "metadata": metadata, "items": rendered}

    def events_for_watch(self, target: Target, resource_version: str | None) -> list[WatchEvent]:
        """What a new watch sends first: synthetic ADDED events, or the history after a resourceVersion."""
        if resource_version in (None, "", "0"):
            return [
                WatchEvent(stored.resource_version, "ADDED", target.key, self._render(stored), None)
                for stored in self.store.objects(target.key, target.namespace)
            ]
        try:
            since = int(resource_version or 0)
        except ValueError:
            raise errors.bad_request(f"invalid resource version: {resource_version}") from None
        events = self.store.events_since(target.key, since)
        if events is None:
            raise ApiError(
                410, f"too old resource version: {since} ({self.store.history[0].resource_version})", "Expired"
            )
        return events

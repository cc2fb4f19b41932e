"""HTTP layer: a kmock handler that routes Kubernetes API paths to the emulated API server.

kmock (pinned 0.8) provides the handler lifecycle and the aiohttp server; its own Kubernetes emulator keeps
objects without field ownership, apply, resourceVersion conflicts or selectors, so the API semantics are
ours (api.py) and requests are routed here rather than through kmock's reaction DSL.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import logging
import traceback
from collections.abc import Callable
from typing import Any

import aiohttp.web
import attrs
import kmock
import yaml

from . import admin, deadline, discovery, errors, protobuf
from .api import Api, Target, WriteOptions, default_field_manager
from .errors import ApiError
from .faults import Fault, Faults, RecordedRequest, RequestLog
from .reads import number_param
from .resources import ResourceRegistry, builtin_resource_types, butler_resource_types
from .store import Watcher, WatchEvent

logger = logging.getLogger("tests.kube_emulator")

DEFAULT_WATCH_SECONDS = 1800  # the real server picks 30-60 minutes


@attrs.define(kw_only=True)
class KubeEmulator(kmock.RawHandler):
    """One emulated cluster; EmulatorThread serves it over HTTP in a thread of its own."""

    butler_kinds: bool = True
    admin_api: bool = False  # serve /_emulator/... (standalone: for tests in another process)
    api: Api = attrs.field(init=False)
    faults: Faults = attrs.field(factory=Faults, init=False)
    requests: RequestLog = attrs.field(factory=RequestLog, init=False)
    _stopping: asyncio.Event | None = attrs.field(default=None, init=False)

    def __attrs_post_init__(self) -> None:
        types = builtin_resource_types() + (butler_resource_types() if self.butler_kinds else [])
        self.api = Api(ResourceRegistry(types))

    async def __aenter__(self) -> KubeEmulator:
        self._stopping = asyncio.Event()
        await super().__aenter__()
        return self

    @property
    def stopping(self) -> bool:
        return self._stopping is not None and self._stopping.is_set()

    def release(self) -> None:
        """End hanging requests and open watches (on the event loop), e.g. before stopping."""
        if self._stopping is not None:
            self._stopping.set()
        for watcher in list(self.api.store.watchers):
            watcher.queue.put_nowait(None)

    async def _render_error(self, exc: Exception) -> aiohttp.web.StreamResponse:
        logger.error("internal error: %s", "".join(traceback.format_exception(exc)))
        return _json(500, errors.status_body(500, f"emulator error: {exc!r}", "InternalError"))

    async def __call__(self, raw: aiohttp.web.BaseRequest) -> aiohttp.web.StreamResponse:
        # Replaces kmock's entry point: its Kubernetes path parser (0.8) fails on paths like
        # /api/v1/namespaces, and its request history would keep every body of a long benchmark.
        try:
            allowed, invalid = deadline.timeout_seconds(raw.query), None
        except ApiError as e:
            allowed, invalid = None, e
        try:
            body: bytes | None = await asyncio.wait_for(raw.read(), allowed)
        except TimeoutError:
            body = None  # the head came, its body not in time: the request is never executed
        method = raw.method.upper()
        if self.admin_api and admin.is_admin(raw.path):
            return _json(*admin.handle(method, raw.path, body or b"", self.faults, self.requests))
        # Counted once whole (or timed out): a head whose body never comes is no request.
        self.requests.record(RecordedRequest(method, raw.path, raw.query_string, "dryRun" in raw.query))
        fault = self.faults.take(method, raw.path, raw.query_string)
        if fault is not None:
            logger.info("%s %s?%s -> injected %s", method, raw.path, raw.query_string, fault.action)
            return await self._inject(fault, raw)
        try:
            if invalid is not None:
                raise invalid
            if body is None:
                raise deadline.timed_out()
            response = await self._route(raw, body)
        except ApiError as e:
            response = _json(e.code, e.status())
        except Exception as e:
            response = await self._render_error(e)
        logger.info("%s %s?%s -> %s", method, raw.path, raw.query_string, response.status)
        return response

    async def _inject(self, fault: Fault, raw: aiohttp.web.BaseRequest) -> aiohttp.web.StreamResponse:
        if fault.action == "status":
            reason = errors.REASONS_BY_CODE.get(fault.status, "Unknown")
            message = fault.message or f"injected failure ({fault.status})"
            details = {"retryAfterSeconds": fault.retry_after} if fault.retry_after is not None else None
            response = _json(fault.status, errors.status_body(fault.status, message, reason, details))
            if fault.retry_after is not None:
                response.headers["Retry-After"] = str(fault.retry_after)
            return response
        if fault.action == "hang":
            assert self._stopping is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=fault.hang_seconds)
        if raw.transport is not None:
            raw.transport.abort()
        # The connection is gone; aiohttp discards whatever is returned.
        return aiohttp.web.Response(status=500)

    # ----- routing

    async def _route(self, raw: aiohttp.web.BaseRequest, body: bytes) -> aiohttp.web.StreamResponse:
        method = raw.method.upper()
        segments = [s for s in raw.path.split("/") if s]
        registry = self.api.registry
        if segments == ["version"]:
            return _get_only(method, lambda: discovery.version())
        if segments == ["api"]:
            return _get_only(method, lambda: discovery.core_versions(raw.host))
        if segments == ["apis"]:
            return _get_only(method, lambda: discovery.group_list(registry))
        if segments in (["healthz"], ["livez"], ["readyz"]):
            return aiohttp.web.Response(text="ok")
        if segments[:1] == ["api"] and len(segments) >= 2:
            group, version, rest = "", segments[1], segments[2:]
        elif segments[:1] == ["apis"] and len(segments) == 2:
            found = discovery.group(registry, segments[1])
            if found is None:
                raise errors.page_not_found()
            return _get_only(method, lambda: found)
        elif segments[:1] == ["apis"] and len(segments) >= 3:
            group, version, rest = segments[1], segments[2], segments[3:]
        else:
            raise errors.page_not_found()
        if not rest:
            resource_list = discovery.resource_list(registry, group, version)
            if resource_list is None:
                raise errors.page_not_found()
            return _get_only(method, lambda: resource_list)
        return await self._serve_resource(raw, body, group, version, rest)

    def _target(self, group: str, version: str, rest: list[str]) -> tuple[Target, bool]:
        registry = self.api.registry
        watch_path = rest[0] == "watch"
        if watch_path:
            rest = rest[1:]
        namespace: str | None = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            candidate = registry.get(group, version, rest[2])
            if candidate is not None and candidate.namespaced:
                namespace, rest = rest[1], rest[2:]
        if not rest or len(rest) > 3:
            raise errors.page_not_found()
        resource_type = registry.get(group, version, rest[0])
        if resource_type is None:
            raise errors.page_not_found()
        name = rest[1] if len(rest) >= 2 else None
        subresource = rest[2] if len(rest) == 3 else ""
        if subresource and (subresource != "status" or not resource_type.has_status):
            raise errors.page_not_found()
        if namespace is not None and not resource_type.namespaced:
            raise errors.page_not_found()
        if resource_type.namespaced and namespace is None and name is not None:
            raise errors.page_not_found()
        return Target(resource_type, namespace, name, subresource), watch_path

    async def _serve_resource(
        self, raw: aiohttp.web.BaseRequest, body: bytes, group: str, version: str, rest: list[str]
    ) -> aiohttp.web.StreamResponse:
        method = raw.method.upper()
        query = raw.query
        target, watch_path = self._target(group, version, rest)
        dry_run = _dry_run(query.getall("dryRun", []))
        manager = query.get("fieldManager") or ""
        force = query.get("force", "").lower() in ("true", "1")
        wants_table = "as=Table" in raw.headers.get("Accept", "")
        include = query.get("includeObject", "Metadata")

        if method == "GET":
            if watch_path or query.get("watch", "").lower() in ("1", "true"):
                params = dict(query)
                if target.name is not None:
                    selector = f"metadata.name={target.name}"
                    params["fieldSelector"] = ",".join(filter(None, [params.get("fieldSelector"), selector]))
                    target = Target(target.resource, target.namespace, None)
                return await self._watch(raw, target, params, include if wants_table else "")
            if target.name is None:
                result = self.api.list_collection(target, query)
                return _json(200, _table(result, target, include, list_of=True) if wants_table else result)
            result = self.api.get(target)
            return _json(200, _table(result, target, include) if wants_table else result)

        if method not in ("POST", "PUT", "PATCH", "DELETE"):
            raise errors.method_not_allowed()
        options = WriteOptions(manager or default_field_manager(raw.headers.get("User-Agent", "")), dry_run, force)
        if target.subresource and method not in ("PUT", "PATCH"):
            raise errors.method_not_allowed()
        if method == "POST":
            if target.name is not None or (target.resource.namespaced and target.namespace is None):
                raise errors.method_not_allowed()
            return _json(201, self.api.create(target, _decode(raw, body), options))
        if method == "PUT":
            if target.name is None:
                raise errors.method_not_allowed()
            return _json(200, self.api.replace(target, _decode(raw, body), options))
        if method == "PATCH":
            if target.name is None:
                raise errors.method_not_allowed()
            apply_options = WriteOptions(manager, dry_run, force)
            is_apply = raw.content_type == "application/apply-patch+yaml"
            code, result = self.api.patch(target, body, raw.content_type, apply_options if is_apply else options)
            return _json(code, result)
        # DELETE
        delete_options = _decode(raw, body) if body.strip() else {}
        if not isinstance(delete_options, dict):
            raise errors.bad_request("DeleteOptions must be an object")
        dry_run = dry_run or _dry_run(delete_options.get("dryRun") or [])
        if target.name is None:
            cluster_wide = target.resource.namespaced and target.namespace is None
            if "deletecollection" not in target.resource.verbs or cluster_wide:
                raise errors.method_not_allowed()
            return _json(200, self.api.delete_collection(target, query, dry_run))
        propagation = query.get("propagationPolicy", "")
        return _json(200, self.api.delete(target, delete_options, dry_run, propagation))

    # ----- watch

    async def _watch(
        self, raw: aiohttp.web.BaseRequest, target: Target, query: dict[str, str], table_objects: str
    ) -> aiohttp.web.StreamResponse:
        predicate = self.api.selector_predicate(target, query)
        timeout = number_param(query, "timeoutSeconds", DEFAULT_WATCH_SECONDS)
        watcher = Watcher(target.key)
        # Subscribe before reading the history: both happen without yielding, so no event can slip between.
        self.api.store.watchers.add(watcher)
        try:
            try:
                initial = self.api.events_for_watch(target, query.get("resourceVersion"))
                failure = None
            except ApiError as e:
                if e.code != 410:
                    raise
                initial, failure = [], e  # "too old" arrives as an ERROR event, as from a real server
            response = aiohttp.web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
            response.enable_chunked_encoding()
            await response.prepare(raw)
            if failure is not None:
                await response.write(_line({"type": "ERROR", "object": failure.status()}))
                await response.write_eof()
                return response
            for event in initial:
                if (line := _watch_line(event, predicate, target, table_objects)) is not None:
                    await response.write(line)
            deadline = asyncio.get_running_loop().time() + timeout
            while True:
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0 or raw.transport is None or raw.transport.is_closing() or self.stopping:
                    break
                try:
                    update = await asyncio.wait_for(watcher.queue.get(), timeout=min(remaining, 1.0))
                except TimeoutError:
                    continue  # wake up once a second to notice a client that went away
                if update is None:
                    break  # the emulator is stopping
                if (line := _watch_line(update, predicate, target, table_objects)) is not None:
                    await response.write(line)
            await response.write_eof()
            return response
        except (ConnectionResetError, ConnectionError):
            return aiohttp.web.Response(status=499)
        finally:
            self.api.store.watchers.discard(watcher)


def _watch_line(
    event: WatchEvent, predicate: Callable[[dict[str, Any]], bool], target: Target, table_objects: str
) -> bytes | None:
    """The event a filtered watch sees: objects entering or leaving the selection appear added or deleted."""
    now_matches = predicate(event.body)
    if event.type == "MODIFIED":
        was_matching = event.previous is not None and predicate(event.previous)
        if was_matching and now_matches:
            kind = "MODIFIED"
        elif now_matches:
            kind = "ADDED"
        elif was_matching:
            kind = "DELETED"
        else:
            return None
    elif now_matches:
        kind = event.type
    else:
        return None
    # table_objects is "" for plain JSON, or the includeObject of a Table watch (kubectl get --watch).
    body = _table(event.body, target, table_objects) if table_objects else event.body
    return _line({"type": kind, "object": body})


def _line(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, separators=(",", ":")) + "\n").encode()


def _json(status: int, body: dict[str, Any]) -> aiohttp.web.Response:
    return aiohttp.web.Response(status=status, body=json.dumps(body).encode(), content_type="application/json")


def _get_only(method: str, produce: Callable[[], dict[str, Any]]) -> aiohttp.web.Response:
    if method != "GET":
        raise errors.method_not_allowed()
    return _json(200, produce())


def _dry_run(values: list[str]) -> bool:
    for value in values:
        if value != "All":
            raise errors.bad_request(f'Invalid dry run value: "{value}", supported values are: ["All"]')
    return bool(values)


def _decode(raw: aiohttp.web.BaseRequest, body: bytes) -> Any:
    content_type = raw.content_type
    try:
        if content_type in ("application/yaml", "application/x-yaml", "text/yaml"):
            return yaml.safe_load(body.decode())
        if content_type == "application/vnd.kubernetes.protobuf":
            return protobuf.decode_object(body)
        return json.loads(body or b"null")
    except (ValueError, yaml.YAMLError) as e:
        raise errors.bad_request(f"the body of the request could not be decoded: {e}") from None


def _age(timestamp: str | None) -> str:
    if not timestamp:
        return "<unknown>"
    created = datetime.datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
    seconds = int((datetime.datetime.now(datetime.UTC) - created).total_seconds())
    if seconds < 120:
        return f"{max(seconds, 0)}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h"


_TABLE_COLUMNS = [
    {
        "name": "Name",
        "type": "string",
        "format": "name",
        "priority": 0,
        "description": "Name must be unique within a namespace.",
    },
    {
        "name": "Age",
        "type": "string",
        "format": "",
        "priority": 0,
        "description": "CreationTimestamp is a timestamp representing the server time when this object was created.",
    },
]


def _table(result: dict[str, Any], target: Target, include: str, list_of: bool = False) -> dict[str, Any]:
    """The meta.k8s.io/v1 Table kubectl asks for: Name and Age columns, each row with the object as
    `includeObject` says (Metadata by default, the whole Object, or None)."""
    items = result["items"] if list_of else [result]
    rows = []
    for item in items:
        metadata = item["metadata"]
        row: dict[str, Any] = {"cells": [metadata["name"], _age(metadata.get("creationTimestamp"))]}
        if include == "Object":
            row["object"] = {"apiVersion": target.resource.api_version, "kind": target.resource.kind, **item}
        elif include != "None":
            row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": metadata}
        rows.append(row)
    metadata_out = {"resourceVersion": result["metadata"].get("resourceVersion", "")} if list_of else {}
    if list_of and result["metadata"].get("continue"):
        metadata_out["continue"] = result["metadata"]["continue"]
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata_out,
        "columnDefinitions": _TABLE_COLUMNS,
        "rows": rows,
    }

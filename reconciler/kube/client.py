"""HTTP to one cluster through the official client: JSON in and out, retries with backoff, plain errors.

The typed models of the official client are skipped (we speak in dicts, as we compile them); its
configuration, authentication and connection pool are used as they are.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import urllib3

from reconciler.kube.fenced_send import WriteFence, fence_writes, fenced
from reconciler.settings import DEFAULT_REQUEST_TIMEOUT

if TYPE_CHECKING:  # the client's objects are made by kube.connect: plans and reports need none of it
    import kubernetes

FIELD_MANAGER = "portal"
APPLY_CONTENT_TYPE = "application/apply-patch+yaml"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
LIST_PAGE_SIZE = 500
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FENCED = "not written: this replica may no longer write (its lease could not be renewed)"


class KubeError(Exception):
    """The API server answered with an error status."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message

    def __str__(self) -> str:
        return f"{self.status} {self.reason}: {self.message}"


class Fenced(KubeError):
    """Not sent: the replica may no longer write (its `fence` said no)."""

    def __init__(self) -> None:
        super().__init__(0, "Fenced", FENCED)

    def __str__(self) -> str:
        return self.message


class Unreachable(Exception):
    """The API server could not be reached, even after retries."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 5
    first_delay: float = 0.1
    max_delay: float = 2.0

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        if retry_after and retry_after.isdigit():
            return min(float(retry_after), self.max_delay)
        # Full jitter: concurrent workers that failed together do not retry together.
        return random.uniform(0, min(self.max_delay, self.first_delay * 2**attempt))


class KubeClient:
    """One cluster's API server. Thread-safe: the pool holds one connection per concurrent worker."""

    def __init__(
        self,
        api_client: kubernetes.client.ApiClient,
        retry: RetryPolicy | None = None,
        timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        self.api_client = api_client
        self.retry = retry or RetryPolicy()
        self.timeout = urllib3.Timeout(connect=min(timeout, 5.0), read=timeout)
        # Asked before each write request (each attempt), and again by the connection between the request's head
        # and its body: a daemon replica that lost its lease while in the middle of a cluster — paused, cut off —
        # sends nothing more once it wakes up.
        self.fence: WriteFence | None = None
        fence_writes(api_client.rest_client.pool_manager)

    @property
    def server(self) -> str:
        return str(self.api_client.configuration.host)

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Any = None,
        content_type: str = "application/json",
    ) -> Any:
        """The decoded JSON answer; KubeError for an error status, Unreachable when the server cannot answer."""
        fence = self.fence if method in WRITE_METHODS else None
        if fence is not None and fence.server_timeout is not None:
            query = {**(query or {}), "timeout": _go_duration(fence.server_timeout)}
        url_path = f"{path}?{urlencode(query)}" if query else path
        headers = {"Accept": "application/json", "Content-Type": content_type}
        payload = json.dumps(body, separators=(",", ":")).encode() if body is not None else None
        problem: KubeError | str = ""
        retry_after: str | None = None
        timeouts = 0
        for attempt in range(self.retry.attempts):
            if attempt:
                time.sleep(self.retry.delay(attempt - 1, retry_after))
            if fence is not None and not fence.allows():
                raise Fenced()  # no connection needed to know it
            try:
                _, url, header_params, _, _ = self.api_client.param_serialize(
                    method, url_path, header_params=dict(headers), auth_settings=["BearerToken"]
                )
                with fenced(fence.allows, Fenced()) if fence is not None else nullcontext():
                    response = self.api_client.rest_client.pool_manager.request(
                        method, url, body=payload, headers=header_params, timeout=self.timeout, retries=False
                    )
            except urllib3.exceptions.ReadTimeoutError as exc:
                # A server that accepts and never answers: one more try, not a long series of waits.
                problem, retry_after = _connection_problem(exc), None
                timeouts += 1
                if timeouts >= 2:
                    break
                continue
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                problem, retry_after = _connection_problem(exc), None
                continue
            if response.status in RETRY_STATUSES:
                problem, retry_after = _error(response.status, response.data), response.headers.get("Retry-After")
                continue
            if response.status >= 400:
                raise _error(response.status, response.data)
            try:
                return json.loads(response.data) if response.data else {}
            except ValueError:
                raise KubeError(response.status, "BadResponse", "the server's answer is not JSON") from None
        if isinstance(problem, KubeError):
            problem.message += f" (after {self.retry.attempts} attempts)"
            raise problem
        raise Unreachable(f"{self.server}: {problem}")

    def get(self, path: str) -> dict[str, Any] | None:
        try:
            return self.request("GET", path)
        except KubeError as exc:
            if exc.status == 404:
                return None
            raise

    def list(self, path: str, label_selector: str) -> Iterator[dict[str, Any]]:
        """Every item of a collection matching the selector, page by page."""
        query = {"labelSelector": label_selector, "limit": str(LIST_PAGE_SIZE)}
        while True:
            page = self.request("GET", path, query=query)
            yield from page.get("items") or []
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return
            query = {**query, "continue": token}

    def apply(self, path: str, obj: Mapping[str, Any], *, force: bool, dry_run: bool = False) -> dict[str, Any]:
        query = {"fieldManager": FIELD_MANAGER}
        if force:
            query["force"] = "true"
        if dry_run:
            query["dryRun"] = "All"
        return self.request("PATCH", path, query=query, body=obj, content_type=APPLY_CONTENT_TYPE)

    def delete(self, path: str, uid: str) -> None:
        """Delete exactly the object with this uid: a same-named successor is left alone (409)."""
        body = {
            "apiVersion": "v1",
            "kind": "DeleteOptions",
            "preconditions": {"uid": uid},
            "propagationPolicy": "Background",
        }
        self.request("DELETE", path, body=body)


def object_path(base: str, plural: str, namespace: str, name: str = "") -> str:
    where = f"/namespaces/{quote(namespace, safe='')}" if namespace else ""
    tail = f"/{quote(name, safe='')}" if name else ""
    return f"{base}{where}/{plural}{tail}"


def _go_duration(seconds: float) -> str:
    """A duration as the API server parses it (Go's `time.ParseDuration`), in whole milliseconds, at least one."""
    return f"{max(1, round(seconds * 1000))}ms"


def _error(status: int, data: bytes) -> KubeError:
    try:
        body = json.loads(data)
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    return KubeError(status, str(body.get("reason") or "Error"), str(body.get("message") or f"HTTP {status}"))


def _connection_problem(exc: BaseException) -> str:
    """What went wrong, without the connection object's repr: `Failed to establish ...: Connection refused`."""
    reason = getattr(exc, "reason", None) or exc
    return str(reason).rpartition("): ")[2] or type(exc).__name__

"""The sidecar's routes: the terminal WebSocket, `/healthz`, `/metrics`, the `download` step of Terraform's module
protocol (a 204 with `X-Terraform-Get`, which static files cannot answer), and the built site (with `site`).

Every upgrade is checked in this order, each refusal before the upgrade and audited: a WebSocket request
offering the subprotocol `portal.terminal.v1` (400), an allowed Origin (a missing one is refused too: 403), an
identity (401), the repo's say at the served commit (403, or 404 for a workspace the commit does not declare),
the session caps (429, 503). Then the PTY runs until the client or the program leaves, the client idles or
overstays, its access is revoked by a new commit, or the server shuts down; each way ends the whole process
group.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web
from aiohttp.typedefs import Handler

from reconciler.model.kinds import RepoModel
from sitegen.registry.terraform import module_download_url
from sitegen.terminal.access import decide
from sitegen.terminal.audit import AuditLog
from sitegen.terminal.backend import PtyProcess, render, spawn, uses
from sitegen.terminal.identity import PROTOCOL, Identity, ProxyTrust, Unauthenticated, authenticate, offered_protocols
from sitegen.terminal.lane import AdmissionLane
from sitegen.terminal.limits import Limits, SessionCaps, TokenBucket
from sitegen.terminal.metrics import CONTENT_TYPE, Metrics
from sitegen.terminal.pacing import RefusalPacing
from sitegen.terminal.pods import CONTAINER, POD_NAMESPACE, PodTarget, PodUnavailable
from sitegen.terminal.site import COMMON_HEADERS, site_handler
from sitegen.terminal.spent import MemorySpent, SpentStore, SpentStoreUnavailable, spend

TERMINAL_ROUTE = "/ws/terminal/workspace/{team}/{name}"
MODULE_DOWNLOAD_ROUTE = "/v1/modules/{namespace}/{name}/{system}/{version}/download"
# The variables a session's program inherits from the sidecar: never its signing key or database URL.
INHERITED_ENVIRONMENT = ("PATH", "HOME", "LANG", "LC_ALL", "USER", "LOGNAME", "TZ")
MAX_TERMINAL_SIDE = 1000

# Close codes a client shows (4000–4999 are the application's own).
CLOSE_EXITED = WSCloseCode.OK
CLOSE_SHUTDOWN = WSCloseCode.GOING_AWAY
CLOSE_POLICY = WSCloseCode.POLICY_VIOLATION
CLOSE_TOO_BIG = WSCloseCode.MESSAGE_TOO_BIG
CLOSE_IDLE = 4001
CLOSE_MAX_SESSION = 4002
CLOSE_REVOKED = 4003
CLOSE_UNAVAILABLE = 4004
CLOSE_BACKEND = 4005

# Whom a refusal is paced for (sitegen.terminal.pacing): the user once known, else the peer's address.
REQUESTER = web.RequestKey("portal.terminal.requester", str)

PodFinder = Callable[[RepoModel, str, str], PodTarget]  # (model, team, name) → the pod; blocking


@dataclass(frozen=True, slots=True)
class ServerConfig:
    allowed_origins: frozenset[str]
    template: tuple[str, ...]
    trust: ProxyTrust = field(default_factory=ProxyTrust)
    token_key: bytes | None = None
    limits: Limits = field(default_factory=Limits)
    kubeconfig: str | None = None
    site: Path | None = None


class RepoState:
    """The model of the served commit, replaced as a whole on each reload."""

    def __init__(self, model: RepoModel, commit: str) -> None:
        self.model = model
        self.commit = commit


@dataclass(eq=False)
class Session:
    identity: Identity
    team: str
    name: str
    peer: str | None
    started: float = field(default_factory=time.monotonic)
    last_activity: float = field(default_factory=time.monotonic)
    bytes_in: int = 0
    bytes_out: int = 0
    close_code: int = CLOSE_EXITED
    reason: str = ""
    ended: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def workspace(self) -> str:
        return f"{self.team}/{self.name}"

    def finish(self, code: int, reason: str) -> None:
        """End the session for `reason` (the first reason given wins)."""
        if not self.ended.is_set():
            self.close_code, self.reason = code, reason
            self.ended.set()


class Sidecar:
    """The app's state: configuration, the served commit, the sessions and their accounting."""

    def __init__(
        self,
        config: ServerConfig,
        repo: RepoState,
        *,
        audit: AuditLog | None = None,
        spent: SpentStore | None = None,
        find_pod: PodFinder | None = None,
        environ: Mapping[str, str] = os.environ,
    ) -> None:
        self.config = config
        self.repo = repo
        self.audit = audit or AuditLog()
        self.spent = spent or MemorySpent()
        self.find_pod = find_pod
        self.metrics = Metrics()
        self.caps = SessionCaps(config.limits)
        self.lane = AdmissionLane(config.limits.requests_per_turn)
        self.pacing = RefusalPacing(config.limits.refusals_per_second, config.limits.refusal_burst)
        self.sessions: set[Session] = set()
        self.environment = {k: environ[k] for k in INHERITED_ENVIRONMENT if k in environ}

    def replace_model(self, model: RepoModel, commit: str) -> None:
        """Serve a new commit; sessions of users it no longer allows are ended."""
        self.repo = RepoState(model, commit)
        for session in list(self.sessions):
            decision = decide(model, session.identity.user, session.team, session.name)
            if not decision.allowed:
                session.finish(CLOSE_REVOKED, f"access revoked at {commit}: {decision.reason}")

    def end_all(self, reason: str) -> None:
        for session in list(self.sessions):
            session.finish(CLOSE_SHUTDOWN, reason)

    def refuse(self, status: type[web.HTTPException], reason: str, detail: str, **fields: Any) -> web.HTTPException:
        self.metrics.refused.labels(reason=reason).inc()
        self.audit.write("decision", decision="refused", reason=reason, detail=detail, **fields)
        return status(text=f"{detail}\n", headers=COMMON_HEADERS)

    async def terminal(self, request: web.Request) -> web.StreamResponse:
        team, name = request.match_info["team"], request.match_info["name"]
        where: dict[str, Any] = {"workspace": f"{team}/{name}", "peer": request.remote}
        request[REQUESTER] = f"address {request.remote}"
        socket = web.WebSocketResponse(
            protocols=(PROTOCOL,),
            heartbeat=self.config.limits.ping_interval,
            max_msg_size=self.config.limits.max_frame_bytes,
        )
        protocols = offered_protocols(request.headers.get("Sec-WebSocket-Protocol"))
        # Checked first: aiohttp's handshake logs the offered subprotocols (a token among them) when none is ours.
        if PROTOCOL not in protocols:
            raise self.refuse(
                web.HTTPBadRequest, "protocol", f"the client must offer the subprotocol {PROTOCOL}", **where
            )
        if not socket.can_prepare(request).ok:
            raise self.refuse(web.HTTPBadRequest, "not a websocket", "expected a WebSocket upgrade", **where)
        origin = request.headers.get("Origin")
        if origin is None or origin not in self.config.allowed_origins:
            detail = "the request has no Origin" if origin is None else f"Origin {origin!r} is not allowed"
            raise self.refuse(web.HTTPForbidden, "origin", detail, **where)
        try:
            identity = authenticate(
                request.remote,
                request.headers,
                protocols,
                self.config.trust,
                self.config.token_key,
                f"{team}/{name}",
            )
        except Unauthenticated as exc:
            raise self.refuse(web.HTTPUnauthorized, "unauthenticated", str(exc), **where) from None
        where = {"user": identity.user, "via": identity.via, **where}
        request[REQUESTER] = f"user {identity.user.lower()}"
        if identity.claims is not None:
            try:
                fresh = await spend(self.spent, identity.claims)
            except SpentStoreUnavailable as exc:
                raise self.refuse(web.HTTPServiceUnavailable, "token store", str(exc), **where) from None
            if not fresh:
                raise self.refuse(web.HTTPUnauthorized, "unauthenticated", "token already used", **where)
        model = self.repo.model  # the commit this request is judged by, until its session is registered
        decision = decide(model, identity.user, team, name)
        if not decision.allowed:
            status = web.HTTPNotFound if decision.reason == "no such workspace" else web.HTTPForbidden
            raise self.refuse(status, "forbidden", decision.reason, commit=self.repo.commit, **where)
        cap = self.caps.admit(identity.user)
        if cap is not None:
            status = web.HTTPTooManyRequests if cap.startswith("per-user") else web.HTTPServiceUnavailable
            raise self.refuse(status, "session limit", cap, **where)
        self.audit.write(
            "decision",
            decision="allowed",
            reason="authorised",
            detail=decision.reason,
            commit=self.repo.commit,
            **where,
        )
        try:
            await socket.prepare(request)
            await self._run(socket, Session(identity, team, name, request.remote), model)
        finally:
            self.caps.release(identity.user)
        return socket

    async def _target(self, model: RepoModel, team: str, name: str) -> dict[str, str]:
        """The placeholder values: the pod (looked up only when the template names it) and the cluster's."""
        workspace = model.workspaces[(team, name)]
        cluster = model.clusters.get(workspace.cluster)
        values = {
            "namespace": POD_NAMESPACE,
            "container": CONTAINER,
            "context": (cluster.connection.context if cluster else None) or "",
            "kubeconfig": self.config.kubeconfig or "",
        }
        if uses(self.config.template, "pod"):
            if self.find_pod is None:
                raise PodUnavailable("no cluster access is configured to find the workspace's pod")
            target = await asyncio.to_thread(self.find_pod, model, team, name)
            values.update(pod=target.pod, namespace=target.namespace, container=target.container)
            values["context"] = target.context
        return values

    async def _run(self, socket: web.WebSocketResponse, session: Session, model: RepoModel) -> None:
        try:
            argv = render(self.config.template, await self._target(model, session.team, session.name))
        except PodUnavailable as exc:
            await self._close_early(socket, session, CLOSE_UNAVAILABLE, str(exc))
            return
        environment = {
            **self.environment,
            "TERM": "xterm-256color",
            "PORTAL_WORKSPACE": session.workspace,
            "PORTAL_USER": session.identity.user,
        }
        try:
            pty = await spawn(argv, environment)
        except OSError as exc:
            await self._close_early(socket, session, CLOSE_BACKEND, f"cannot start {argv[0]}: {exc.strerror}")
            return
        self.sessions.add(session)
        if self.repo.model is not model:  # a commit served since the decision: judge the session by it too
            latest = decide(self.repo.model, session.identity.user, session.team, session.name)
            if not latest.allowed:
                session.finish(CLOSE_REVOKED, f"access revoked at {self.repo.commit}: {latest.reason}")
        self.metrics.sessions.inc()
        self.metrics.sessions_open.inc()
        self.audit.write(
            "session_start",
            user=session.identity.user,
            workspace=session.workspace,
            peer=session.peer,
            via=session.identity.via,
            pid=pty.pgid,
        )
        tasks = [
            asyncio.create_task(self._output(socket, pty, session)),
            asyncio.create_task(self._input(socket, pty, session)),
            asyncio.create_task(self._watch_time(session)),
        ]
        try:
            await session.ended.wait()
        finally:
            session.finish(CLOSE_SHUTDOWN, "server stopped")  # a no-op unless this task itself was cancelled
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await pty.end()
            self.sessions.discard(session)
            self.metrics.sessions_open.dec()
            with contextlib.suppress(ConnectionError, RuntimeError):
                await socket.close(code=session.close_code, message=_close_reason(session.reason))
            self.audit.write(
                "session_end",
                user=session.identity.user,
                workspace=session.workspace,
                reason=session.reason,
                code=session.close_code,
                duration=round(time.monotonic() - session.started, 3),
                bytes_in=session.bytes_in,
                bytes_out=session.bytes_out,
            )

    async def _close_early(self, socket: web.WebSocketResponse, session: Session, code: int, reason: str) -> None:
        self.metrics.refused.labels(reason="unavailable").inc()
        self.audit.write("session_refused", user=session.identity.user, workspace=session.workspace, reason=reason)
        with contextlib.suppress(ConnectionError, RuntimeError):
            await socket.send_str(f"\r\n[portal] {reason}\r\n")
            await socket.close(code=code, message=_close_reason(reason))

    async def _output(self, socket: web.WebSocketResponse, pty: PtyProcess, session: Session) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while (data := await pty.read()) is not None:
            session.bytes_out += len(data)
            session.last_activity = time.monotonic()
            self.metrics.bytes_out.inc(len(data))
            try:
                await socket.send_str(decoder.decode(data))
            except ConnectionError:
                session.finish(CLOSE_EXITED, "client went away")
                return
        session.finish(CLOSE_EXITED, "the program exited")

    async def _input(self, socket: web.WebSocketResponse, pty: PtyProcess, session: Session) -> None:
        limits = self.config.limits
        bucket = TokenBucket(limits.input_bytes_per_second, limits.input_burst_bytes)
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                raw = message.data.encode()
            elif message.type == WSMsgType.BINARY:
                raw = message.data
            else:
                break
            session.bytes_in += len(raw)
            session.last_activity = time.monotonic()
            self.metrics.bytes_in.inc(len(raw))
            if not bucket.take(len(raw)):
                session.finish(CLOSE_POLICY, "input rate limit exceeded")
                return
            _apply(pty, raw if message.type == WSMsgType.BINARY else message.data)
        if socket.close_code == CLOSE_TOO_BIG:
            session.finish(CLOSE_TOO_BIG, f"a frame over {limits.max_frame_bytes} bytes")
        else:
            session.finish(CLOSE_EXITED, "client closed")

    async def _watch_time(self, session: Session) -> None:
        limits = self.config.limits
        while True:
            now = time.monotonic()
            idle_left = session.last_activity + limits.idle_timeout - now
            session_left = session.started + limits.max_session - now
            if session_left <= 0:
                session.finish(CLOSE_MAX_SESSION, f"the session reached its maximum of {limits.max_session:g} s")
                return
            if idle_left <= 0:
                session.finish(CLOSE_IDLE, f"idle for {limits.idle_timeout:g} s")
                return
            await asyncio.sleep(min(idle_left, session_left) + 0.01)

    async def module_download(self, request: web.Request) -> web.Response:
        """Where Terraform fetches a module version from, for approved, non-yanked versions of the served commit."""
        wanted = request.match_info
        source = module_download_url(
            self.repo.model, wanted["namespace"], wanted["name"], wanted["system"], wanted["version"]
        )
        if source is None:
            raise web.HTTPNotFound(text="no such module version in the registry\n", headers=COMMON_HEADERS)
        return web.Response(status=204, headers={**COMMON_HEADERS, "X-Terraform-Get": source})

    async def healthz(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "commit": self.repo.commit, "sessions": len(self.sessions)})

    async def metrics_page(self, _request: web.Request) -> web.Response:
        return web.Response(body=self.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE})


def _close_reason(text: str) -> bytes:
    """A close frame's reason: at most 123 bytes of UTF-8, cut between characters."""
    return text.encode()[:123].decode(errors="ignore").encode()


def _apply(pty: PtyProcess, data: str | bytes) -> None:
    """A client frame: `{"type":"data","data":…}` is typed, `{"type":"resize","cols":N,"rows":M}` resizes; any
    other text (not a JSON object) is typed as it is, as the original server did; a malformed message is dropped."""
    if isinstance(data, bytes):
        pty.write(data)
        return
    try:
        message = json.loads(data)
    except ValueError:
        pty.write(data.encode())
        return
    if not isinstance(message, dict):
        pty.write(data.encode())
        return
    kind = message.get("type")
    if kind == "data" and isinstance(message.get("data"), str):
        pty.write(message["data"].encode())
    elif kind == "resize":
        cols, rows = message.get("cols"), message.get("rows")
        if all(type(n) is int and 0 < n <= MAX_TERMINAL_SIDE for n in (cols, rows)):
            pty.resize(cols, rows)


def build_app(sidecar: Sidecar) -> web.Application:
    @web.middleware
    async def admit(request: web.Request, handler: Handler) -> web.StreamResponse:
        # A refusal waits for its requester's turn (sitegen.terminal.pacing), then is answered in its turn of the
        # loop (sitegen.terminal.lane): the open sessions' frames do not come through here, so a flood of refused
        # requests cannot hold them up. An admitted request goes on at once.
        try:
            return await handler(request)
        except web.HTTPException:
            requester = request.get(REQUESTER)
            if requester is not None and await sidecar.pacing.wait(requester):
                sidecar.metrics.refusals_paced.inc()
            await sidecar.lane.enter()
            raise

    app = web.Application(client_max_size=64 * 1024, middlewares=[admit])
    app.router.add_get(TERMINAL_ROUTE, sidecar.terminal)
    app.router.add_get("/healthz", sidecar.healthz)
    app.router.add_get("/metrics", sidecar.metrics_page)
    app.router.add_get(MODULE_DOWNLOAD_ROUTE, sidecar.module_download)
    if sidecar.config.site is not None:
        app.router.add_route("*", "/{tail:.*}", site_handler(sidecar.config.site))

    async def on_shutdown(_app: web.Application) -> None:
        sidecar.end_all("server shutting down")

    app.on_shutdown.append(on_shutdown)
    return app

"""A platform repo with one team's roles spread over two workspaces, and a sidecar serving it in-process."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from reconciler.load.sources import git_commit
from reconciler.model.kinds import RepoModel
from reconciler.validate import validate_source
from sitegen.terminal.app import RepoState, ServerConfig, Sidecar, build_app
from sitegen.terminal.audit import AuditLog
from sitegen.terminal.identity import PROTOCOL, ProxyTrust
from sitegen.terminal.limits import Limits
from tests.foundation.repos import HEADER, KEY, valid_repo
from tests.gitrepo import commit

ORIGIN = "https://portal.example.test"
KEY_BYTES = b"k" * 32
# A harmless local program in place of kubectl exec: a shell whose background sleep shares its process group.
SHELL = ("/bin/sh", "-c", "sleep 300 & exec /bin/sh -i")

OLGA_WORKSPACE = (
    HEADER
    + f"""\
kind: Workspace
metadata:
  name: olga-notes
spec:
  team: payments
  owner: olga@acme.dev
  cluster: dev-eu-1
  image: golang:1.23
  sshPublicKeys: ["{KEY}"]
"""
)


def platform_files(without: tuple[str, ...] = ()) -> dict[str, str]:
    """valid_repo plus olga (a viewer who owns olga-notes); the team members named in `without` are left out."""
    files = valid_repo()
    team = files["teams/payments.yaml"] + "      - {name: olga@acme.dev, role: viewer}\n"
    files["teams/payments.yaml"] = "".join(
        line for line in team.splitlines(keepends=True) if not any(email in line for email in without)
    )
    files["workspaces/olga-notes.yaml"] = OLGA_WORKSPACE
    return files


def load_model(repo: Path, state: Path) -> tuple[RepoModel, str]:
    validation = validate_source(git_commit(str(repo), "HEAD", state), state_dir=state)
    assert not [d for d in validation.diagnostics if str(d.severity) == "error"], validation.diagnostics
    return validation.model, validation.source.commit or ""


def committed_platform(path: Path, files: Mapping[str, str] | None = None) -> Path:
    commit(path, files or platform_files())
    return path


@dataclass
class Harness:
    sidecar: Sidecar
    server: TestServer
    audit_stream: io.StringIO
    client: aiohttp.ClientSession = field(init=False)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def url(self, workspace: str = "payments/alice-ledger") -> str:
        return f"{self.base}/ws/terminal/workspace/{workspace}"

    def audit(self, event: str | None = None) -> list[dict[str, Any]]:
        lines = [json.loads(line) for line in self.audit_stream.getvalue().splitlines()]
        return [line for line in lines if event is None or line["event"] == event]

    async def connect(
        self,
        workspace: str = "payments/alice-ledger",
        *,
        token: str | None = None,
        user: str | None = None,
        origin: str | None = ORIGIN,
        headers: Mapping[str, str] | None = None,
    ) -> aiohttp.ClientWebSocketResponse:
        protocols = [PROTOCOL, *([f"bearer.{token}"] if token else [])]
        sent = dict(headers or {})
        if user is not None:
            sent["X-Forwarded-Email"] = user
        return await self.client.ws_connect(
            self.url(workspace), protocols=protocols, origin=origin, headers=sent, autoping=True
        )


@asynccontextmanager
async def serving(
    model: RepoModel,
    commit_id: str = "c0",
    *,
    template: tuple[str, ...] = SHELL,
    trusted: tuple[str, ...] = ("127.0.0.1/32",),
    limits: Limits | None = None,
    site: Path | None = None,
    secret: str | None = None,
    port: int | None = None,
    origins: tuple[str, ...] = (ORIGIN,),
    **sidecar_options: Any,
) -> AsyncIterator[Harness]:
    from sitegen.terminal.identity import parse_networks

    config = ServerConfig(
        allowed_origins=frozenset(origins),
        template=template,
        trust=ProxyTrust(parse_networks(trusted), secret=secret),
        token_key=KEY_BYTES,
        limits=limits or Limits(),
        site=site,
    )
    stream = io.StringIO()
    sidecar_options.setdefault("environ", {k: v for k, v in os.environ.items() if k in ("PATH", "HOME")})
    sidecar = Sidecar(config, RepoState(model, commit_id), audit=AuditLog(stream), **sidecar_options)
    server = TestServer(build_app(sidecar), host="127.0.0.1", port=port)
    await server.start_server()
    harness = Harness(sidecar, server, stream)
    harness.client = aiohttp.ClientSession()
    try:
        yield harness
    finally:
        await harness.client.close()
        await server.close()


async def read_until(socket: aiohttp.ClientWebSocketResponse, wanted: str, timeout: float = 10.0) -> str:
    """Terminal output until `wanted` appears (AssertionError with what came when it does not)."""
    import asyncio

    seen = ""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while wanted not in seen:
        left = deadline - loop.time()
        assert left > 0, f"{wanted!r} never came; output was {seen!r}"
        try:
            message = await socket.receive(timeout=left)
        except TimeoutError:
            continue
        if message.type != aiohttp.WSMsgType.TEXT:
            raise AssertionError(f"{wanted!r} never came (socket {message.type.name}); output was {seen!r}")
        seen += message.data
    return seen


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of the process group `pgid`."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        state, group = fields[0], int(fields[2])
        if group == pgid and state != "Z":
            members.append(int(entry.name))
    return members


@contextmanager
def sidecar_process(
    arguments: Sequence[str], port: int, environment: Mapping[str, str]
) -> Iterator[subprocess.Popen[str]]:
    """`portal terminal serve --listen 127.0.0.1:PORT ARGUMENTS` in a process of its own, once it listens; ended
    with SIGTERM."""
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "terminal", "serve", "--listen", f"127.0.0.1:{port}", *arguments],
        env=dict(environment),
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            time.sleep(0.2)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)

"""`portal terminal serve`: bad options are usage errors naming the option; a served repo re-read on SIGHUP
ends the sessions of users who lost access."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import pytest

from sitegen.terminal.tokens import KEY_VARIABLE, issue
from tests.conftest import PortalRun
from tests.gitrepo import commit
from tests.ports import free_port
from tests.terminal.builders import ORIGIN, platform_files, read_until, sidecar_process

KEY = "0123456789abcdef0123456789abcdef"
SHELL_TEMPLATE = '["/bin/sh", "-i"]'


@pytest.mark.parametrize(
    ("args", "environment", "message"),
    [
        (("--exec-template", "kubectl exec {pod}"), {KEY_VARIABLE: KEY}, "--exec-template is not JSON"),
        (("--exec-template", '"sh -c x"'), {KEY_VARIABLE: KEY}, "must be a JSON list of strings"),
        (("--exec-template", '["sh", "{podd}"]'), {KEY_VARIABLE: KEY}, "unknown placeholder 'podd'"),
        (("--listen", "8081"), {KEY_VARIABLE: KEY}, "--listen '8081': expected HOST:PORT"),
        (("--trusted-proxy", "10.0.0.0/33"), {KEY_VARIABLE: KEY}, "--trusted-proxy '10.0.0.0/33'"),
        (("--trusted-proxy", "10.0.0.0/8"), {KEY_VARIABLE: KEY}, "needs the shared secret"),
        ((), {}, "nobody could sign in"),
        (("--site", "/nonexistent"), {KEY_VARIABLE: KEY}, "--site /nonexistent: not a directory"),
        (("--idle-timeout", "0"), {KEY_VARIABLE: KEY}, "--idle-timeout must be positive"),
        (("--refusal-burst", "0"), {KEY_VARIABLE: KEY}, "--refusal-burst must be positive"),
        (("--refusal-rate", "-1"), {KEY_VARIABLE: KEY}, "--refusal-rate must be 0 or more"),
        (("--refusal-rate", "nan"), {KEY_VARIABLE: KEY}, "--refusal-rate must be 0 or more"),
        (("--max-session", "inf"), {KEY_VARIABLE: KEY}, "--max-session must be positive"),
        (("--idle-timeout", "nan"), {KEY_VARIABLE: KEY}, "--idle-timeout must be positive"),
    ],
)
def test_serve_bad_options(
    portal: Callable[..., PortalRun],
    monkeypatch: pytest.MonkeyPatch,
    platform_repo: Path,
    args: tuple[str, ...],
    environment: dict[str, str],
    message: str,
) -> None:
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    run = portal("terminal", "serve", "--repo", platform_repo, "--allowed-origin", ORIGIN, *args)
    assert run.code == 2 and message in run.err and "Traceback" not in run.err, run.err


def test_serve_refuses_an_origin_that_is_not_one(portal: Callable[..., PortalRun], platform_repo: Path) -> None:
    run = portal("terminal", "serve", "--repo", platform_repo, "--allowed-origin", "https://portal.example/app")
    assert run.code == 2 and "--allowed-origin 'https://portal.example/app': expected scheme://host" in run.err


@pytest.fixture
def served(
    request: pytest.FixtureRequest, platform_repo: Path, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """`portal terminal serve` of the platform repo; a test's `serve_args` marker adds options."""
    marker = request.node.get_closest_marker("serve_args")
    extra = tuple(marker.args) if marker else ()
    port = free_port()
    environment = {**os.environ, KEY_VARIABLE: KEY, "PORTAL_STATE_DIR": str(tmp_path / "state")}
    environment.pop("PORTAL_DATABASE_URL", None)
    arguments = ("--repo", str(platform_repo), "--allowed-origin", ORIGIN, "--exec-template", SHELL_TEMPLATE, *extra)
    with sidecar_process(arguments, port, environment) as process:
        yield process, port


async def test_sighup_rereads_the_repo_and_ends_sessions_that_lost_access(
    served: tuple[subprocess.Popen[str], int], platform_repo: Path
) -> None:
    process, port = served
    token = issue(KEY.encode(), "bob@acme.dev", "payments/olga-notes", 60)
    url = f"http://127.0.0.1:{port}/ws/terminal/workspace/payments/olga-notes"
    async with aiohttp.ClientSession() as client:
        socket_ = await client.ws_connect(url, protocols=["portal.terminal.v1", f"bearer.{token}"], origin=ORIGIN)
        await socket_.send_str(json.dumps({"type": "data", "data": "echo o''k\n"}))
        await read_until(socket_, "ok")
        commit(platform_repo, platform_files(without=("bob@acme.dev",)), message="bob leaves")
        process.send_signal(signal.SIGHUP)
        while True:
            message = await socket_.receive(timeout=30)
            if message.type != aiohttp.WSMsgType.TEXT:
                break
        assert message.type == aiohttp.WSMsgType.CLOSE and message.data == 4003
        assert "not a member" in message.extra
        health = await (await client.get(f"http://127.0.0.1:{port}/healthz")).json()
        assert health["sessions"] == 0
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    audit = [
        json.loads(line) for line in (process.stderr.read() if process.stderr else "").splitlines() if line[:1] == "{"
    ]
    end = next(line for line in audit if line["event"] == "session_end")
    assert end["user"] == "bob@acme.dev" and end["code"] == 4003
    assert token not in json.dumps(audit)
    await asyncio.sleep(0)


async def test_a_repo_that_cannot_be_read_keeps_the_last_commit_served(
    served: tuple[subprocess.Popen[str], int], platform_repo: Path
) -> None:
    process, port = served
    async with aiohttp.ClientSession() as client:
        before = await (await client.get(f"http://127.0.0.1:{port}/healthz")).json()
        platform_repo.rename(platform_repo.with_name("moved"))
        process.send_signal(signal.SIGHUP)
        await asyncio.sleep(3)
        after = await (await client.get(f"http://127.0.0.1:{port}/healthz")).json()
    assert after["commit"] == before["commit"] and process.poll() is None
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    stderr = process.stderr.read() if process.stderr else ""
    assert f"warning: keeping {before['commit']}" in stderr and "Traceback" not in stderr


def test_serve_names_a_repo_it_cannot_read(
    portal: Callable[..., PortalRun], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(KEY_VARIABLE, KEY)
    run = portal("terminal", "serve", "--repo", tmp_path / "nowhere", "--allowed-origin", ORIGIN)
    assert run.code == 2 and "nowhere" in run.err and "Traceback" not in run.err, run.err


@pytest.mark.serve_args("--refresh-interval", "0.5")
async def test_the_repo_is_reread_on_an_interval(
    served: tuple[subprocess.Popen[str], int], platform_repo: Path
) -> None:
    _, port = served
    token = issue(KEY.encode(), "bob@acme.dev", "payments/olga-notes", 60)
    url = f"http://127.0.0.1:{port}/ws/terminal/workspace/payments/olga-notes"
    async with aiohttp.ClientSession() as client:
        socket_ = await client.ws_connect(url, protocols=["portal.terminal.v1", f"bearer.{token}"], origin=ORIGIN)
        await socket_.send_str(json.dumps({"type": "data", "data": "echo o''k\n"}))
        await read_until(socket_, "ok")
        commit(platform_repo, platform_files(without=("bob@acme.dev",)), message="bob leaves")
        while True:  # no signal: the next re-read finds the commit
            message = await socket_.receive(timeout=30)
            if message.type != aiohttp.WSMsgType.TEXT:
                break
        assert message.type == aiohttp.WSMsgType.CLOSE and message.data == 4003

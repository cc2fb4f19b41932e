"""A session end to end: the wire protocol, resize, and every way a session ends taking its process group."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
from pathlib import Path

import aiohttp

from reconciler.model.kinds import RepoModel
from sitegen.terminal.limits import Limits
from sitegen.terminal.pods import PodTarget, PodUnavailable
from tests.gitrepo import commit
from tests.terminal.builders import group_members, load_model, platform_files, read_until, serving


async def _session_group(harness) -> int:  # type: ignore[no-untyped-def]
    for _ in range(100):
        started = harness.audit("session_start")
        if started:
            return int(started[-1]["pid"])
        await asyncio.sleep(0.05)
    raise AssertionError("no session started")


async def _assert_group_gone(pgid: int) -> None:
    for _ in range(100):
        if not group_members(pgid):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"processes left in group {pgid}: {group_members(pgid)}")


async def test_echo_round_trip_and_resize_reach_the_pty(model: RepoModel) -> None:
    async with serving(model) as harness:
        socket = await harness.connect(user="alice@acme.dev")
        assert socket.protocol == "portal.terminal.v1"
        await socket.send_str(json.dumps({"type": "resize", "cols": 101, "rows": 37}))
        await socket.send_str(json.dumps({"type": "data", "data": "echo h''i\n"}))
        await read_until(socket, "hi\r\n")  # the quotes keep the echoed command line from matching
        await socket.send_str(json.dumps({"type": "data", "data": "stty size\n"}))
        await read_until(socket, "37 101")
        await socket.send_str("echo raw''text\n")  # a frame that is not JSON is typed as it is
        await read_until(socket, "rawtext")
        metrics = await (await harness.client.get(f"{harness.base}/metrics")).text()
        assert "portal_terminal_sessions_open 1.0" in metrics and "portal_terminal_sessions_total 1.0" in metrics
        assert 'portal_terminal_bytes_total{direction="in"}' in metrics
        await socket.close()


async def test_a_client_disconnect_ends_the_whole_process_group(model: RepoModel) -> None:
    async with serving(model) as harness:
        socket = await harness.connect(user="alice@acme.dev")
        pgid = await _session_group(harness)
        for _ in range(100):  # the shell and its background sleep
            if len(group_members(pgid)) == 2:
                break
            await asyncio.sleep(0.05)
        assert len(group_members(pgid)) == 2
        await socket.close()
        await _assert_group_gone(pgid)
        for _ in range(100):
            if harness.audit("session_end"):
                break
            await asyncio.sleep(0.05)
        (end,) = harness.audit("session_end")
        assert end["reason"] == "client closed" and end["user"] == "alice@acme.dev"
        assert end["bytes_in"] == 0 and end["bytes_out"] > 0
        assert harness.sidecar.sessions == set()


async def test_the_program_exiting_closes_the_socket(model: RepoModel) -> None:
    async with serving(model) as harness:
        socket = await harness.connect(user="alice@acme.dev")
        pgid = await _session_group(harness)
        await socket.send_str(json.dumps({"type": "data", "data": "exit\n"}))
        message = await socket.receive(timeout=10)
        while message.type == aiohttp.WSMsgType.TEXT:
            message = await socket.receive(timeout=10)
        assert message.type == aiohttp.WSMsgType.CLOSE and message.data == 1000
        await _assert_group_gone(pgid)


async def _closed_with(socket: aiohttp.ClientWebSocketResponse, timeout: float = 10) -> tuple[int, str]:
    while True:
        message = await socket.receive(timeout=timeout)
        if message.type == aiohttp.WSMsgType.CLOSE:
            return message.data, message.extra or ""
        assert message.type == aiohttp.WSMsgType.TEXT, message


async def test_idle_sessions_end(model: RepoModel) -> None:
    async with serving(model, limits=Limits(idle_timeout=1.0)) as harness:
        socket = await harness.connect(user="alice@acme.dev")
        pgid = await _session_group(harness)
        code, reason = await _closed_with(socket)
        assert code == 4001 and "idle" in reason
        await _assert_group_gone(pgid)


async def test_sessions_end_at_their_maximum_length_however_busy(model: RepoModel) -> None:
    async with serving(model, limits=Limits(max_session=1.5)) as harness:
        socket = await harness.connect(user="alice@acme.dev")
        pgid = await _session_group(harness)
        await socket.send_str(json.dumps({"type": "data", "data": "while :; do echo busy; sleep 0.2; done\n"}))
        code, reason = await _closed_with(socket)
        assert code == 4002 and "maximum" in reason
        await _assert_group_gone(pgid)


async def test_an_oversized_frame_ends_only_its_own_session(model: RepoModel) -> None:
    async with serving(model, limits=Limits(max_frame_bytes=1024)) as harness:
        other = await harness.connect(user="bob@acme.dev")
        socket = await harness.connect(user="alice@acme.dev")
        await asyncio.sleep(0.2)
        pgids = {int(line["pid"]) for line in harness.audit("session_start")}
        await socket.send_str(json.dumps({"type": "data", "data": "x" * 2000}))
        code, _ = await _closed_with(socket)
        assert code == 1009
        for _ in range(100):
            if len(harness.sidecar.sessions) == 1:
                break
            await asyncio.sleep(0.05)
        (survivor,) = harness.sidecar.sessions
        assert survivor.identity.user == "bob@acme.dev"
        await other.send_str(json.dumps({"type": "data", "data": "echo still''here\n"}))
        await read_until(other, "stillhere")
        await other.close()
        for pgid in pgids:
            await _assert_group_gone(pgid)


async def test_input_over_the_rate_limit_ends_the_session(model: RepoModel) -> None:
    limits = Limits(input_bytes_per_second=100, input_burst_bytes=500)
    async with serving(model, limits=limits) as harness:
        socket = await harness.connect(user="alice@acme.dev")
        pgid = await _session_group(harness)
        for _ in range(10):
            await socket.send_str(json.dumps({"type": "data", "data": "#" * 100}))
        code, reason = await _closed_with(socket)
        assert code == 1008 and "rate" in reason
        await _assert_group_gone(pgid)


async def test_access_removed_by_a_new_commit_ends_the_session(
    model: RepoModel, platform_repo: Path, tmp_path: Path
) -> None:
    async with serving(model) as harness:
        bob = await harness.connect(user="bob@acme.dev")
        alice = await harness.connect(user="alice@acme.dev")
        await asyncio.sleep(0.2)
        bob_pgid = next(int(line["pid"]) for line in harness.audit("session_start") if line["user"] == "bob@acme.dev")
        commit(platform_repo, platform_files(without=("bob@acme.dev",)), message="bob leaves")
        new_model, new_commit = load_model(platform_repo, tmp_path / "state")
        harness.sidecar.replace_model(new_model, new_commit)
        code, reason = await _closed_with(bob)
        assert code == 4003 and "not a member" in reason
        await _assert_group_gone(bob_pgid)
        await alice.send_str(json.dumps({"type": "data", "data": "echo a''live\n"}))
        await read_until(alice, "alive")  # alice keeps her access, and her session
        await alice.close()


async def test_server_shutdown_ends_every_session(model: RepoModel) -> None:
    async with serving(model) as harness:
        socket = await harness.connect(user="alice@acme.dev")
        pgid = await _session_group(harness)
        harness.sidecar.end_all("server shutting down")
        code, _ = await _closed_with(socket)
        assert code == 1001
        await _assert_group_gone(pgid)


async def test_the_program_inherits_no_secret_of_the_sidecar(model: RepoModel) -> None:
    environ = {
        "PATH": "/usr/bin:/bin",
        "PORTAL_TERMINAL_TOKEN_KEY": "k" * 32,
        "PORTAL_TERMINAL_PROXY_SECRET": "proxy-secret",
        "PORTAL_DATABASE_URL": "postgresql://portal:hunter2@db/portal",
        "KUBECONFIG": "/root/.kube/config",
    }
    async with serving(model, environ=environ) as harness:
        socket = await harness.connect(user="alice@acme.dev")
        await socket.send_str(json.dumps({"type": "data", "data": "env; echo env''-done\n"}))
        output = await read_until(socket, "env-done")
        assert "PORTAL_WORKSPACE=payments/alice-ledger" in output and "TERM=xterm-256color" in output
        for secret in ("k" * 32, "proxy-secret", "hunter2", "KUBECONFIG"):
            assert secret not in output
        await socket.close()


async def test_a_commit_served_while_a_session_starts_still_judges_it(
    model: RepoModel, platform_repo: Path, tmp_path: Path
) -> None:
    """Between the decision and the session's start the sidecar may serve a new commit; it applies at once."""
    commit(platform_repo, platform_files(without=("bob@acme.dev",)), message="bob leaves")
    new_model, new_commit = load_model(platform_repo, tmp_path / "state")
    async with serving(model) as harness:
        original_target = harness.sidecar._target

        async def target_after_a_reload(*args):  # type: ignore[no-untyped-def]
            harness.sidecar.replace_model(new_model, new_commit)
            return await original_target(*args)

        harness.sidecar._target = target_after_a_reload  # type: ignore[method-assign]
        socket = await harness.connect(user="bob@acme.dev")
        code, reason = await _closed_with(socket)
        assert code == 4003 and "not a member" in reason


async def test_a_program_that_cannot_start_closes_with_a_reason(model: RepoModel) -> None:
    async with serving(model, template=("/nonexistent/kubectl", "exec")) as harness:
        socket = await harness.connect(user="alice@acme.dev")
        code, reason = await _closed_with(socket)
        assert code == 4005 and reason == "cannot start /nonexistent/kubectl: No such file or directory"
        assert harness.audit("session_start") == [] and harness.sidecar.sessions == set()


async def test_a_long_close_reason_is_cut_to_fit_a_close_frame(model: RepoModel) -> None:
    def unavailable(model: RepoModel, team: str, name: str) -> PodTarget:
        raise PodUnavailable("é" * 100)  # 200 bytes of UTF-8; a close frame holds 123

    async with serving(model, template=("/bin/echo", "{pod}"), find_pod=unavailable) as harness:
        socket = await harness.connect(user="alice@acme.dev")
        code, reason = await _closed_with(socket)
        assert code == 4004 and reason == "é" * 61


async def test_the_pty_is_the_program_s_controlling_terminal(model: RepoModel) -> None:
    """Ctrl-C interrupts the foreground program and /dev/tty opens, as in any terminal."""
    async with serving(model) as harness:
        socket = await harness.connect(user="alice@acme.dev")
        await socket.send_str(json.dumps({"type": "data", "data": "echo via''-tty > /dev/tty\n"}))
        await read_until(socket, "via-tty")
        await socket.send_str(json.dumps({"type": "data", "data": "sleep 60\n"}))
        await asyncio.sleep(0.3)
        await socket.send_str(json.dumps({"type": "data", "data": "\x03"}))
        await socket.send_str(json.dumps({"type": "data", "data": "echo inter''rupted\n"}))
        await read_until(socket, "interrupted", timeout=10)  # not after the 60 s sleep
        await socket.close()


async def test_the_program_inherits_no_descriptor_and_no_ignored_signal_of_the_sidecar(model: RepoModel) -> None:
    readable, writable = os.pipe()
    os.set_inheritable(readable, True)  # as a C library might leave one
    try:
        async with serving(model) as harness:
            socket = await harness.connect(user="alice@acme.dev")
            command = (
                "printf 'fds''-are '; ls /proc/self/fd | tr '\\n' ' '; echo fds''-done; "
                "grep SigIgn /proc/self/status; echo all''-done\n"
            )
            await socket.send_str(json.dumps({"type": "data", "data": command}))
            output = await read_until(socket, "all-done")
            listed = output[output.index("fds-are") + len("fds-are") : output.index("fds-done")].split()
            assert str(readable) not in listed and set(listed) <= {"0", "1", "2", "3"}
            ignored = int(re.search(r"SigIgn:\s*([0-9a-f]+)", output)[1], 16)  # type: ignore[index]
            assert not ignored & (1 << (signal.SIGPIPE - 1))
            await socket.close()
    finally:
        os.close(readable)
        os.close(writable)


async def test_a_program_is_looked_up_on_the_path_it_is_given(model: RepoModel) -> None:
    environ = {"PATH": "/nonexistent"}
    async with serving(model, template=("cat",), environ=environ) as harness:
        socket = await harness.connect(user="alice@acme.dev")
        code, reason = await _closed_with(socket)
        assert code == 4005 and reason == "cannot start cat: No such file or directory"
    async with serving(model, template=("cat",), environ={"PATH": "/usr/bin:/bin"}) as harness:
        socket = await harness.connect(user="alice@acme.dev")
        await socket.send_str(json.dumps({"type": "data", "data": "meow\n"}))
        await read_until(socket, "meow\r\nmeow")  # the terminal's echo, then cat's
        await socket.close()

"""[terminal] 50 concurrent sessions each echoing 100 lines through the sidecar (a `cat` on a PTY in place of
kubectl exec): errors, p50/p95 round trip and the sidecar's RSS; then the same sessions during a flood of 1,000
authenticated-but-forbidden upgrade attempts (a team viewer), whose p95 must stay within 1.5× of the run without
the flood. Both runs happen in this run, against one sidecar process.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import psutil

from tests.gitrepo import commit
from tests.terminal.builders import platform_files

SESSIONS = 50
LINES = 100
FLOOD = 1_000
FLOOD_CONCURRENCY = 50
ORIGIN = "https://portal.example.test"
TARGET_RATIO = 1.5


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_sidecar(repo: Path, state: Path, port: int) -> subprocess.Popen[bytes]:
    argv = [
        *(sys.executable, "-m", "reconciler", "terminal", "serve", "--repo", str(repo), "--state-dir", str(state)),
        *("--listen", f"127.0.0.1:{port}", "--allowed-origin", ORIGIN, "--trusted-proxy", "127.0.0.1/32"),
        *("--exec-template", '["/bin/cat"]', "--max-sessions-per-user", str(SESSIONS * 2)),
    ]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    process = subprocess.Popen(argv, env=environment, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("the sidecar did not start") from None
            time.sleep(0.2)
    raise RuntimeError("the sidecar did not listen within 60 s")


async def _session(client: aiohttp.ClientSession, url: str, number: int, times: list[float]) -> int:
    """One session echoing LINES lines; the number of errors."""
    headers = {"X-Forwarded-Email": "alice@acme.dev"}
    try:
        socket_ = await client.ws_connect(url, protocols=["portal.terminal.v1"], origin=ORIGIN, headers=headers)
    except aiohttp.ClientError:
        return LINES
    errors = 0
    buffered = ""
    for line in range(LINES):
        marker = f"s{number}-l{line}-end"
        started = time.perf_counter()
        await socket_.send_str(json.dumps({"type": "data", "data": marker + "\n"}))
        while marker not in buffered:
            message = await socket_.receive(timeout=30)
            if message.type != aiohttp.WSMsgType.TEXT:
                return errors + LINES - line
            buffered += message.data
        times.append(time.perf_counter() - started)
        buffered = buffered[buffered.index(marker) + len(marker) :]
    await socket_.close()
    return errors


async def _sessions(url: str) -> tuple[list[float], int]:
    times: list[float] = []
    async with aiohttp.ClientSession() as client:
        errors = await asyncio.gather(*(_session(client, url, n, times) for n in range(SESSIONS)))
    return times, sum(errors)


async def _flood(url: str) -> dict[int, int]:
    """FLOOD upgrade attempts by a viewer (authenticated, forbidden): status → count."""
    statuses: dict[int, int] = {}
    gate = asyncio.Semaphore(FLOOD_CONCURRENCY)
    headers = {"X-Forwarded-Email": "vic@acme.dev"}

    async def attempt(client: aiohttp.ClientSession) -> None:
        async with gate:
            try:
                socket_ = await client.ws_connect(url, protocols=["portal.terminal.v1"], origin=ORIGIN, headers=headers)
                await socket_.close()
                status = 101
            except aiohttp.WSServerHandshakeError as exc:
                status = exc.status
            except aiohttp.ClientError:
                status = 0
            statuses[status] = statuses.get(status, 0) + 1

    async with aiohttp.ClientSession() as client:
        await asyncio.gather(*(attempt(client) for _ in range(FLOOD)))
    return statuses


async def _flooded(url: str) -> tuple[list[float], int, dict[int, int], float]:
    flood = asyncio.create_task(_flood(url))
    started = time.perf_counter()
    times, errors = await _sessions(url)
    statuses = await flood
    return times, errors, statuses, time.perf_counter() - started


def _p(times: list[float], percent: int) -> float:
    return statistics.quantiles(times, n=100)[percent - 1] * 1000 if len(times) > 1 else float("nan")


def run() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="bench-terminal-") as tmp:
        root = Path(tmp)
        commit(root / "repo", platform_files())
        port = _free_port()
        process = _start_sidecar(root / "repo", root / "state", port)
        url = f"http://127.0.0.1:{port}/ws/terminal/workspace/payments/alice-ledger"
        try:
            quiet, quiet_errors = asyncio.run(_sessions(url))
            rss = psutil.Process(process.pid).memory_info().rss / 2**20
            yield (
                f"{SESSIONS} sessions × {LINES} lines: {quiet_errors} error(s), round trip p50 {_p(quiet, 50):.1f} ms, "
                f"p95 {_p(quiet, 95):.1f} ms; sidecar RSS {rss:.0f} MiB"
            )
            flooded, flood_errors, statuses, _ = asyncio.run(_flooded(url))
            shown = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
            yield (
                f"same, during {FLOOD} forbidden upgrade attempts ({shown}): {flood_errors} error(s), "
                f"p50 {_p(flooded, 50):.1f} ms, p95 {_p(flooded, 95):.1f} ms"
            )
            ratio = _p(flooded, 95) / _p(quiet, 95)
            verdict = "ok" if ratio <= TARGET_RATIO and not quiet_errors + flood_errors else "MISSED"
            yield f"p95 with flood / without: {ratio:.2f}× (target ≤ {TARGET_RATIO}×) {verdict}"
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)

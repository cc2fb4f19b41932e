"""The running daemon: the cycle in a thread of its own, woken by the interval, a webhook, a file change or a
cluster's retry; the webhooks and probes on `--listen`, the metrics on `--metrics-listen`.

SIGTERM (and SIGINT) let the cycle in flight finish — a half-applied commit would wait a whole interval to be
completed — and then the process exits 0.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from reconciler.daemon.cycle import Cycle, Trigger
from reconciler.daemon.health import Readiness
from reconciler.daemon.log import fields
from reconciler.daemon.metrics import DaemonMetrics
from reconciler.daemon.webhooks import MAX_BODY_BYTES, Webhooks

Address = tuple[str, int]


class ListenError(Exception):
    """An address that cannot be listened on (in use, not local): a usage error."""


@dataclass(frozen=True, slots=True)
class Listeners:
    listen: Address | None  # webhooks and probes
    metrics: Address | None


class Daemon:
    def __init__(
        self,
        cycle: Cycle,
        interval: float,
        listeners: Listeners,
        webhooks: Webhooks | None,
        metrics: DaemonMetrics,
        log: logging.Logger,
        watch: Path | None = None,
    ) -> None:
        self.cycle = cycle
        self.interval = interval
        self.listeners = listeners
        self.webhooks = webhooks
        self.metrics = metrics
        self.log = log
        self.watch = watch
        self.readiness = Readiness()
        self.cycles = 0  # turns completed, for those who wait on one
        self.bound: dict[str, Address] = {}  # "listen" / "metrics" → the address actually bound (port 0 resolved)
        self.listening = threading.Event()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._pending: Trigger = "interval"
        self._turned = threading.Condition()
        cycle.coordinator.on_gain(lambda: self.wake("takeover"))

    # ----- control, from any thread

    def wake(self, trigger: Trigger = "webhook") -> None:
        """Ask for a cycle now; wakes arriving before it starts make one cycle."""
        self._pending = trigger
        self._wake.set()

    def request_stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def wait_for_cycles(self, count: int, timeout: float) -> bool:
        """Block until `count` cycles have completed since start; False on timeout."""
        with self._turned:
            return self._turned.wait_for(lambda: self.cycles >= count, timeout)

    # ----- the cycle's thread

    def _loop(self) -> None:
        trigger: Trigger = "start"
        while not self._stop.is_set():
            try:
                if self.cycle.run(trigger).succeeded:
                    self.readiness.mark_ready()
            except Exception as exc:  # a bug in one cycle must not stop the clusters being kept at the commit
                self.metrics.error("internal")
                self.log.exception("the cycle failed: %s: %s", type(exc).__name__, exc)
            with self._turned:
                self.cycles += 1
                self._turned.notify_all()
            retry = self.cycle.backoff.next_retry_in()
            timeout = self.interval if retry is None else min(self.interval, retry)
            woken = self._wake.wait(timeout)
            if self._stop.is_set():
                break
            self._wake.clear()
            trigger = self._pending if woken else ("retry" if timeout < self.interval else "interval")
        self.log.info("stopped")

    # ----- serving

    def _apps(self) -> dict[str, web.Application]:
        apps: dict[str, web.Application] = {}
        if self.listeners.listen is not None:
            main = web.Application(client_max_size=MAX_BODY_BYTES)
            main.add_routes(self.readiness.routes())
            if self.webhooks is not None:
                main.add_routes(self.webhooks.routes())
            apps["listen"] = main
        if self.listeners.metrics is not None:
            metrics = web.Application()
            metrics.add_routes([web.get("/metrics", self.metrics.handle)])
            apps["metrics"] = metrics
        return apps

    async def serve(self, handle_signals: bool = True) -> None:
        """Serve until stopped (SIGTERM, SIGINT or `request_stop`), the cycle in flight finished."""
        if handle_signals:
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, self._on_signal, signum)
        runners: list[web.AppRunner] = []
        try:
            for name, app in self._apps().items():
                address = self.listeners.listen if name == "listen" else self.listeners.metrics
                assert address is not None
                runner = web.AppRunner(app, access_log=None, handle_signals=False)
                await runner.setup()
                runners.append(runner)
                try:
                    await web.TCPSite(runner, address[0], address[1]).start()
                except OSError as exc:
                    raise ListenError(f"cannot listen on {address[0]}:{address[1]}: {exc.strerror or exc}") from None
                host, port = runner.addresses[0][:2]
                self.bound[name] = (host, port)
                self.log.info("serving %s on http://%s:%d", name, host, port, extra=fields(listener=name, port=port))
            self.listening.set()
            watcher = None
            if self.watch is not None:
                from reconciler.daemon.watch import watch_tree  # watchfiles, for --watch alone

                watcher = threading.Thread(
                    target=watch_tree, args=(self.watch, lambda: self.wake("watch"), self._stop), daemon=True
                )
                watcher.start()
            await asyncio.to_thread(self._loop)
            if watcher is not None:
                watcher.join(timeout=5)
        finally:
            self.listening.set()
            for runner in runners:
                await runner.cleanup()

    def _on_signal(self, signum: int) -> None:
        self.log.info("%s: finishing the step in flight", signal.Signals(signum).name)
        self.request_stop()

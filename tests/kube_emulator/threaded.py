"""Run an emulator on its own event loop in a background thread, for synchronous tests and clients."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import aiohttp.test_utils
import aiohttp.web
import kmock

from .api import Api
from .faults import Faults, RequestLog
from .server import KubeEmulator

T = TypeVar("T")

# aiohttp waits up to 60 s for requests in flight when a server stops; a test's teardown should not.
SHUTDOWN_SECONDS = 1.0


class EmulatorServer(kmock.Server):
    """kmock's server without its DNS interceptor.

    The interceptor patches aiohttp's resolver process-wide and must be exited in LIFO order; emulators
    run in their own threads and stop in any order, and their clients (urllib3, kubectl) never use
    aiohttp's resolver anyway.
    """

    async def __aenter__(self) -> EmulatorServer:
        if self._managed_server is not None:
            raise RuntimeError("The server can be started/entered only once.")
        self._managed_server = self._server_cls(self.handler, host=self._host, port=self._port)
        await self._managed_server.__aenter__()
        self.handler.servers.append(self)
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        self.handler.servers.remove(self)
        if self._managed_server is not None:
            await self._managed_server.__aexit__(*exc_info)
            self._managed_server = None


class QuicklyStoppingServer(aiohttp.test_utils.RawTestServer):
    async def _make_runner(self, debug: bool = True, **kwargs: Any) -> aiohttp.web.ServerRunner:
        server = aiohttp.web.Server(self._handler, loop=self._loop, debug=debug, **kwargs)
        return aiohttp.web.ServerRunner(server, debug=debug, shutdown_timeout=SHUTDOWN_SECONDS, **kwargs)


class EmulatorThread:
    """One emulated cluster served on `host:port` (0: a free port) until `stop()`.

    `url`, `faults` and `requests` are safe to use from any thread; `call(fn)` runs `fn(api)` on the
    emulator's loop for direct inspection of the store.
    """

    def __init__(
        self,
        name: str = "emulator",
        host: str = "127.0.0.1",
        port: int = 0,
        butler_kinds: bool = True,
        admin_api: bool = False,
    ):
        self.name = name
        self._host = host
        self._port = port
        self.emulator = KubeEmulator(butler_kinds=butler_kinds, admin_api=admin_api)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._url: str | None = None
        self._failure: BaseException | None = None

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("the emulator is not running")
        return self._url

    @property
    def faults(self) -> Faults:
        return self.emulator.faults

    @property
    def requests(self) -> RequestLog:
        return self.emulator.requests

    def start(self, timeout: float = 10.0) -> EmulatorThread:
        self._thread = threading.Thread(target=self._run, name=f"kube-emulator-{self.name}", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError(f"emulator {self.name} did not start within {timeout}s")
        if self._failure is not None:
            raise RuntimeError(f"emulator {self.name} failed to start") from self._failure
        return self

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException as e:  # reported by start() or stop() instead of dying silently in the thread
            self._failure = e
            self._ready.set()
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        server_options: dict[str, Any] = {"host": self._host, "port": self._port or None}
        async with (
            self.emulator,
            EmulatorServer(self.emulator, server_cls=QuicklyStoppingServer, **server_options) as server,
        ):
            self._url = f"http://{server.host}:{server.port}"
            self._ready.set()
            await self._stop.wait()
            self.emulator.release()
            await asyncio.sleep(0)  # let released watches and hung requests finish

    def call(self, function: Callable[[Api], T], timeout: float = 10.0) -> T:
        """Run `function(api)` on the emulator's loop and return its result."""
        if self._loop is None:
            raise RuntimeError("the emulator is not running")

        async def run() -> T:
            return function(self.emulator.api)

        future: concurrent.futures.Future[T] = asyncio.run_coroutine_threadsafe(run(), self._loop)
        return future.result(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise RuntimeError(f"emulator {self.name} did not stop within {timeout}s")
        self._url = None
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise RuntimeError(f"emulator {self.name} failed") from failure

    def __enter__(self) -> EmulatorThread:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

"""`/healthz` (the process serves) and `/readyz` (a cycle has succeeded since it started), as Kubernetes probes
expect them."""

from __future__ import annotations

import threading

from aiohttp import web


class Readiness:
    def __init__(self) -> None:
        self._ready = threading.Event()

    def mark_ready(self) -> None:
        self._ready.set()

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/healthz", self._healthz), web.get("/readyz", self._readyz)]

    async def _healthz(self, _request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def _readyz(self, _request: web.Request) -> web.Response:
        if self.ready:
            return web.Response(text="ready\n")
        return web.Response(status=503, text="not ready: no cycle has succeeded yet\n")

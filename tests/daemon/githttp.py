"""A real git server over HTTP for tests: `git http-backend` behind an aiohttp server that asks for a token
(HTTP basic authentication), in a background thread."""

from __future__ import annotations

import asyncio
import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiohttp import web

from reconciler.daemon.source import TOKEN_USER


def _authorized(request: web.Request, token: str) -> bool:
    expected = "Basic " + base64.b64encode(f"{TOKEN_USER}:{token}".encode()).decode()
    return request.headers.get("Authorization") == expected


def _app(root: Path, token: str) -> web.Application:
    async def backend(request: web.Request) -> web.StreamResponse:
        if not _authorized(request, token):
            return web.Response(status=401, headers={"WWW-Authenticate": 'Basic realm="git"'})
        environ = {
            "GIT_PROJECT_ROOT": str(root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": request.path,
            "QUERY_STRING": request.query_string,
            "REQUEST_METHOD": request.method,
            "CONTENT_TYPE": request.headers.get("Content-Type", ""),
            "REMOTE_USER": TOKEN_USER,
        }
        git = await asyncio.create_subprocess_exec(
            "git", "http-backend", env=environ, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
        )
        out, _ = await git.communicate(await request.read())
        head, _, body = out.partition(b"\r\n\r\n")
        response = web.Response(body=body)
        for line in head.decode().split("\r\n"):
            name, _, value = line.partition(": ")
            if name.lower() == "status":
                response.set_status(int(value.split()[0]))
            elif name:
                response.headers[name] = value
        return response

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", backend)
    return app


@contextmanager
def git_http_server(root: Path, token: str) -> Iterator[str]:
    """Serve the repositories under `root`; yields the base URL."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(_app(root, token))
    ready = threading.Event()
    ports: list[int] = []

    async def start() -> None:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        ports.append(runner.addresses[0][1])
        ready.set()

    thread = threading.Thread(target=lambda: (loop.run_until_complete(start()), loop.run_forever()), daemon=True)
    thread.start()
    assert ready.wait(30)
    try:
        yield f"http://127.0.0.1:{ports[0]}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)

"""A real SSH server for git, in a background thread: asyncssh, serving `git-upload-pack` of local repositories
to one authorized client key."""

from __future__ import annotations

import asyncio
import shlex
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncssh


@dataclass(frozen=True)
class SshServer:
    port: int
    host_key: asyncssh.SSHKey

    def known_hosts_line(self, key: asyncssh.SSHKey | None = None) -> str:
        public = (key or self.host_key).export_public_key("openssh").decode().split()[:2]
        return f"[127.0.0.1]:{self.port} {' '.join(public)}\n"

    def url(self, repo: Path) -> str:
        return f"ssh://git@127.0.0.1:{self.port}{repo}"


async def _upload_pack(process: asyncssh.SSHServerProcess) -> None:
    verb, *args = shlex.split(process.command or "")
    if verb != "git-upload-pack" or len(args) != 1:
        process.exit(1)
        return
    git = await asyncio.create_subprocess_exec(
        "git",
        "upload-pack",
        args[0],
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    await process.redirect(stdin=git.stdin, stdout=git.stdout, stderr=git.stderr)
    process.exit(await git.wait())


@contextmanager
def ssh_server(client_key: asyncssh.SSHKey) -> Iterator[SshServer]:
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    loop = asyncio.new_event_loop()
    started: list[asyncssh.SSHAcceptor] = []
    ready = threading.Event()

    async def start() -> None:
        acceptor = await asyncssh.create_server(
            asyncssh.SSHServer,
            "127.0.0.1",
            0,
            server_host_keys=[host_key],
            authorized_client_keys=asyncssh.import_authorized_keys(client_key.export_public_key("openssh").decode()),
            process_factory=_upload_pack,
            encoding=None,
        )
        started.append(acceptor)
        ready.set()

    thread = threading.Thread(target=lambda: (loop.run_until_complete(start()), loop.run_forever()), daemon=True)
    thread.start()
    assert ready.wait(30)
    try:
        yield SshServer(started[0].sockets[0].getsockname()[1], host_key)
    finally:
        loop.call_soon_threadsafe(started[0].close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)

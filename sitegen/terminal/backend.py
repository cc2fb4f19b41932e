"""The PTY a session runs: an argv template (never a shell string) started in a process group of its own, and
ended with its whole group, so no process outlives its session however it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import json
import os
import shutil
import signal
import struct
import termios
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

PLACEHOLDERS = ("pod", "namespace", "container", "context", "kubeconfig")
DEFAULT_TEMPLATE = (
    *("kubectl", "--kubeconfig", "{kubeconfig}", "--context", "{context}"),
    *("exec", "-it", "-n", "{namespace}", "{pod}", "-c", "{container}", "--", "/bin/bash"),
)
READ_CHUNK = 65536
KILL_GRACE_SECONDS = 2.0
# Python ignores SIGPIPE and SIGXFSZ; the program gets their defaults back, as Popen's restore_signals gives them.
RESTORED_SIGNALS = (signal.SIGPIPE, signal.SIGXFSZ)


class TemplateError(ValueError):
    """An --exec-template that is not a JSON list of strings, or names an unknown placeholder."""


def parse_template(text: str) -> tuple[str, ...]:
    try:
        argv = json.loads(text)
    except ValueError as exc:
        raise TemplateError(f"--exec-template is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
        raise TemplateError("--exec-template must be a JSON list of strings, the program first (no shell)")
    for arg in argv:
        try:
            arg.format_map({name: "" for name in PLACEHOLDERS})
        except (KeyError, IndexError, ValueError) as exc:
            raise TemplateError(
                f"--exec-template argument {arg!r}: unknown placeholder {exc} (known: {', '.join(PLACEHOLDERS)})"
            ) from None
    return tuple(argv)


def uses(template: Sequence[str], placeholder: str) -> bool:
    return any("{" + placeholder + "}" in arg for arg in template)


def render(template: Sequence[str], values: Mapping[str, str]) -> list[str]:
    """Each argument with its placeholders filled; a value is one argument, whatever characters it holds."""
    return [arg.format_map({name: values.get(name, "") for name in PLACEHOLDERS}) for arg in template]


@dataclass(eq=False)
class PtyProcess:
    pid: int  # the leader of a session of its own, so also its process group's id
    master: int
    exited: asyncio.Future[None]

    @property
    def pgid(self) -> int:
        return self.pid

    def resize(self, cols: int, rows: int) -> None:
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self.master, view) :]
            except BlockingIOError:
                break  # a full PTY buffer: the program is not reading; drop rather than block every session

    async def read(self) -> bytes | None:
        """The next output, or None once the terminal is closed (the program exited)."""
        loop = asyncio.get_running_loop()
        while True:
            try:
                data = os.read(self.master, READ_CHUNK)
            except BlockingIOError:
                readable = loop.create_future()
                loop.add_reader(self.master, readable.set_result, None)
                try:
                    await readable
                finally:
                    loop.remove_reader(self.master)
                continue
            except OSError:  # EIO: every slave end is closed
                return None
            return data or None

    async def end(self) -> None:
        """Hang up the whole group, kill what is left after a short grace, reap the leader, close the PTY."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, signal.SIGHUP)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self.exited), KILL_GRACE_SECONDS)
        # Whether or not the leader left, what it started in its group may not have.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, signal.SIGKILL)
        await self.exited
        with contextlib.suppress(OSError):
            os.close(self.master)


async def spawn(argv: Sequence[str], env: Mapping[str, str], cols: int = 80, rows: int = 24) -> PtyProcess:
    """Start `argv` on a new PTY as the leader of a new session (and so of its own process group), with the
    PTY as its controlling terminal. OSError when the program cannot be started.

    posix_spawn starts it without copying the sidecar's memory (a fork with a pre-exec hook took milliseconds,
    with the event loop and every open session waiting). The program is looked up on the PATH of `env`."""
    program = _program(argv[0], env.get("PATH", os.defpath))
    loop = asyncio.get_running_loop()
    master, slave = os.openpty()
    try:
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        os.set_blocking(master, False)
        _close_on_exec_all()
        pid = os.posix_spawn(
            program,
            list(argv),
            dict(env),
            # Opened after setsid, without O_NOCTTY: the PTY becomes the new session's controlling terminal.
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.ttyname(slave), os.O_RDWR, 0),
                (os.POSIX_SPAWN_DUP2, 0, 1),
                (os.POSIX_SPAWN_DUP2, 0, 2),
            ],
            setsid=True,
            setsigdef=RESTORED_SIGNALS,
        )
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)
    try:
        exited = _exit_of(loop, pid)
    except OSError:  # no pidfd (a kernel before 5.3): end the program rather than leave it unwatched
        os.killpg(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(master)
        raise
    return PtyProcess(pid, master, exited)


def _program(name: str, path: str) -> str:
    """The file `name` names: itself when it has a slash, else the first match on `path` (as execvp would)."""
    if "/" in name:
        return name
    found = shutil.which(name, path=path)
    if found is None:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), name)
    return found


def _close_on_exec_all() -> None:
    """Unlike Popen, posix_spawn closes no descriptor: make sure the program inherits none of the sidecar's (Python
    opens none inheritable, but a C library might)."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2:
            with contextlib.suppress(OSError):  # closed meanwhile, as the listing's own descriptor is
                if os.get_inheritable(fd):
                    os.set_inheritable(fd, False)


def _exit_of(loop: asyncio.AbstractEventLoop, pid: int) -> asyncio.Future[None]:
    """A future done once `pid` has exited and been reaped, watched through a pidfd on the event loop."""
    exited: asyncio.Future[None] = loop.create_future()
    pidfd = os.pidfd_open(pid)

    def reap() -> None:
        if os.waitpid(pid, os.WNOHANG) == (0, 0):
            return
        loop.remove_reader(pidfd)
        os.close(pidfd)
        exited.set_result(None)

    loop.add_reader(pidfd, reap)
    return exited

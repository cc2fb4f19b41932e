"""The PTY a session runs: an argv template (never a shell string) started in a process group of its own, and
ended with its whole group, so no process outlives its session however it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
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


@dataclass
class PtyProcess:
    process: asyncio.subprocess.Process
    master: int

    @property
    def pgid(self) -> int:
        return self.process.pid  # a session leader: its pid is its group's id

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
        """Hang up the whole group, kill what is left after a short grace, reap the child, close the PTY."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, signal.SIGHUP)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.process.wait(), KILL_GRACE_SECONDS)
        # Whether or not the leader left, what it started in its group may not have.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, signal.SIGKILL)
        await self.process.wait()
        with contextlib.suppress(OSError):
            os.close(self.master)


async def spawn(argv: Sequence[str], env: Mapping[str, str], cols: int = 80, rows: int = 24) -> PtyProcess:
    """Start `argv` on a new PTY as the leader of a new session (and so of its own process group), with the
    PTY as its controlling terminal. OSError when the program cannot be started."""
    master, slave = os.openpty()
    try:
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        os.set_blocking(master, False)
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=dict(env),
            start_new_session=True,
            preexec_fn=_take_controlling_terminal,
        )
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)
    return PtyProcess(process, master)


def _take_controlling_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)

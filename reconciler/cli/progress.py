"""What a reconcile says on stderr while it runs (never on stdout, which may carry `--format json`).

On a terminal: its steps, and what --wait still waits for as one status line rewritten in place after every
poll. Anywhere else (a CI log): no steps, and one line per change in what --wait waits for.
"""

from __future__ import annotations

import io
import os
import shutil
import threading
from typing import TextIO

from reconciler.kube.cluster_reconcile import Progress
from reconciler.kube.health import WaitStatus
from reconciler.kube.report import wait_changes, wait_summary

_REWRITE = "\r\x1b[K"  # back to the line's start, then erase it


class _Stderr:
    """One stream shared by every cluster's thread: a lock keeps their lines whole."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._terminal = stream.isatty()
        self._lock = threading.Lock()
        self._waits: dict[str, WaitStatus] = {}  # the clusters still waiting, and where they stand
        self._status_shown = False

    def step(self, line: str) -> None:
        if self._terminal:
            with self._lock:
                self._print(line)

    def waiting(self, cluster: str, status: WaitStatus) -> None:
        with self._lock:
            before = self._waits.pop(cluster, None)
            if not status.done:
                self._waits[cluster] = status
            if not self._terminal:
                for line in wait_changes(cluster, before, status):
                    self._stream.write(line + "\n")
                self._stream.flush()
            elif status.done:
                self._print(wait_summary(cluster, status))
            else:
                self._draw()

    def _print(self, line: str) -> None:
        """A line that stays, above the status line."""
        if self._status_shown:
            self._stream.write(_REWRITE)
            self._status_shown = False
        self._stream.write(line + "\n")
        self._draw()

    def _width(self) -> int:
        """The columns of the terminal the stream is (a terminal that does not say: as the environment says)."""
        try:
            columns = os.get_terminal_size(self._stream.fileno()).columns
        except (OSError, ValueError, io.UnsupportedOperation):
            columns = 0
        return columns or shutil.get_terminal_size().columns

    def _draw(self) -> None:
        if self._waits:
            width = self._width()
            line = " | ".join(wait_summary(c, s) for c, s in sorted(self._waits.items()))
            self._stream.write(_REWRITE + (line if len(line) < width else line[: width - 2] + "…"))
            self._status_shown = True
        elif self._status_shown:
            self._stream.write(_REWRITE)
            self._status_shown = False
        self._stream.flush()


def stderr_progress(stream: TextIO) -> Progress:
    sink = _Stderr(stream)
    return Progress(step=sink.step, waiting=sink.waiting)

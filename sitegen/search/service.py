"""Pagefind's service mode (`pagefind --service`), the protocol its own Python and Node packages speak: requests
and responses as base64-encoded JSON, each followed by a comma. The `pagefind` package's client cannot take the
index back in memory (it reads a response of at most 2 MiB, and the index of a large catalog is several), so the
few requests a build makes are sent here, one at a time."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import Any

from pagefind_bin import get_executable


class ServiceError(Exception):
    pass


def _lower_priority() -> list[str]:
    """Pagefind runs beside MkDocs, and the pages come first: at a lower priority it takes the CPU MkDocs leaves."""
    nice = shutil.which("nice")
    return [nice, "-n", "10"] if nice else []


class PagefindService:
    def __init__(self) -> None:
        executable = get_executable()
        if not os.access(executable, os.X_OK):
            raise ServiceError(f"cannot run Pagefind: {executable} is not an executable file")
        # Its diagnostics go to a file, not a pipe: a full pipe nobody reads would stall it.
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115  (closed by close)
        try:
            self._process = subprocess.Popen(
                [*_lower_priority(), str(executable), "--service"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._errors,
            )
        except OSError as exc:
            self._errors.close()
            raise ServiceError(f"cannot run Pagefind: {exc.strerror or exc}") from None
        self._pending = b""
        self._last_id = 0

    def request(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Send one request and wait for its response's payload; ServiceError when Pagefind answers with an error
        or stops."""
        assert self._process.stdin is not None and self._process.stdout is not None
        self._last_id += 1
        message = json.dumps({"message_id": self._last_id, "payload": payload}).encode()
        try:
            self._process.stdin.write(base64.b64encode(message) + b",")
            self._process.stdin.flush()
        except OSError:
            raise self._stopped() from None
        answer = json.loads(base64.b64decode(self._receive()))["payload"]
        if answer.get("type") == "Error":
            raise ServiceError(f"Pagefind: {answer.get('message')}")
        return answer

    def _receive(self) -> bytes:
        """The next response, as sent: read in parts (the index is megabytes), joined once."""
        assert self._process.stdout is not None
        parts = []
        pending = self._pending
        while b"," not in pending:
            parts.append(pending)
            pending = self._process.stdout.read1(1 << 20)
            if not pending:
                raise self._stopped()
        last, _, self._pending = pending.partition(b",")
        parts.append(last)
        return b"".join(parts)

    def _stopped(self) -> ServiceError:
        code = self._process.wait()
        self._errors.seek(0)
        said = self._errors.read().decode("utf-8", "replace").strip()
        return ServiceError(f"Pagefind stopped (exit {code}){': ' + said if said else ''}")

    def kill(self) -> None:
        """Stop the service at once: a request waiting for it fails."""
        if self._process.poll() is None:
            self._process.kill()

    def close(self) -> None:
        self.kill()
        self._process.wait()
        for pipe in (self._process.stdin, self._process.stdout):
            if pipe is not None:
                with suppress(OSError):  # a request it never read, flushed into a closed pipe
                    pipe.close()
        self._errors.close()


def new_index(service: PagefindService) -> int:
    return int(service.request({"type": "NewIndex", "config": None})["index_id"])


def add_folder(service: PagefindService, index_id: int, folder: Path) -> None:
    """Index the HTML files in `folder`, as `pagefind --site folder` does."""
    service.request({"type": "AddDir", "index_id": index_id, "path": str(folder), "glob": None})


def add_document(service: PagefindService, index_id: int, url: str, html: str) -> None:
    """Index `html` as the page at `url`, in place of what was indexed there before."""
    service.request({"type": "AddFile", "index_id": index_id, "url": url, "file_path": None, "file_contents": html})


def bundle_files(service: PagefindService, index_id: int) -> dict[str, bytes]:
    """The search bundle of the index, as `pagefind` writes it: its files by path."""
    files = service.request({"type": "GetFiles", "index_id": index_id})["files"]
    return {file["path"]: base64.b64decode(file["content"]) for file in files}

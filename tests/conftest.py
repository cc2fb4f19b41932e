"""Fixtures every test tier shares: running `portal` in-process and writing repos to disk."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from reconciler.cli import main

REPO_ROOT = Path(__file__).resolve().parent.parent
UPSTREAM = REPO_ROOT.parent / "shared" / "upstream"


@dataclass(frozen=True)
class PortalRun:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


def run_portal_in_process(*args: str | os.PathLike[str]) -> PortalRun:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exit_:  # argparse usage errors and --help
            code = int(exit_.code or 0)
    return PortalRun(code, out.getvalue(), err.getvalue())


@pytest.fixture(autouse=True)
def private_state_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Per-user state never lands in the real home: a command without --state-dir or PORTAL_STATE_DIR (and the
    processes a test starts) keeps it under a temporary XDG_STATE_HOME."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("xdg-state")))


@pytest.fixture
def portal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., PortalRun]:
    """Run `portal ARGS` in-process, with its state dir inside the test's tmp dir."""
    monkeypatch.setenv("PORTAL_STATE_DIR", str(tmp_path / ".portal-state"))
    return run_portal_in_process


def write_files(root: Path, files: Mapping[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root

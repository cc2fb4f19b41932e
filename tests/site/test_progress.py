"""On a terminal the build says what it is doing on one rewritten line; in a log it prints only its summary."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.site.builders import TEMPLATE


def test_progress_shows_on_a_terminal_and_not_in_a_log(tmp_path: Path) -> None:
    env = {**os.environ, "PORTAL_STATE_DIR": str(tmp_path / "state")}
    command = [sys.executable, "-m", "reconciler", "site", "build", str(TEMPLATE), "--out", str(tmp_path / "a")]
    leader, follower = pty.openpty()
    with subprocess.Popen(command, stderr=follower, stdout=subprocess.DEVNULL, env=env) as process:
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed: the process is done
                break
            if not chunk:
                break
            shown += chunk
        assert process.wait(timeout=60) == 0
    os.close(leader)
    text = shown.decode()
    assert "\r\x1b[Kbuilding 30 changed page(s) of 30 with MkDocs" in text
    assert "\r\x1b[Kindexing for search with Pagefind" in text
    assert "built 30 pages" in text
    logged = subprocess.run([*command[:-1], str(tmp_path / "b")], capture_output=True, text=True, env=env, check=True)
    assert "\x1b[K" not in logged.stderr and "built 30 pages" in logged.stderr

"""`portal site serve`: the site of a working tree on 127.0.0.1, rebuilt when a file changes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.site.builders import copy_template


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def test_serve_rebuilds_the_changed_pages_on_change(tmp_path: Path) -> None:
    repo = copy_template(tmp_path / "repo")
    env = {**os.environ, "PORTAL_STATE_DIR": str(tmp_path / "state")}
    server = subprocess.Popen(
        # the output inside the watched tree: its own writes must not trigger rebuilds
        [sys.executable, "-m", "reconciler", "site", "serve", str(repo), "--port", "0", "--out", str(repo / "out")],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stderr
        line = ""
        while "serving" not in line:
            line = server.stderr.readline()
            assert line or server.poll() is None, "serve stopped"
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match
        base = match.group(0)
        assert "idleTimeout: 6h" in fetch(base + "workspace/data/dana-notebooks/")
        workspace = repo / "workspaces/dana-notebooks.yaml"
        workspace.write_text(workspace.read_text().replace("idleTimeout: 6h", "idleTimeout: 9h"), encoding="utf-8")
        deadline = time.monotonic() + 30
        while "idleTimeout: 9h" not in fetch(base + "workspace/data/dana-notebooks/"):
            assert time.monotonic() < deadline, "the change was not rebuilt"
            time.sleep(0.2)
        time.sleep(3)  # time enough for a loop of rebuilds to show
    finally:
        server.terminate()
        server.wait(timeout=10)
    rest = server.stderr.read()
    assert 1 <= rest.count("built ") <= 2, rest

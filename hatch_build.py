"""Build hook: install the locked front-end packages (`npm ci` in frontend/) and copy the browser files the
terminal view loads into sitegen/terminal/static/vendor/, for wheels and editable installs alike. The copies are
never committed (git-ignored); they are rebuilt when the lock file changes."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# Package file → name in the vendor directory.
VENDORED = {
    "@xterm/xterm/lib/xterm.js": "xterm.js",
    "@xterm/xterm/css/xterm.css": "xterm.css",
    "@xterm/xterm/LICENSE": "xterm.LICENSE",
    "@xterm/addon-fit/lib/addon-fit.js": "addon-fit.js",
}
VENDOR = Path("sitegen/terminal/static/vendor")
STAMP = ".lock-sha256"


class FrontendBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        frontend, vendor = root / "frontend", root / VENDOR
        lock = frontend / "package-lock.json"
        if not lock.is_file():  # an sdist built without the front end cannot rebuild it; keep what it carries
            if not all((vendor / name).is_file() for name in VENDORED.values()):
                raise RuntimeError(f"{lock} is missing and {vendor} is incomplete: cannot provide xterm.js")
            return
        digest = hashlib.sha256(lock.read_bytes()).hexdigest()
        stamp = vendor / STAMP
        current = stamp.is_file() and stamp.read_text() == digest
        if not (current and all((vendor / name).is_file() for name in VENDORED.values())):
            npm = shutil.which("npm")
            if npm is None:
                raise RuntimeError("npm (Node 20) is needed to build the terminal view's assets (npm ci in frontend/)")
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=frontend, check=True)
            vendor.mkdir(parents=True, exist_ok=True)
            for source, name in VENDORED.items():
                shutil.copyfile(frontend / "node_modules" / source, vendor / name)
            stamp.write_text(digest)
        build_data.setdefault("artifacts", []).extend(f"{VENDOR}/{name}" for name in VENDORED.values())

"""The terminal view's static files (ours, and xterm.js from npm, built into the package at build time), which a
site with terminal pages carries at `static/terminal/` (its theme loads them on those pages only)."""

from __future__ import annotations

import shutil
from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
SITE_PATH = "static/terminal"  # where a site carries them
REQUIRED_ASSETS = ("terminal.js", "terminal.css", "vendor/xterm.js", "vendor/xterm.css", "vendor/addon-fit.js")


def copy_assets(destination: Path) -> None:
    """Copy the view's static files (terminal.js, terminal.css, vendor/) into `destination`."""
    missing = [name for name in REQUIRED_ASSETS if not (STATIC_DIR / name).is_file()]
    if missing:
        raise FileNotFoundError(f"the package lacks {', '.join(missing)} (built by npm at install time)")
    shutil.copytree(STATIC_DIR, destination, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".*"))

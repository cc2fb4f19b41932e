"""The workspace terminal view the site generator writes at `terminal/<team>/<name>/index.html`, and the static
files it loads (ours, and xterm.js from npm, built into the package at build time)."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit

import jinja2

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
TEMPLATE_NAME = "terminal.html"
REQUIRED_ASSETS = ("terminal.js", "terminal.css", "vendor/xterm.js", "vendor/xterm.css", "vendor/addon-fit.js")


def page_path(team: str, name: str) -> str:
    return f"terminal/{team}/{name}/index.html"


def _connect_source(terminal_url: str) -> str:
    """The CSP connect-src the page needs: itself, plus the sidecar's origin as ws(s) when it is elsewhere."""
    parts = urlsplit(terminal_url)
    if not parts.scheme or not parts.netloc:
        return "'self'"
    scheme = {"https": "wss", "http": "ws"}.get(parts.scheme, parts.scheme)
    return f"'self' {scheme}://{parts.netloc}"


def view_policy(terminal_url: str) -> str:
    # xterm.js writes its theme into a <style> element: styles need 'unsafe-inline'; scripts never do.
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        f"connect-src {_connect_source(terminal_url)}; base-uri 'none'; form-action 'none'; object-src 'none'"
    )


def terminal_page(team: str, name: str, terminal_url: str, assets: str = "../../../static/terminal/") -> str:
    """The page's HTML. `terminal_url`: the sidecar's base URL (absolute, or a path on the site's own origin);
    `assets`: where `copy_assets` put the static files, relative to the page."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True, undefined=jinja2.StrictUndefined
    )
    return environment.get_template(TEMPLATE_NAME).render(
        workspace=f"{team}/{name}", terminal_url=terminal_url, assets=assets, policy=view_policy(terminal_url)
    )


def copy_assets(destination: Path) -> None:
    """Copy the view's static files (terminal.js, terminal.css, vendor/) into `destination`."""
    missing = [name for name in REQUIRED_ASSETS if not (STATIC_DIR / name).is_file()]
    if missing:
        raise FileNotFoundError(f"the package lacks {', '.join(missing)} (built by npm at install time)")
    shutil.copytree(STATIC_DIR, destination, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".*"))

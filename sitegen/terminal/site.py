"""The built site, served with the headers a static host cannot set from a meta tag.

An HTML page's Content-Security-Policy `<meta>` becomes a header too, with `frame-ancestors 'self'` added (a
meta policy cannot carry it); every answer gets `X-Content-Type-Options: nosniff` and a `Referrer-Policy`.
Only regular files under the site directory are served: no `..`, no symbolic link out of it, no listings.
"""

from __future__ import annotations

import mimetypes
from html.parser import HTMLParser
from pathlib import Path

from aiohttp import web

DEFAULT_POLICY = "default-src 'self'"
FRAME_POLICY = "frame-ancestors 'self'"
COMMON_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


class _PolicyFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.policy: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): v for k, v in attrs}
        equiv = (values.get("http-equiv") or "").lower()
        if tag == "meta" and equiv == "content-security-policy" and self.policy is None:
            self.policy = values.get("content") or ""


def page_policy(html: str) -> str:
    """The page's meta policy (or a same-origin default) with `frame-ancestors 'self'`."""
    finder = _PolicyFinder()
    finder.feed(html)
    directives = [d.strip() for d in (finder.policy or DEFAULT_POLICY).split(";") if d.strip()]
    directives = [d for d in directives if not d.lower().startswith("frame-ancestors")]
    return "; ".join([*directives, FRAME_POLICY])


def resolve(root: Path, request_path: str) -> Path | None:
    """The file a URL path names under `root` (a directory means its index.html), or None."""
    relative = request_path.lstrip("/")
    if "\\" in relative or "\0" in relative or any(part == ".." for part in relative.split("/")):
        return None
    candidate = (root / relative).resolve()
    if candidate.is_dir():
        candidate = candidate / "index.html"
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def _registry_type(relative: Path) -> str:
    """Terraform's registry files (`v1/…/versions`, `…/download/<os>/<arch>`) are JSON without an extension."""
    return "application/json" if relative.parts[:1] == ("v1",) and not relative.suffix else "application/octet-stream"


def site_handler(root: Path) -> web.Handler:
    resolved_root = root.resolve()

    async def handle(request: web.Request) -> web.StreamResponse:
        if request.method not in ("GET", "HEAD"):
            raise web.HTTPMethodNotAllowed(request.method, ["GET", "HEAD"], headers=COMMON_HEADERS)
        path = resolve(resolved_root, request.path)
        if path is None:
            raise web.HTTPNotFound(text="not found\n", headers={**COMMON_HEADERS, "X-Frame-Options": "SAMEORIGIN"})
        headers = dict(COMMON_HEADERS)
        if path.suffix in (".html", ".htm"):
            text = path.read_text(encoding="utf-8", errors="replace")
            headers["Content-Security-Policy"] = page_policy(text)
            headers["X-Frame-Options"] = "SAMEORIGIN"
            return web.Response(text=text, content_type="text/html", headers=headers)
        content_type = mimetypes.guess_type(path.name)[0] or _registry_type(path.relative_to(resolved_root))
        headers["Content-Type"] = content_type
        return web.FileResponse(path, headers=headers)

    return handle

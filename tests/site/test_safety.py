"""No secret reaches the site, no document text runs as code, and no page loads anything from elsewhere."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from tests.site.builders import CANARY

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; object-src 'none'; base-uri 'self'"


def html_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "pagefind" not in p.parts)


def test_the_canary_secret_appears_nowhere_in_the_site(canary_site: Path) -> None:
    files = [p for p in canary_site.rglob("*") if p.is_file()]
    assert len(files) > 30
    assert [str(p) for p in files if CANARY.encode() in p.read_bytes()] == []
    # The places it was planted are shown, with the password hidden.
    workspace = (canary_site / "workspace/payments/alice-ledger/index.html").read_text()
    assert "https://bot:***@github.com/acme/ledger" in workspace
    artifact = (canary_site / "artifact/rds-postgres/index.html").read_text()
    assert "https://ci:***@github.com/acme/terraform-aws-rds-postgres" in artifact


class _ActiveContent(HTMLParser):
    """What a browser would run: event handler attributes, script bodies, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            if name in ("href", "src") and re.match(r"\s*(javascript|data|vbscript):", value or "", re.I):
                self.found.append(f"<{tag} {name}={value}>")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "__xss" in data:
            self.found.append(f"script {data[:40]}")


def active_content(text: str) -> list[str]:
    parser = _ActiveContent()
    parser.feed(text)
    return parser.found


def test_xss_in_documents_and_readmes_is_shown_as_text(canary_site: Path) -> None:
    artifact = (canary_site / "artifact/rds-postgres/index.html").read_text()
    team = (canary_site / "team/platform/index.html").read_text()
    for page in (artifact, team):
        assert active_content(page) == []
    assert active_content('<a href=" JavaScript:x">') != []  # the check sees what it looks for
    assert "&lt;script&gt;window.__xss = 5&lt;/script&gt;Platform" in team
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in artifact  # the README's raw HTML, as text
    assert '<img alt="remote">' in artifact  # a remote image loses its source
    assert "tracker.example" not in artifact


def test_every_page_carries_the_policy_and_no_inline_script(template_site: Path) -> None:
    pages = html_pages(template_site)
    assert len(pages) > 25
    for page in pages:
        text = page.read_text()
        policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', text)
        assert policy, page
        expected = CSP.replace(
            "connect-src 'self'", "connect-src 'self' wss://term.acme.dev:8443 https://term.acme.dev:8443"
        )
        if page.relative_to(template_site).parts[0] == "terminal":  # xterm.js writes its styles inline
            expected += "; style-src 'self' 'unsafe-inline'"
        assert policy.group(1) == expected, page
        assert text.index("Content-Security-Policy") < text.index("<link"), page
        for attributes, body in SCRIPT_TAG.findall(text):
            assert "src=" in attributes or 'type="application/json"' in attributes, (page, body[:80])
            if "src=" in attributes:
                assert body.strip() == ""


def test_no_page_loads_anything_from_another_origin(template_site: Path) -> None:
    for page in html_pages(template_site):
        text = page.read_text()
        loads = re.findall(r"<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)=\"([^\"]+)\"", text)
        assert [u for u in loads if re.match(r"^(?:[a-z]+:)?//", u, re.I)] == [], page


def test_no_font_or_stylesheet_service_is_named_anywhere(template_site: Path) -> None:
    for page in html_pages(template_site):
        assert "fonts.googleapis" not in page.read_text()
        assert "fonts.gstatic" not in page.read_text()

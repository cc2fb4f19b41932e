"""The terminal view in Chromium, served with the built site by the sidecar (`--site`), and the site's headers."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from reconciler.model.kinds import RepoModel
from sitegen.terminal.page import copy_assets, page_path, terminal_page
from sitegen.terminal.tokens import issue
from tests.terminal.builders import KEY_BYTES, serving

CHROMIUM = Path("/usr/bin/chromium")


def _site(root: Path, terminal_url: str = "/") -> Path:
    page = root / page_path("payments", "alice-ledger")
    page.parent.mkdir(parents=True)
    page.write_text(terminal_page("payments", "alice-ledger", terminal_url))
    copy_assets(root / "static" / "terminal")
    (root / "index.html").write_text("<!doctype html><title>Portal</title><p>catalog</p>")
    (root / "notes.txt").write_text("plain")
    return root


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_site_pages_carry_the_security_headers(model: RepoModel, tmp_path: Path) -> None:
    site = _site(tmp_path / "site")
    (tmp_path / "secret.txt").write_text("outside the site")
    (site / "escape").symlink_to(tmp_path / "secret.txt")
    async with serving(model, site=site) as harness:
        response = await harness.client.get(f"{harness.base}/{page_path('payments', 'alice-ledger')}")
        assert response.status == 200
        policy = response.headers["Content-Security-Policy"]
        assert policy.startswith("default-src 'self'; script-src 'self';")
        assert "connect-src 'self'" in policy and policy.endswith("frame-ancestors 'self'")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        index = await harness.client.get(f"{harness.base}/")
        assert index.headers["Content-Security-Policy"] == "default-src 'self'; frame-ancestors 'self'"
        script = await harness.client.get(f"{harness.base}/static/terminal/vendor/xterm.js")
        assert script.status == 200 and "javascript" in script.headers["Content-Type"]
        assert script.headers["X-Content-Type-Options"] == "nosniff"
        for path in ("/escape", "/../secret.txt", "/%2e%2e/secret.txt", "/static/terminal/missing.js"):
            assert (await harness.client.get(f"{harness.base}{path}")).status == 404, path
        assert (await harness.client.post(f"{harness.base}/index.html")).status == 405


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt-get install -y chromium)")
async def test_the_view_connects_and_shows_a_command_s_output(model: RepoModel, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    site = _site(tmp_path / "site")
    token = issue(KEY_BYTES, "alice@acme.dev", "payments/alice-ledger", 60)
    async with (
        serving(model, site=site, port=port, origins=(origin,), trusted=()) as harness,
        async_playwright() as playwright,
    ):
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-background-networking"]
        )
        try:
            page = await browser.new_page()
            errors: list[str] = []
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            await page.goto(f"{origin}/{page_path('payments', 'alice-ledger')}")
            status = page.locator("#terminal-status")
            # No proxy in front: the first attempt is refused and the token form appears.
            await status.filter(has_text="Could not connect").wait_for(timeout=15000)
            await page.fill("#terminal-token", token)
            await page.click("#terminal-token-form button")
            await status.filter(has_text="Connected").wait_for(timeout=15000)
            await page.locator(".xterm-helper-textarea").focus()
            await page.keyboard.type("echo browser''ok\n")
            await page.locator(".xterm-rows").filter(has_text="browserok").wait_for(timeout=15000)
            assert await page.locator("#terminal-token-form").is_hidden()
            # The fitted size reached the PTY (a 1280×720 page is far from the PTY's initial 24×80).
            await page.keyboard.type("stty size\n")
            rows = page.locator(".xterm-rows").filter(has_text=re.compile(r"\d+ \d+"))
            await rows.wait_for(timeout=15000)
            size = re.search(r"(\d+) (\d+)", (await rows.text_content() or "").split("stty size")[-1])
            assert size is not None and size.groups() != ("24", "80"), size
        finally:
            await browser.close()
        assert token not in harness.audit_stream.getvalue()
        assert not [e for e in errors if "Content Security Policy" in e], errors


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt-get install -y chromium)")
async def test_the_view_does_not_run_in_another_origin_s_frame(model: RepoModel, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    port = _free_port()
    site = _site(tmp_path / "site")
    view = f"http://127.0.0.1:{port}/{page_path('payments', 'alice-ledger')}"
    (site / "framing.html").write_text(f'<!doctype html><title>elsewhere</title><iframe src="{view}"></iframe>')
    origins = (f"http://127.0.0.1:{port}", f"http://localhost:{port}")
    async with (
        serving(model, site=site, port=port, origins=origins) as harness,
        async_playwright() as playwright,
    ):
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-background-networking"]
        )
        try:
            page = await browser.new_page(extra_http_headers={"X-Forwarded-Email": "alice@acme.dev"})
            await page.goto(f"http://localhost:{port}/framing.html")  # another origin: another host name
            await page.wait_for_timeout(2000)
            (frame,) = page.main_frame.child_frames
            assert await frame.query_selector("#terminal-status") is None  # blocked by frame-ancestors 'self'
            # Framed by its own origin it runs (and, with the proxy's header, connects).
            await page.goto(f"http://127.0.0.1:{port}/framing.html")
            (frame,) = page.main_frame.child_frames
            await frame.locator("#terminal-status").filter(has_text="Connected").wait_for(timeout=15000)
        finally:
            await browser.close()
        assert len(harness.audit("session_start")) == 1

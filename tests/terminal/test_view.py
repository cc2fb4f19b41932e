"""The terminal view in Chromium: the template's site built with `--terminal-url`, served with the sidecar
(`--site`), and the site's headers."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.model.kinds import RepoModel
from sitegen.terminal.tokens import issue
from tests.gitrepo import commit
from tests.ports import free_port
from tests.site.builders import build_site
from tests.site.test_determinism import template_files
from tests.terminal.builders import KEY_BYTES, load_model, serving, sidecar_process

CHROMIUM = Path("/usr/bin/chromium")
VIEW = "terminal/payments/alice-ledger/"
WORKSPACE = "workspace/payments/alice-ledger/"
OWNER = "alice@acme.dev"  # alice-ledger's owner in the template


def _template_site(root: Path, terminal_url: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, RepoModel]:
    """The template as a git repo, its site built with `terminal_url`, and its model."""
    monkeypatch.setenv("PORTAL_STATE_DIR", str(root / "state"))
    repo = root / "repo"
    commit(repo, template_files())
    site = root / "site"
    run = build_site(None, site, "--repo", repo, "--terminal-url", terminal_url)
    assert run.code == 0, run.out + run.err
    return repo, site, load_model(repo, root / "state")[0]


async def test_site_pages_carry_the_security_headers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, site, model = _template_site(tmp_path, "http://127.0.0.1:8443", monkeypatch)
    (tmp_path / "secret.txt").write_text("outside the site")
    (site / "escape").symlink_to(tmp_path / "secret.txt")
    async with serving(model, site=site) as harness:
        response = await harness.client.get(f"{harness.base}/{VIEW}")
        assert response.status == 200
        policy = response.headers["Content-Security-Policy"]
        assert policy.startswith("default-src 'self'; script-src 'self' 'wasm-unsafe-eval';")
        assert "connect-src 'self' ws://127.0.0.1:8443 http://127.0.0.1:8443" in policy
        assert "style-src 'self' 'unsafe-inline'" in policy and policy.endswith("frame-ancestors 'self'")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        index = await harness.client.get(f"{harness.base}/")
        assert "'unsafe-inline'" not in index.headers["Content-Security-Policy"]  # only terminal pages allow it
        script = await harness.client.get(f"{harness.base}/static/terminal/vendor/xterm.js")
        assert script.status == 200 and "javascript" in script.headers["Content-Type"]
        assert script.headers["X-Content-Type-Options"] == "nosniff"
        for path in ("/escape", "/../secret.txt", "/%2e%2e/secret.txt", "/static/terminal/missing.js"):
            assert (await harness.client.get(f"{harness.base}{path}")).status == 404, path
        assert (await harness.client.post(f"{harness.base}/index.html")).status == 405


@pytest.fixture
def sidecar_port() -> int:
    return free_port()


@pytest.fixture
def served_template(
    sidecar_port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """`portal terminal serve --site` of the template's site, built with --terminal-url pointing at that server;
    a loopback proxy may name the user, and a session runs a harmless local shell."""
    origin = f"http://127.0.0.1:{sidecar_port}"
    repo, site, _ = _template_site(tmp_path, origin, monkeypatch)
    environment = {**os.environ, "PORTAL_STATE_DIR": str(tmp_path / "state")}
    environment.pop("PORTAL_DATABASE_URL", None)
    arguments = (
        *("--repo", str(repo), "--site", str(site), "--allowed-origin", origin, "--trusted-proxy", "127.0.0.1/32"),
        *("--exec-template", '["/bin/sh", "-i"]'),
    )
    with sidecar_process(arguments, sidecar_port, environment) as process:
        yield process, site


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt-get install -y chromium)")
async def test_open_terminal_on_a_workspace_page_connects_and_shows_a_command_s_output(
    served_template: tuple[subprocess.Popen[str], Path], sidecar_port: int
) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-background-networking"]
        )
        try:
            page = await browser.new_page(extra_http_headers={"X-Forwarded-Email": OWNER})
            errors: list[str] = []
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            await page.goto(f"http://127.0.0.1:{sidecar_port}/{WORKSPACE}")
            await page.click("text=Open terminal")
            await page.wait_for_url(f"**/{VIEW}")
            await page.locator("#terminal-status").filter(has_text="Connected").wait_for(timeout=15000)
            await page.locator(".xterm-helper-textarea").focus()
            await page.keyboard.type("echo site''wired\n")
            await page.locator(".xterm-rows").filter(has_text="sitewired").wait_for(timeout=15000)
            assert await page.locator("header.md-header").count() == 1  # a page of the site, with its navigation
        finally:
            await browser.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt-get install -y chromium)")
async def test_without_a_proxy_a_pasted_token_connects_and_the_view_fits_the_pty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.async_api import async_playwright

    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    _, site, model = _template_site(tmp_path, origin, monkeypatch)
    token = issue(KEY_BYTES, OWNER, "payments/alice-ledger", 60)
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
            await page.goto(f"{origin}/{VIEW}")
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
async def test_the_view_does_not_run_in_another_origin_s_frame(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from playwright.async_api import async_playwright

    port = free_port()
    _, site, model = _template_site(tmp_path, f"http://127.0.0.1:{port}", monkeypatch)
    view = f"http://127.0.0.1:{port}/{VIEW}"
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
            page = await browser.new_page(extra_http_headers={"X-Forwarded-Email": OWNER})
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

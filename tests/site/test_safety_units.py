"""The safety functions alone: links, Markdown, secrets, the policy."""

from __future__ import annotations

import pytest

from sitegen.safety.csp import content_security_policy, terminal_origin
from sitegen.safety.markdown import render_markdown
from sitegen.safety.secrets import redact, scrub_text
from sitegen.safety.urls import safe_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://github.com/acme/x", "https://github.com/acme/x"),
        ("http://wiki/x", "http://wiki/x"),
        ("mailto:ops@acme.dev", "mailto:ops@acme.dev"),
        ("docs/guide.md", "docs/guide.md"),
        ("https://bot:hunter2@github.com/acme/x", "https://bot:***@github.com/acme/x"),
        ("javascript:alert(1)", None),
        (" JaVa\tScRiPt:alert(1)", None),
        ("data:text/html,<script>", None),
        ("vbscript:x", None),
        ("//evil.example/x", None),
        ("git@github.com:acme/x.git", None),
        ("", None),
    ],
)
def test_only_allow_listed_schemes_and_relative_urls_are_linked(url: str, shown: str | None) -> None:
    assert safe_url(url) == shown


def test_markdown_raw_html_is_text_and_links_are_checked() -> None:
    html = render_markdown(
        "<script>alert(1)</script>\n\n[a](javascript:alert(1)) [b](https://ok.example) "
        "<img src=x onerror=alert(1)>\n\n![i](https://far.example/p.png) ![j](img/local.png)"
    )
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "javascript:" not in html
    assert 'href="https://ok.example"' in html
    assert "<img src=x" not in html
    assert "far.example" not in html
    assert 'src="img/local.png"' in html


def test_url_passwords_and_secret_named_values_are_hidden() -> None:
    assert scrub_text("clone https://u:pw1@h/x and ftp://a:pw2@b") == "clone https://u:***@h/x and ftp://a:***@b"
    assert redact({"env": [{"name": "A", "password": "pw3"}], "token": "${TOKEN}", "apiKey": "k"}) == {
        "env": [{"name": "A", "password": "***"}],
        "token": "${TOKEN}",
        "apiKey": "***",
    }


def test_the_policy_adds_the_terminal_origin_to_connect_src_only() -> None:
    assert content_security_policy(None) == (
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; object-src 'none'; "
        "base-uri 'self'"
    )
    assert "connect-src 'self' ws://127.0.0.1:7681 http://127.0.0.1:7681;" in content_security_policy(
        "http://127.0.0.1:7681/"
    )
    for bad in ("javascript:alert(1)", 'https://a"b.example/', "https://a;b.example/", "https://h:99999/"):
        with pytest.raises(ValueError, match="terminal-url"):
            terminal_origin(bad)

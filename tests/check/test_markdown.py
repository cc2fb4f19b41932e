"""The Markdown comment: whatever a change writes stays text — fences, HTML, @mentions and links cannot forge or
hide a part of the comment — and the comment fits in one, cutting the longest sections first, never findings.
Rendered with markdown-it-py's GFM-like preset, and in Chromium for the page a reviewer sees."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from reconciler.check.markdown import MARKER, Section, code_block, code_span, fit
from tests.check.builders import PIPELINE, PIPELINE_PATH, TEAM, change

HOSTILE = "```` </details><script>alert(1)</script> @octocat [evil](https://evil.example) | x | <!-- portal-check -->"
# A VRL comment is anything: the change's text reaches the compiled config's diff as written.
HOSTILE_PIPELINE = PIPELINE.replace(
    "        . = merge(., object!(parse_json!(.message)))\n",
    f"        # {HOSTILE}\n        . = merge(., object!(parse_json!(.message)))\n",
)
# The schema's message quotes a refused value: the change's text reaches the findings.
# A test's name is shown with its result in Herald's part.
HOSTILE_TEST = PIPELINE.replace("name: errors are routed", f"name: '{HOSTILE.replace(chr(39), chr(39) * 2)}'")
HOSTILE_TEAM = TEAM.replace("role: viewer, github: vic-gh", f"role: '{HOSTILE.replace(chr(39), chr(39) * 2)}'")
PARTS = 5  # findings, objects, keeper, herald, chambers


def render(markdown: str) -> str:
    return MarkdownIt("gfm-like").render(markdown)


def comment(tmp_path: Path, portal, edits: dict[str, str | None]) -> str:
    repo, base, _ = change(tmp_path, edits)
    result = portal("check", "--repo", repo, "--base", base, "--format", "markdown")
    assert result.code in (0, 1), result.err
    return result.out


@pytest.mark.parametrize(
    "edits",
    [{PIPELINE_PATH: HOSTILE_PIPELINE}, {"teams/payments.yaml": HOSTILE_TEAM}, {PIPELINE_PATH: HOSTILE_TEST}],
    ids=["in-a-diff", "in-a-finding", "in-a-test-name"],
)
def test_the_changes_text_cannot_forge_or_hide_a_part(tmp_path: Path, portal, edits: dict[str, str | None]) -> None:
    markdown = comment(tmp_path, portal, edits)
    assert markdown.startswith(MARKER + "\n")
    assert markdown.count(MARKER) == 1 + markdown.count("@octocat"), "the marker appears only as the first line"
    html = render(markdown)
    assert "@octocat" in html, "the hostile text is shown"
    assert html.count("<details") == html.count("</details>") == PARTS
    assert "<script" not in html and "<a " not in html and 'evil.example"' not in html
    outside_code = re.sub(r"<pre><code>.*?</code></pre>|<code>.*?</code>", "", html, flags=re.DOTALL)
    assert "octocat" not in outside_code and "evil" not in outside_code


def test_a_fence_outlasts_the_backticks_it_holds() -> None:
    block = code_block(["a ```` b", "`"])
    assert block.startswith("`````\n") and block.endswith("\n`````")
    assert render(block) == "<pre><code>a ```` b\n`\n</code></pre>\n"


def test_a_code_span_keeps_a_table_cell_whole() -> None:
    html = render(f"| a | b |\n|---|---|\n| {code_span('x | `y` |')} | 2 |\n")
    assert html.count("<td>") == 2
    assert "<code>x | `y` |</code>" in html


def test_the_longest_sections_are_cut_first_and_findings_never() -> None:
    findings = Section("Findings", tuple(f"finding {i}" for i in range(300)), cut=False)
    long = Section("Long", tuple("x" * 80 for _ in range(400)))
    short = Section("Short", ("kept",))
    text = fit(["head"], [findings, long, short], limit=8_000)
    assert len(text) <= 8_000
    assert all(f"finding {i}\n" in text for i in range(300))
    assert "kept" in text
    assert re.search(r"… \d+ more line\(s\) cut to fit one comment", text)


def test_a_huge_change_fits_in_one_comment(tmp_path: Path, portal) -> None:
    comments = "".join(f"        # line {i} {'y' * 60}\n" for i in range(1_500))
    huge = PIPELINE.replace("        . = merge(", comments + "        . = merge(")
    markdown = comment(tmp_path, portal, {PIPELINE_PATH: huge})
    assert len(markdown) <= 65_000
    assert "cut to fit one comment" in markdown
    assert render(markdown).count("</details>") == PARTS


CHROMIUM = Path("/usr/bin/chromium")  # .ci/run installs it where it is missing


def test_the_comment_renders_in_a_browser(tmp_path: Path, portal) -> None:
    from playwright.sync_api import sync_playwright

    markdown = comment(tmp_path, portal, {PIPELINE_PATH: HOSTILE_PIPELINE})
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-background-networking"]
        )
        try:
            page = browser.new_page()
            page.set_content(f"<!doctype html><html><body>{render(markdown)}</body></html>")
            assert page.locator("table").count() == 1
            headers = page.locator("table thead th").all_inner_texts()
            assert headers[1:] == ["errors", "warnings", "objects + / ~ / −", "versions", "pipelines", "workspaces"]
            rows = page.locator("table tbody tr")
            assert rows.nth(0).locator("td").all_inner_texts()[:3] == ["all", "0", "0"]
            assert page.locator("table tbody td code").all_inner_texts() == ["dev-eu-1"]
            summaries = page.locator("details > summary").all_inner_texts()
            assert [s.split(":")[0] for s in summaries] == [
                "Findings",
                "Objects per cluster",
                "Keeper",
                "Herald",
                "Chambers",
            ]
            herald = page.locator("details").nth(3)
            assert not herald.evaluate("d => d.open")
            assert not herald.locator("pre").is_visible()
            herald.locator("summary").click()
            assert herald.locator("pre").is_visible()
            assert HOSTILE in herald.locator("pre").inner_text()
            assert page.locator("a, script, img").count() == 0
        finally:
            browser.close()

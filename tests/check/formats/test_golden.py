"""Each format of the findings of a broken repo and of hostile findings, against golden files: a change of a
format shows as a diff of what users' tools read.

Set PORTAL_UPDATE_GOLDEN=1 to rewrite the golden files (then read the diff before committing it)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from reconciler.check.formats.github import render_github
from reconciler.check.formats.gitlab import render_gitlab
from reconciler.check.formats.junit import render_junit
from reconciler.check.formats.sarif import render_sarif
from reconciler.model import Diagnostic, Document
from tests.check.formats.samples import HOSTILE, validated

GOLDEN = Path(__file__).parent / "golden"
RENDERERS: dict[str, Callable[[Sequence[Diagnostic], Sequence[Document]], str]] = {
    "sarif.json": lambda findings, _: render_sarif(findings, tool_version="0.1.0"),
    "junit.xml": render_junit,
    "github.txt": lambda findings, _: render_github(findings),
    "gitlab.json": lambda findings, _: render_gitlab(findings),
}


@pytest.mark.parametrize("suffix", RENDERERS)
def test_findings_render_as_their_golden_file(suffix: str, tmp_path: Path) -> None:
    findings, documents = validated(tmp_path / "repo")
    rendered = RENDERERS[suffix]([*findings, *HOSTILE], documents)
    golden = GOLDEN / f"broken-repo.{suffix}"
    if os.environ.get("PORTAL_UPDATE_GOLDEN"):
        golden.write_bytes(rendered.encode())
    assert rendered == golden.read_bytes().decode()

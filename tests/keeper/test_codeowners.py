"""`portal codeowners` as an attacker sees it: file names that try to write lines of their own, and files nobody
owns yet."""

from __future__ import annotations

from pathlib import Path

from reconciler.keeper.codeowners import render_codeowners
from tests.conftest import write_files
from tests.keeper.builders import ARTIFACT_PATH, PAYMENTS_TEAM, TEAMS, artifact, model

VERSIONS = """\
    - version: 1.0.0
      publishedBy: alice@acme.dev
      publishedAt: 2026-01-01T10:00:00Z
"""
INJECTED = "zzz/x\nplatform.yaml\n#.yaml"


def _owned_patterns(text: str) -> list[str]:
    return [line.split(" ", 1)[0] for line in text.splitlines() if line and not line.startswith("#")]


def test_a_file_name_with_a_newline_is_refused_and_never_becomes_a_line(tmp_path: Path, portal) -> None:
    root = write_files(tmp_path / "repo", {**TEAMS, ARTIFACT_PATH: artifact(VERSIONS), INJECTED: PAYMENTS_TEAM})
    validated = portal("validate", root)
    assert validated.code == 1
    assert validated.lines == [
        "zzz/x\\nplatform.yaml\\n#.yaml:1:1: error: the path holds control characters (newline, tab, C0/C1 or DEL); "
        "rename the file"
    ]
    out = tmp_path / "CODEOWNERS"
    result = portal("codeowners", root, "-o", out)
    assert result.code == 1
    assert not out.exists()


def test_control_characters_of_every_kind_are_refused(tmp_path: Path, portal) -> None:
    for name in ("teams/tab\there.yaml", "teams/esc\x1b[2J.yaml", "teams/del\x7f.yaml", "teams/c1\x85.yaml"):
        root = write_files(tmp_path / f"repo{len(name)}{ord(name[-7])}", {**TEAMS, name: PAYMENTS_TEAM})
        result = portal("validate", root)
        assert result.code == 1, name
        assert "the path holds control characters" in result.out, name
        assert "\x1b" not in result.out and "\x7f" not in result.out and "\t" not in result.out


def test_rendering_never_writes_a_line_for_a_path_with_a_newline() -> None:
    repo = model({**TEAMS, INJECTED: PAYMENTS_TEAM.replace("name: payments", "name: intruders")})
    text = render_codeowners(repo)
    assert "/platform.yaml" not in _owned_patterns(text)
    assert not any(line.startswith("platform.yaml") for line in text.splitlines())
    assert "# zzz/x\\nplatform.yaml\\n#.yaml: not written, the path holds control characters" in text


def test_patterns_escape_what_codeowners_syntax_reads() -> None:
    path = "teams/!a b#c[d]*e?f\\g.yaml"
    text = render_codeowners(model({"teams/platform.yaml": TEAMS["teams/platform.yaml"], path: PAYMENTS_TEAM}))
    assert "/teams/\\!a\\ b\\#c\\[d\\]\\*e\\?f\\\\g.yaml pat@acme.dev" in text.splitlines()


def test_a_catch_all_first_line_owns_every_file_nobody_else_owns(tmp_path: Path, portal) -> None:
    root = write_files(tmp_path / "repo", {**TEAMS, ARTIFACT_PATH: artifact(VERSIONS)})
    printed = portal("codeowners", root)
    assert printed.code == 0
    owned = [line for line in printed.lines if not line.startswith("#")]
    assert owned[0] == "* alice@acme.dev"  # the platform team's admins: no management cluster names another
    explicit = portal("codeowners", root, "--default-owner", "@acme/platform-admins")
    assert next(line for line in explicit.lines if not line.startswith("#")) == "* @acme/platform-admins"


def test_a_default_owner_cannot_smuggle_patterns(tmp_path: Path, portal) -> None:
    root = write_files(tmp_path / "repo", TEAMS)
    for owner in ("@a\n/teams/ @evil", "@a @b", "*"):
        result = portal("codeowners", root, "--default-owner", owner)
        assert result.code == 2, owner
        assert result.out == ""


def test_without_any_default_owner_nothing_is_written(tmp_path: Path, portal) -> None:
    root = write_files(tmp_path / "repo", {"teams/payments.yaml": PAYMENTS_TEAM})
    result = portal("codeowners", root)
    assert result.code == 1
    assert result.err == (
        "portal: the management cluster's team has no admin to own files nobody else owns; give --default-owner: "
        "no CODEOWNERS written\n"
    )

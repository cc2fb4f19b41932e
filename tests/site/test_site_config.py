"""The repo's site/ folder is data: allow-listed keys only, refused with their location, pages sanitised."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.site.builders import build_site, copy_template


def repo_with_site(root: Path, fragment: str, pages: dict[str, str] | None = None) -> Path:
    repo = copy_template(root / "repo")
    (repo / "site").mkdir()
    (repo / "site/mkdocs.yml").write_text(fragment, encoding="utf-8")
    for path, text in (pages or {}).items():
        (repo / "site" / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / "site" / path).write_text(text, encoding="utf-8")
    return repo


def test_allowed_keys_set_the_name_palette_logo_and_extra_pages(tmp_path: Path, module_state: Path) -> None:
    repo = repo_with_site(
        tmp_path,
        "site_name: Acme platform\ntheme:\n  palette: {scheme: slate, primary: indigo}\n"
        "  icon: {logo: material/library}\nnav:\n  - Onboarding: guides/onboarding.md\n",
        {"guides/onboarding.md": "# Welcome\n\n<script>window.__xss = 1</script>\n\n[x](javascript:alert(1))\n"},
    )
    run = build_site(repo, tmp_path / "out")
    assert run.code == 0, run.out + run.err
    home = (tmp_path / "out/index.html").read_text()
    assert "<title>Home - Acme platform</title>" in home
    assert 'data-md-color-scheme="slate"' in home and 'data-md-color-primary="indigo"' in home
    assert 'href="pages/guides/onboarding/"' in home  # in the nav
    guide = (tmp_path / "out/pages/guides/onboarding/index.html").read_text()
    assert "<h1>Welcome</h1>" in guide and "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in guide
    assert "javascript:" not in guide


@pytest.mark.parametrize(
    ("fragment", "where", "message"),
    [
        ("hooks: [x.py]\n", "site/mkdocs.yml:1:1", "hooks is not allowed: hooks run Python code"),
        ("site_name: ok\nplugins: [search]\n", "site/mkdocs.yml:2:1", "plugins is not allowed"),
        ("theme:\n  custom_dir: overrides\n", "site/mkdocs.yml:2:3", "theme.custom_dir is not allowed"),
        ("extra_javascript: [a.js]\n", "site/mkdocs.yml:1:1", "extra_javascript is not allowed"),
        ("site_name: !ENV SECRET\n", "site/mkdocs.yml:1:12", "YAML tag !ENV is not allowed"),
        ("markdown_extensions: [pymdownx.snippets]\n", "site/mkdocs.yml:1:1", "can include files"),
        ("site_name: '</title><script>x</script>'\n", "site/mkdocs.yml:1:1", "site_name must be plain text"),
        ("nav:\n  - Up: ../teams/platform.yaml\n", "site/mkdocs.yml:2:5", "a nav page must be a Markdown file"),
        ("nav:\n  - Gone: missing.md\n", "site/mkdocs.yml:2:5", "nav page site/missing.md does not exist"),
        ("site_name: [unclosed\n", "site/mkdocs.yml:2:1", "not valid YAML"),
    ],
)
def test_anything_else_is_refused_with_its_location_and_nothing_is_written(
    tmp_path: Path, module_state: Path, fragment: str, where: str, message: str
) -> None:
    repo = repo_with_site(tmp_path, fragment)
    run = build_site(repo, tmp_path / "out")
    assert run.code == 1
    assert f"{where}: error: " in run.out and message in run.out, run.out
    assert "nothing written" in run.err
    assert "Traceback" not in run.out + run.err
    assert not (tmp_path / "out").exists()


def test_an_invalid_commit_writes_nothing(tmp_path: Path, module_state: Path) -> None:
    repo = copy_template(tmp_path / "repo")
    team = repo / "teams/data.yaml"
    team.write_text(team.read_text().replace("role: admin", "role: emperor", 1), encoding="utf-8")
    run = build_site(repo, tmp_path / "out")
    assert run.code == 1
    assert "teams/data.yaml:" in run.out and "error" in run.out
    assert not (tmp_path / "out").exists()


def test_a_bad_terminal_url_is_a_usage_error(tmp_path: Path, module_state: Path) -> None:
    run = build_site(copy_template(tmp_path / "repo"), tmp_path / "out", "--terminal-url", "javascript:x")
    assert run.code == 2
    assert "--terminal-url must be" in run.err
    assert not (tmp_path / "out").exists()


def test_a_folder_that_is_not_a_site_is_never_emptied(tmp_path: Path, module_state: Path) -> None:
    """A full build empties its output folder: `--out` naming the repo itself, or any folder with other files in
    it, is refused before anything is written, and every file stays."""
    repo = copy_template(tmp_path / "repo")
    before = sorted(str(p.relative_to(repo)) for p in repo.rglob("*"))
    for out in (repo, repo / "teams", tmp_path / "repo/README.md"):
        run = build_site(repo, out)
        assert run.code == 2, run.err
        assert "portal: error:" in run.err and str(out) in run.err
    assert sorted(str(p.relative_to(repo)) for p in repo.rglob("*")) == before
    empty = tmp_path / "empty"
    empty.mkdir()
    assert build_site(repo, empty).code == 0
    assert build_site(repo, empty).code == 0  # its own earlier site: rebuilt in place

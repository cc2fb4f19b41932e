"""The wheel carries the schemas and the starter repo: `portal init` + `portal validate` from a clean venv."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow


def _project_with_local_state(tmp_path: Path) -> Path:
    """A copy of the project in which `portal` was once run with `--state-dir .portal` in two places."""
    project = tmp_path / "project"
    for name in ("reconciler", "sitegen", "schemas", "repo-template"):
        shutil.copytree(REPO_ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO_ROOT / name, project / name)
    for state in (project / "repo-template/.portal", project / "reconciler/.portal"):
        (state / "cache").mkdir(parents=True)
        (state / "cache/poisoned").write_text("local state")
    return project


def test_wheel_installs_and_runs_from_a_clean_venv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    project = _project_with_local_state(tmp_path)
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(project)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "reconciler/_data/repo-template/.portalignore" in names
    # the site generator with its templates and theme files, which are not Python
    assert "sitegen/render/templates/artifact.html" in names
    assert "sitegen/theme/overrides/main.html" in names
    assert not [name for name in names if ".portal/" in name]  # local state is never packaged
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-c",
            str(REPO_ROOT / "constraints.txt"),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    portal = env_dir / "bin" / "portal"
    starter = tmp_path / "platform"
    init = subprocess.run([str(portal), "init", str(starter)], capture_output=True, text=True, cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    assert not (starter / ".portal").exists()
    validate = subprocess.run([str(portal), "validate", str(starter)], capture_output=True, text=True, cwd=tmp_path)
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert validate.stdout == ""
    exported = subprocess.run(
        [str(portal), "schemas", "export", str(tmp_path / "schemas")], capture_output=True, text=True
    )
    assert exported.returncode == 0
    assert (tmp_path / "schemas" / "workspace.schema.json").is_file()
    # The installed package must not be reading the source tree.
    where = subprocess.run(
        [str(python), "-c", "import reconciler.resources as r; print(r.schemas_dir())"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    assert str(env_dir) in where.stdout

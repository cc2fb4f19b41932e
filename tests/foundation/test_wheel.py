"""The wheel carries the schemas and the starter repo: `portal init` + `portal validate` from a clean venv."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow


def test_wheel_installs_and_runs_from_a_clean_venv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(REPO_ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("*.whl")
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

"""deploy/Containerfile agrees with the repository and with the Deployment that runs its image."""

from __future__ import annotations

import re

import yaml

from tests.conftest import REPO_ROOT

CONTAINERFILE = (REPO_ROOT / "deploy" / "Containerfile").read_text()


def instructions(name: str) -> list[str]:
    return [line.split(None, 1)[1] for line in CONTAINERFILE.splitlines() if line.startswith(f"{name} ")]


def test_the_wheel_is_built_from_this_checkout_with_the_pinned_dependencies() -> None:
    build_stage, run_stage = instructions("FROM")
    assert build_stage.endswith(" AS build") and "COPY --from=build /opt/portal /opt/portal" in CONTAINERFILE
    python = (REPO_ROOT / ".python-version").read_text().strip().rsplit(".", 1)[0]
    assert all(f"python:{python}-" in stage for stage in (build_stage, run_stage)), "the Python the tests run on"
    assert "python -m build --wheel --outdir /wheels ." in CONTAINERFILE
    assert "pip install --no-cache-dir -c constraints.txt /wheels/*.whl" in CONTAINERFILE
    ignored = (REPO_ROOT / ".containerignore").read_text().split()
    assert {".venv", ".git"} <= set(ignored)


def test_the_image_runs_portal_as_the_user_the_deployment_expects() -> None:
    (user,) = instructions("USER")
    assert instructions("ENTRYPOINT") == ['["portal"]']
    deployment = yaml.safe_load((REPO_ROOT / "deploy" / "deployment.yaml").read_text())
    context = deployment["spec"]["template"]["spec"]["securityContext"]
    assert user == f"{context['runAsUser']}:{context['runAsGroup']}" and context["runAsNonRoot"]
    assert re.search(rf"useradd --uid {context['runAsUser']}\b", CONTAINERFILE)

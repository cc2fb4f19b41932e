"""Names are limited by where they end up: a name `validate` accepts is one Kubernetes and the filesystem accept."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import write_files
from tests.foundation.repos import HEADER, TEAM, WORKSPACE, valid_repo
from tests.herald.builders import APP_LOGS, PRD_CLUSTER

LONGEST = {"Team": 58, "Workspace": 53, "WorkspaceTemplate": 45, "Pipeline": 54}
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")

TEMPLATE = (
    HEADER
    + """\
kind: WorkspaceTemplate
metadata:
  name: go-dev
spec:
  displayName: Go development
  category: backend
  scope: team
  team: payments
  template: {image: "golang:1.23", resources: {cpu: "1", memory: 1Gi}}
"""
)


def name_of(length: int, stem: str) -> str:
    return (stem + "-" + "x" * length)[:length]


def repo_with_names(names: dict[str, str]) -> dict[str, str]:
    """The valid repo plus a pipeline and a template, each kind's (own, unreferenced or referenced) name given."""
    platform = TEAM.replace("name: payments", f"name: {names['Team']}")
    workspace = WORKSPACE.replace("alice-ledger", names["Workspace"]).replace('cpu: "2"', 'cpu: "1"')
    pipeline = APP_LOGS.replace("name: app-logs", f"name: {names['Pipeline']}").replace(
        "team: payments", f"team: {names['Team']}"
    )
    cluster = PRD_CLUSTER.replace("team: platform", f"team: {names['Team']}")
    template = TEMPLATE.replace("go-dev", names["WorkspaceTemplate"]).replace(
        "team: payments", f"team: {names['Team']}"
    )
    return valid_repo() | {
        "teams/platform.yaml": platform,
        "workspaces/alice-ledger.yaml": workspace,
        "workspace-templates/go-dev.yaml": template,
        "clusters/prd-eu-1.yaml": cluster,
        "pipelines/app-logs.yaml": pipeline,
    }


def at_limit() -> dict[str, str]:
    return {kind: name_of(longest, kind.lower()) for kind, longest in LONGEST.items()}


@pytest.mark.parametrize(
    ("kind", "path", "line", "becomes", "limit"),
    [
        ("Team", "teams/platform.yaml", 4, "the namespace team-<name>", "63 characters"),
        (
            "Workspace",
            "workspaces/alice-ledger.yaml",
            4,
            "the label value portal.butlerlabs.dev/source=Workspace.<name>",
            "63 characters",
        ),
        (
            "WorkspaceTemplate",
            "workspace-templates/go-dev.yaml",
            4,
            "the label value portal.butlerlabs.dev/source=WorkspaceTemplate.<name>",
            "63 characters",
        ),
        (
            "Pipeline",
            "pipelines/app-logs.yaml",
            4,
            "the label value portal.butlerlabs.dev/source=Pipeline.<name>",
            "63 characters",
        ),
    ],
)
def test_one_character_more_is_a_located_error_saying_where_the_name_goes(
    kind: str, path: str, line: int, becomes: str, limit: str, tmp_path: Path, portal
) -> None:
    names = at_limit() | {kind: name_of(LONGEST[kind] + 1, kind.lower())}
    write_files(tmp_path / "repo", repo_with_names(names))
    result = portal("validate", tmp_path / "repo")
    assert result.code == 1
    assert result.lines == [
        f"{path}:{line}:3: error: {kind}/{names[kind]}: metadata.name: too long ({LONGEST[kind] + 1} characters): "
        f"it becomes {becomes}, at most {limit}, so a {kind} name has at most {LONGEST[kind]} characters"
    ]


def test_a_pipeline_name_too_long_for_a_file_name_is_refused(tmp_path: Path, portal) -> None:
    names = at_limit() | {"Pipeline": name_of(250, "pipeline")}
    write_files(tmp_path / "repo", repo_with_names(names))
    result = portal("validate", tmp_path / "repo")
    assert result.code == 1
    assert [line.split(": error: ")[0] for line in result.lines] == ["pipelines/app-logs.yaml:4:3"]
    assert "becomes the label value" in result.out


def _objects(manifests: Path) -> Iterator[dict[str, Any]]:
    for document in yaml.safe_load_all(manifests.read_text()):
        if isinstance(document, dict):
            yield document


def test_names_at_their_limits_compile_to_what_kubernetes_and_the_filesystem_accept(tmp_path: Path, portal) -> None:
    write_files(tmp_path / "repo", repo_with_names(at_limit()))
    out = tmp_path / "out"
    result = portal("compile", tmp_path / "repo", "--out", out)
    assert result.code == 0, result.out + result.err
    objects = [obj for manifests in out.glob("clusters/*/manifests.yaml") for obj in _objects(manifests)]
    sources = {obj["metadata"]["labels"]["portal.butlerlabs.dev/source"] for obj in objects}
    assert {f"{kind}.{name}" for kind, name in at_limit().items() if kind != "Team"} <= sources
    assert f"team-{at_limit()['Team']}" in {obj["metadata"].get("namespace") for obj in objects}
    for obj in objects:
        metadata = obj["metadata"]
        for value in metadata.get("labels", {}).values():
            assert len(value) <= 63 and LABEL_VALUE.match(value), value
        assert len(metadata["name"]) <= 253 and DNS_SUBDOMAIN.match(metadata["name"]), metadata["name"]
        namespace = metadata.get("namespace", "")
        assert len(namespace) <= 63 and DNS_LABEL.match(namespace or "a"), namespace
    for path in out.rglob("*"):
        assert len(path.name.encode()) <= 255

"""`portal check --live`: the head planned against the clusters themselves (the emulated API servers), as
`portal plan --prune` plans it, instead of base → head."""

from __future__ import annotations

import json
from pathlib import Path

from tests.apply.conftest import Platform
from tests.conftest import run_portal_in_process
from tests.gitrepo import commit


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts}


def test_live_plans_the_head_against_the_clusters(platform: Platform) -> None:
    base = commit(platform.repo, _tree(platform.repo), "base")
    assert platform.reconcile().code == 0
    platform.edit("workspaces/omar-oncall.yaml", "storageSize: 10Gi", "storageSize: 20Gi")
    # Someone changed the live object too: the live plan sees it, base → head cannot.
    platform.merge_patch(
        "mgmt",
        "/apis/butler.butlerlabs.dev/v1alpha1/namespaces/team-platform/workspaces/omar-oncall",
        {"spec": {"storageSize": "15Gi"}},
    )
    commit(platform.repo, _tree(platform.repo), "bigger disk")
    platform.reset_counters()
    args = ("check", "--repo", platform.repo, "--base", base, "--format", "json")
    offline = json.loads(run_portal_in_process(*args).out)
    [update] = next(c for c in offline["clusters"] if c["cluster"] == "mgmt")["plan"]["changes"]
    assert update["fields"] == [{"path": "spec.storageSize", "live": "10Gi", "desired": "20Gi"}]
    run = run_portal_in_process(*args, "--live", "--kubeconfig", platform.kubeconfig)
    assert run.code == 0, run.err
    report = json.loads(run.out)
    assert report["live"] is True
    clusters = {c["cluster"]: c for c in report["clusters"]}
    assert set(clusters) == {"mgmt", "dev-eu-1", "prd-eu-1"}
    assert clusters["mgmt"]["dryRun"] is True
    [change] = clusters["mgmt"]["plan"]["changes"]
    assert change["object"] == "Workspace/team-platform/omar-oncall"
    assert change["fields"] == [{"path": "spec.storageSize", "live": "15Gi", "desired": "20Gi"}]
    assert clusters["dev-eu-1"]["plan"]["hasChanges"] is False
    assert platform.writes() == 0, "a check never writes to a cluster"
    text = run_portal_in_process(*args[:-2], "--live", "--kubeconfig", platform.kubeconfig)
    assert "mgmt (dry run): 0 to create, 1 to update" in text.out
    markdown = run_portal_in_process(*args[:-2], "--live", "--kubeconfig", platform.kubeconfig, "--format", "markdown")
    assert "| `mgmt` | | | 0 / 1 / 0 |" in markdown.out
    assert "<summary>Objects per cluster (live)</summary>" in markdown.out


def test_live_without_a_kubeconfig_is_a_usage_error(platform: Platform) -> None:
    base = commit(platform.repo, _tree(platform.repo), "base")
    run = run_portal_in_process(
        "check", "--repo", platform.repo, "--base", base, "--live", "--kubeconfig", platform.repo / "missing.yaml"
    )
    assert run.code == 2
    assert "--kubeconfig" in run.err and "no such file" in run.err

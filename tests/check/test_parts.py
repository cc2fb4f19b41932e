"""The parts of the report, each on the change that moves it: objects (Secrets redacted), quotas, and what a
change that breaks a document does not claim."""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.check.objects import cluster_objects
from reconciler.kube.report import plan_json
from reconciler.model.kinds import RepoModel
from tests.check.builders import ARTIFACT_PATH, change
from tests.foundation.repos import TENANT, WORKSPACE


def secret(data: dict[str, str]) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": "vector"}, "data": data}


def test_secret_values_never_reach_the_report() -> None:
    base = {"dev": [secret({"token": "b2xkLXNlY3JldA==", "dropped": "ZHJvcHBlZC1zZWNyZXQ="})]}
    head = {"dev": [secret({"token": "bmV3LXNlY3JldA==", "added": "YWRkZWQtc2VjcmV0"})]}
    [objects] = cluster_objects(base, head, RepoModel(), "test")
    shown = json.dumps(plan_json(objects.plan))
    for value in ("b2xkLXNlY3JldA==", "ZHJvcHBlZC1zZWNyZXQ=", "bmV3LXNlY3JldA==", "YWRkZWQtc2VjcmV0"):
        assert value not in shown
    [update] = objects.plan.changes
    paths = {f.path: (f.live, f.desired) for f in update.fields}
    assert paths["data.token"] == ("(redacted)", "(redacted)")
    assert paths["data.added"] == (None, "(redacted)")
    assert paths["data.dropped"] == ("(redacted)", None), "a key the head drops is shown, its value is not"


def test_a_cluster_whose_limits_change_shows_its_quota_use(tmp_path: Path, portal) -> None:
    raised = TENANT.replace("maxWorkspaces: 3", "maxWorkspaces: 5").replace('maxCPU: "8"', 'maxCPU: "16"')
    repo, base, _ = change(tmp_path, {"clusters/dev-eu-1.yaml": raised})
    report = json.loads(portal("check", "--repo", repo, "--base", base, "--format", "json").out)
    [quota] = report["chambers"]["quotas"]
    assert quota["cluster"] == "dev-eu-1"
    assert quota["uses"][:2] == [
        {"resource": "workspaces", "before": "1", "after": "1", "limit": "5"},
        {"resource": "cpu", "before": "2", "after": "2", "limit": "16"},
    ]


def test_a_workspace_that_moves_shows_both_clusters(tmp_path: Path, portal) -> None:
    other = TENANT.replace("dev-eu-1", "dev-eu-2").replace("env: dev", "env: dev2")
    moved = WORKSPACE.replace("cluster: dev-eu-1", "cluster: dev-eu-2")
    repo, base, _ = change(tmp_path, {"workspaces/alice-ledger.yaml": moved}, {"clusters/dev-eu-2.yaml": other})
    report = json.loads(portal("check", "--repo", repo, "--base", base, "--format", "json").out)
    assert [(w["name"], w["cluster"], w["change"]) for w in report["chambers"]["workspaces"]] == [
        ("alice-ledger", "dev-eu-2", "changed")
    ]
    assert [(q["cluster"], q["uses"][0]["before"], q["uses"][0]["after"]) for q in report["chambers"]["quotas"]] == [
        ("dev-eu-1", "1", "0"),
        ("dev-eu-2", "0", "1"),
    ]


def test_a_broken_artifact_is_not_reported_archived(tmp_path: Path, portal) -> None:
    repo, base, _ = change(
        tmp_path,
        {
            ARTIFACT_PATH: "apiVersion: portal.butlerlabs.dev/v1alpha1\nkind: Artifact\n"
            "metadata: {name: vpc}\nspec: {type: nonsense}\n"
        },
    )
    result = portal("check", "--repo", repo, "--base", base, "--format", "json")
    report = json.loads(result.out)
    assert result.code == 1
    assert report["keeper"]["changes"] == []

"""Terraform's questions to the registry, answered by one sidecar: discovery and versions from the static site it
serves (`--site`), the `download` step (204 with `X-Terraform-Get`) from the commit it serves."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gitrepo import commit
from tests.site.builders import build_site
from tests.site.test_determinism import template_files
from tests.terminal.builders import load_model, serving

MODULE = "/v1/modules/data/rds-postgres/aws"


async def test_terraform_discovers_lists_and_downloads_only_served_module_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_STATE_DIR", str(tmp_path / "state"))
    repo = tmp_path / "repo"
    commit(repo, template_files())
    site = tmp_path / "site"
    run = build_site(None, site, "--repo", repo)
    assert run.code == 0, run.out + run.err
    model, commit_id = load_model(repo, tmp_path / "state")
    async with serving(model, commit_id, site=site) as harness:
        discovery = await harness.client.get(f"{harness.base}/.well-known/terraform.json")
        assert discovery.status == 200
        modules = (await discovery.json())["modules.v1"]
        assert modules == "/v1/modules/"
        listed = await harness.client.get(f"{harness.base}{modules}data/rds-postgres/aws/versions")
        assert listed.status == 200 and listed.headers["Content-Type"] == "application/json"
        versions = {v["version"] for v in (await listed.json())["modules"][0]["versions"]}
        assert versions == {"2.1.0", "2.0.0"}  # 2.2.0 is pending, 1.4.2 yanked
        for version in sorted(versions):
            download = await harness.client.get(f"{harness.base}{MODULE}/{version}/download")
            assert download.status == 204, version
            assert download.headers["X-Terraform-Get"] == (
                f"git::https://github.com/acme/terraform-aws-rds-postgres?ref=v{version}"
            )
            assert await download.read() == b""
        for path in (
            f"{MODULE}/2.2.0/download",  # pending
            f"{MODULE}/1.4.2/download",  # yanked
            f"{MODULE}/9.9.9/download",  # never published
            "/v1/modules/data/rds-postgres/gcp/2.1.0/download",  # another system
            "/v1/modules/payments/rds-postgres/aws/2.1.0/download",  # another namespace
            "/v1/modules/platform/ingress-nginx/helm/4.11.3/download",  # not a module
        ):
            answer = await harness.client.get(f"{harness.base}{path}")
            assert answer.status == 404, path
            assert "X-Terraform-Get" not in answer.headers

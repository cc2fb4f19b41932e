"""The machine-readable files every build writes beside the pages: the JSON API, the registries' files, the feed
and the sitemap, kept current by rebuilds and refused for a base URL they cannot use."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import yaml

from tests.gitrepo import commit
from tests.site.builders import TEMPLATE, build_site, copy_template, edit_document
from tests.site.test_determinism import template_files

BASE = "https://catalog.acme.dev/portal/"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def sitemap_locations(out: Path) -> list[str]:
    return [loc.text or "" for loc in ET.parse(out / "sitemap.xml").getroot().iter(f"{SITEMAP}loc")]


def test_a_build_writes_the_api_the_registries_the_feed_and_its_own_sitemap(tmp_path: Path, module_state: Path) -> None:
    out = tmp_path / "out"
    run = build_site(TEMPLATE, out, "--base-url", BASE)
    assert run.code == 0, run.out + run.err
    index = json.loads((out / "api/index.json").read_text())
    assert {
        "kind": "Workspace",
        "name": "dana-notebooks",
        "team": "data",
        "path": "api/workspace/data/dana-notebooks.json",
    } in index["entities"]
    assert json.loads((out / "api/artifact/rds-postgres.json").read_text())["metadata"]["name"] == "rds-postgres"
    assert json.loads((out / ".well-known/terraform.json").read_text()) == {
        "modules.v1": "/portal/v1/modules/",
        "providers.v1": "/portal/v1/providers/",
    }
    versions = json.loads((out / "v1/modules/data/rds-postgres/aws/versions").read_text())
    assert versions["modules"][0]["versions"]
    assert yaml.safe_load((out / "helm/platform/index.yaml").read_text())["apiVersion"] == "v1"
    feed = ET.parse(out / "feed.xml").getroot()
    links = {link.get("href") for entry in feed.iter(f"{ATOM}entry") for link in entry.iter(f"{ATOM}link")}
    assert f"{BASE}artifact/rds-postgres/" in links  # entries link to the artifact's page, not its JSON
    assert all(link.endswith("/") for link in links)
    locations = sitemap_locations(out)
    assert BASE in locations and f"{BASE}workspace/data/dana-notebooks/" in locations
    assert f"{BASE}artifact/ingress-nginx/" in locations
    assert not any(loc.endswith(".json") for loc in locations)
    assert not (out / "sitemap.xml.gz").exists()  # MkDocs' own, which lists other URLs, is gone


def test_without_a_base_url_there_is_no_sitemap_and_the_feed_links_from_the_site_root(template_site: Path) -> None:
    assert not (template_site / "sitemap.xml").exists() and not (template_site / "sitemap.xml.gz").exists()
    feed = ET.parse(template_site / "feed.xml").getroot()
    links = {link.get("href") for entry in feed.iter(f"{ATOM}entry") for link in entry.iter(f"{ATOM}link")}
    assert "/artifact/rds-postgres/" in links
    assert (template_site / "api/index.json").is_file()


def test_a_relative_base_url_is_a_usage_error_and_nothing_is_written(tmp_path: Path, module_state: Path) -> None:
    out = tmp_path / "out"
    run = build_site(TEMPLATE, out, "--base-url", "/portal/")
    assert run.code == 2
    assert "--base-url: a sitemap needs an absolute http(s) base URL, got '/portal/'" in run.err
    assert "Traceback" not in run.err
    assert not out.exists()


def test_a_version_left_out_of_a_registry_is_a_located_warning_and_the_build_succeeds(
    tmp_path: Path, module_state: Path
) -> None:
    source = copy_template(tmp_path / "repo")

    def git_storage(doc: dict[str, Any]) -> None:
        doc["spec"]["storage"] = {"git": {"repositoryUrl": "https://github.com/acme/helm-charts"}}

    edit_document(source, "artifacts/ingress-nginx/artifact.yaml", git_storage)
    out = tmp_path / "out"
    run = build_site(source, out)
    assert run.code == 0, run.out + run.err
    assert (
        "artifacts/ingress-nginx/artifact.yaml:" in run.out
        and ": warning: Artifact/ingress-nginx: version 4.11.3 is left out of the Helm repository index" in run.out
    )
    assert yaml.safe_load((out / "helm/platform/index.yaml").read_text())["entries"] == {}


def test_a_rebuild_keeps_the_files_current_and_deletes_those_of_a_removed_entity(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PORTAL_STATE_DIR", str(tmp_path / "state"))
    repo = tmp_path / "repo"
    files = template_files()
    commit(repo, files)
    out = tmp_path / "out"
    assert build_site(None, out, "--repo", repo, "--base-url", BASE).code == 0
    assert (out / "api/workspace/data/dana-notebooks.json").is_file()
    del files["workspaces/dana-notebooks.yaml"]
    omar = files["workspaces/omar-oncall.yaml"].decode()
    assert "idleTimeout: 1h" in omar
    files["workspaces/omar-oncall.yaml"] = omar.replace("idleTimeout: 1h", "idleTimeout: 3h").encode()
    commit(repo, files)
    run = build_site(None, out, "--repo", repo, "--base-url", BASE)
    assert run.code == 0, run.out + run.err
    assert not (out / "api/workspace/data/dana-notebooks.json").exists()
    assert f"{BASE}workspace/data/dana-notebooks/" not in sitemap_locations(out)
    index = json.loads((out / "api/index.json").read_text())
    assert "dana-notebooks" not in {entity["name"] for entity in index["entities"]}
    omar_json = json.loads((out / "api/workspace/platform/omar-oncall.json").read_text())
    assert omar_json["spec"]["idleTimeout"] == "3h"

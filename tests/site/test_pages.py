"""A page per entity of the starter template, with what it must show."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from tests.site.builders import TEMPLATE, build_site, copy_template, edit_document


def page(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def content(site: Path, url: str) -> str:
    """The page's own part, without Material's header, nav and footer."""
    text = page(site, url)
    return text[text.index('<div class="portal-page') : text.index("</article>")]


def test_the_home_page_counts_each_kind_and_lists_recent_changes(template_site: Path) -> None:
    home = content(template_site, "")
    counts = {title: int(n) for n, title in re.findall(r"<strong>(\d+)</strong> (\w+)</a>", home)}
    assert counts == {"Teams": 3, "Clusters": 3, "Workspaces": 5, "Artifacts": 6, "Pipelines": 3, "Policies": 2}
    assert "rds-postgres 2.2.0 published by eli@acme.dev" in home
    assert "rds-postgres 2.1.0 approved by eli@acme.dev" in home
    assert "No database was given to this build." in home


def test_a_team_page_lists_members_and_what_it_owns(template_site: Path) -> None:
    team = content(template_site, "team/data")
    assert "<td>dana@acme.dev</td><td>user</td><td>admin</td>" in team
    assert "<td>analysts</td><td>group</td><td>viewer</td>" in team
    assert 'href="../../artifact/rds-postgres/"' in team
    assert 'href="../../pipeline/error-routing/"' in team
    assert 'href="../../workspace/data/dana-notebooks/"' in team


def test_a_cluster_page_shows_labels_connection_quota_and_what_targets_it(template_site: Path) -> None:
    cluster = content(template_site, "cluster/prd-eu-1")
    assert "<code>env=prd</code>" in cluster and "<code>region=eu</code>" in cluster
    assert "kubeconfig context prd-eu-1" in cluster
    assert "CPU 6, memory 12Gi, storage 60Gi" in cluster
    assert re.search(r"\d+ of at most 3", cluster)
    assert 'href="../../pipeline/app-logs/"' in cluster


def test_a_workspace_page_shows_its_spec_with_template_defaults_and_the_terminal_link(template_site: Path) -> None:
    workspace = content(template_site, "workspace/payments/alice-ledger")
    assert "alice@acme.dev" in workspace
    assert 'href="https://github.com/acme/ledger"' in workspace  # from the go-dev template
    assert 'href="../../../terminal/payments/alice-ledger/">Open terminal</a>' in workspace
    terminal = page(template_site, "terminal/payments/alice-ledger")
    assert 'data-terminal-url="https://term.acme.dev:8443"' in terminal
    assert 'data-workspace="payments/alice-ledger"' in terminal
    assert '<div id="terminal" class="terminal"' in terminal
    # the terminal view's files, from the site itself, on terminal pages only
    assert '<script src="../../../static/terminal/terminal.js" defer></script>' in terminal
    assert "static/terminal/" not in page(template_site, "workspace/payments/alice-ledger")
    assert (template_site / "static/terminal/vendor/xterm.js").is_file()


def test_an_artifact_page_shows_versions_with_states_policy_changelog_readme_and_install(template_site: Path) -> None:
    artifact = content(template_site, "artifact/rds-postgres")
    rows = re.findall(r"<tr id=\"v-\d+\"><td><code>([^<]+)</code></td>\n<td>(.*?)</td>", artifact)
    states = {version: re.findall(r"portal-badge--(\w+)", badges) for version, badges in rows}
    assert states["2.2.0"] == ["pending"]
    assert states["2.1.0"] == ["approved", "latest"]
    assert states["1.4.2"] == ["approved", "yanked"]
    assert "Yanked by dana@acme.dev" in artifact
    assert 'href="../../policy/baseline/">Policy/baseline</a>' in artifact  # where the effective rule comes from
    assert "<p>Performance Insights on by default.</p>" in artifact
    readme = (Path(__file__).parents[2] / "repo-template/artifacts/rds-postgres/README.md").read_text()
    first_heading = re.search(r"^# (.+)$", readme, re.M)
    assert first_heading and f"<h1>{first_heading.group(1)}</h1>" in artifact
    # without --base-url there is no registry host to name: the snippet pins the latest approved version's tag
    assert "source = &#34;git::https://github.com/acme/terraform-aws-rds-postgres?ref=v2.1.0&#34;" in artifact


def test_a_pipeline_page_draws_every_component_and_shows_config_tests_and_targets(template_site: Path) -> None:
    pipeline = content(template_site, "pipeline/error-routing")
    components = set(re.findall(r'data-component="([^"]+)"', pipeline))
    assert components == {"data_job_logs", "data_parse", "by_level", "data_errors_loki", "data_archive_s3"}
    assert 'portal-node--source" data-component="data_job_logs"' in pipeline
    assert 'portal-node--sink" data-component="data_archive_s3"' in pipeline
    assert set(re.findall(r'class="portal-edge-label"[^>]*>([^<]+)<', pipeline)) == {"errors", "warnings", "_unmatched"}
    config = re.search(r'<code class="language-yaml">(.*?)</code>', pipeline, re.S)
    assert config and "data_errors_loki:" in config.group(1)
    assert yaml.safe_load(config.group(1).replace("&#34;", '"').replace("&#39;", "'"))["sinks"]
    assert 'href="../../cluster/dev-eu-1/"' in pipeline


def test_a_policy_page_shows_rules_bindings_and_the_artifacts_it_applies_to(template_site: Path) -> None:
    policy = content(template_site, "policy/production-modules")
    assert "<td><code>minApprovers</code></td><td><code>2</code></td>" in policy
    assert "namespace: <code>networking</code>" in policy
    assert 'href="../../artifact/vpc/"' in policy


def test_entity_pages_stay_out_of_the_global_nav(template_site: Path) -> None:
    home = page(template_site, "")
    nav = home[home.index('<nav class="md-nav md-nav--primary"') :]
    nav = nav[: nav.index("</nav>")]
    assert 'href="teams/"' in nav and 'href="artifacts/"' in nav
    assert "artifact/rds-postgres" not in nav and "team/data" not in nav


def test_with_a_base_url_install_snippets_name_its_host_and_pages_their_canonical_url(
    tmp_path: Path, module_state: Path
) -> None:
    out = tmp_path / "out"
    run = build_site(TEMPLATE, out, "--base-url", "https://catalog.acme.dev/portal/")
    assert run.code == 0, run.out + run.err
    artifact = page(out, "artifact/rds-postgres")
    # a Terraform registry address is host/namespace/name/system: the path comes from service discovery
    assert "source  = &#34;catalog.acme.dev/data/rds-postgres/aws&#34;" in artifact
    assert '<link rel="canonical" href="https://catalog.acme.dev/portal/artifact/rds-postgres/">' in artifact


def test_an_artifact_stored_at_a_url_unsafe_to_paste_gets_no_install_snippet(
    tmp_path: Path, module_state: Path
) -> None:
    """A file:// storage URL passes validation, but a snippet would have the reader clone from their own disk."""
    source = copy_template(tmp_path / "repo")

    def hostile(doc: dict[str, Any]) -> None:
        doc["spec"]["storage"] = {"git": {"repositoryUrl": "file:///home/attacker/rds.git"}}

    edit_document(source, "artifacts/rds-postgres/artifact.yaml", hostile)
    out = tmp_path / "out"
    assert build_site(source, out).code == 0
    artifact = content(out, "artifact/rds-postgres")
    install = artifact.split("<h2>Install</h2>")[1].split("<h2>")[0]
    assert "No install snippet" in install
    assert "file://" not in install

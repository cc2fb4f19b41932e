"""Every page of the site as (URL, title, safe HTML), from a validated commit: a pure function of its inputs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from sitegen.pages.entities import (
    artifact_page,
    cluster_page,
    pipeline_page,
    policy_page,
    team_page,
    terminal_page,
    workspace_page,
)
from sitegen.pages.fingerprints import document_key, fingerprint
from sitegen.pages.home import home_page
from sitegen.pages.indexes import index_page
from sitegen.pages.inputs import SiteInputs
from sitegen.pages.page import Page, PageJob
from sitegen.render import render
from sitegen.urls import INDEXES, SEARCH, entity_url, terminal_url


def _always(page: Callable[[], Page], url: str) -> PageJob:
    return PageJob(url, "", page)


def site_pages(site: SiteInputs, site_name: str) -> Iterator[PageJob]:
    """Every page, each with the digest of what it shows: the caller renders those whose digest changed."""
    model = site.model
    options = (site.options.terminal_url, site.options.base_url)
    status = site.status
    yield _always(lambda: home_page(site, site_name), "")
    yield _always(lambda: Page(SEARCH, "Search", render("search.html", SEARCH)), SEARCH)
    for kind in INDEXES:
        yield _always(partial(index_page, kind, site), INDEXES[kind])
    for team in model.teams.values():
        owned = site.owned.get(team.name)
        yield PageJob(
            entity_url("Team", team.name), fingerprint(document_key(team.doc), owned), partial(team_page, team, site)
        )
    for cluster in model.clusters.values():
        on_it = site.on_cluster.get(cluster.name)
        row = (status.taken_at, status.clusters.get(cluster.name)) if status else None
        yield PageJob(
            entity_url("Cluster", cluster.name),
            fingerprint(document_key(cluster.doc), on_it, repr(row)),
            partial(cluster_page, cluster, site),
        )
    for workspace in model.workspaces.values():
        template = model.workspace_templates.get(workspace.template or "")
        yield PageJob(
            entity_url("Workspace", workspace.team, workspace.name),
            fingerprint(document_key(workspace.doc), document_key(template.doc if template else None), options),
            partial(workspace_page, workspace, site),
        )
        if site.options.terminal_url:
            yield PageJob(
                terminal_url(workspace.team, workspace.name),
                fingerprint("terminal", workspace.team, workspace.name, options),
                partial(terminal_page, workspace, site),
            )
    for name, state in site.states.items():
        team = model.teams.get(state.team)
        policies = tuple(document_key(model.policies[p].doc) for p in state.policy.policies if p in model.policies)
        readme = state.artifact.doc.spec.get("readme")
        readme_text = site.read_text(readme) if isinstance(readme, str) else None
        yield PageJob(
            entity_url("Artifact", name),
            fingerprint(
                document_key(state.artifact.doc),
                document_key(team.doc if team else None),
                policies,
                readme_text,
                options,
            ),
            partial(artifact_page, name, site),
        )
    for name, pipeline in model.pipelines.items():
        versions = (status.taken_at, status.pipeline_versions.get(name)) if status else None
        yield PageJob(
            entity_url("Pipeline", name),
            fingerprint(document_key(pipeline.doc), site.pipeline_clusters[name], repr(versions)),
            partial(pipeline_page, pipeline, site.build, site),
        )
    for name, policy in model.policies.items():
        yield PageJob(
            entity_url("Policy", name),
            fingerprint(document_key(policy.doc), site.policy_artifacts.get(name)),
            partial(policy_page, policy, site),
        )

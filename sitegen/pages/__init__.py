"""Every page of the site as (URL, title, safe HTML), from a validated commit: a pure function of its inputs."""

from __future__ import annotations

from collections.abc import Iterator

from sitegen.pages.entities import (
    artifact_page,
    cluster_page,
    pipeline_page,
    policy_page,
    team_page,
    terminal_page,
    workspace_page,
)
from sitegen.pages.home import home_page
from sitegen.pages.indexes import index_page
from sitegen.pages.inputs import SiteInputs
from sitegen.pages.page import Page
from sitegen.render import render
from sitegen.urls import INDEXES, SEARCH


def site_pages(site: SiteInputs, site_name: str) -> Iterator[Page]:
    model = site.model
    yield home_page(site, site_name)
    yield Page(SEARCH, "Search", render("search.html", SEARCH), searchable=False)
    for kind in INDEXES:
        yield index_page(kind, site)
    for team in model.teams.values():
        yield team_page(team, site)
    for cluster in model.clusters.values():
        yield cluster_page(cluster, site)
    for workspace in model.workspaces.values():
        yield workspace_page(workspace, site)
        if site.options.terminal_url:
            yield terminal_page(workspace, site)
    for name in site.states:
        yield artifact_page(name, site)
    for pipeline in model.pipelines.values():
        yield pipeline_page(pipeline, site.build, site)
    for policy in model.policies.values():
        yield policy_page(policy, site)

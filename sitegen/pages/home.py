"""The home page: counts per kind, recent changes, and the last reconcile per cluster when a database is given."""

from __future__ import annotations

from sitegen.pages.indexes import TITLES
from sitegen.pages.inputs import SiteInputs
from sitegen.pages.page import Page
from sitegen.render import render
from sitegen.urls import INDEXES, entity_url


def home_page(site: SiteInputs, site_name: str) -> Page:
    model = site.model
    counts = {
        "Team": len(model.teams),
        "Cluster": len(model.clusters),
        "Workspace": len(model.workspaces),
        "Artifact": len(model.artifacts),
        "Pipeline": len(model.pipelines),
        "Policy": len(model.policies),
    }
    body = render(
        "home.html",
        "",
        site_name=site_name,
        counts=[(INDEXES[k], TITLES[k], n) for k, n in counts.items()],
        changes=site.history,
        status=site.status,
        clusters=[
            (entity_url("Cluster", name), name, site.status.clusters.get(name) if site.status else None)
            for name in sorted(model.clusters)
        ],
        commit=site.build.commit_label,
    )
    return Page("", "Home", body)

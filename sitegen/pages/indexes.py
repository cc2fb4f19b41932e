"""An index per kind: every entity in a table, with filters that narrow it in the browser.

Without JavaScript the filter form stays hidden and the full list shows; with it, `filters.js` hides the rows
whose `data-filter-*` attributes do not match.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sitegen.pages.inputs import SiteInputs
from sitegen.pages.page import Page
from sitegen.render import render
from sitegen.urls import INDEXES, entity_url


@dataclass(frozen=True, slots=True)
class Row:
    url: str
    name: str
    cells: tuple[str, ...]
    filters: dict[str, tuple[str, ...]]  # filter → the values this row has


def _rows(kind: str, site: SiteInputs) -> Iterator[Row]:
    model = site.model
    if kind == "Team":
        for t in sorted(model.teams.values(), key=lambda t: t.name):
            yield Row(entity_url(kind, t.name), t.name, (t.display_name, str(len(t.users) + len(t.groups))), {})
    elif kind == "Cluster":
        for c in sorted(model.clusters.values(), key=lambda c: c.name):
            labels = tuple(f"{k}={v}" for k, v in sorted(c.labels.items()))
            yield Row(
                entity_url(kind, c.name),
                c.name,
                (c.role, c.team or "", " ".join(labels)),
                {"team": (c.team or "",), "role": (c.role,), "label": labels},
            )
    elif kind == "Workspace":
        for (team, name), w in sorted(model.workspaces.items()):
            yield Row(
                entity_url(kind, team, name),
                f"{team}/{name}",
                (w.owner, w.cluster, w.template or ""),
                {"team": (team,), "cluster": (w.cluster,)},
            )
    elif kind == "Artifact":
        for name, state in sorted(site.states.items()):
            latest = state.latest
            tags = state.artifact.doc.spec.get("tags") or []
            states = tuple(
                sorted(
                    {v.approval_status for v in state.versions}
                    | ({"yanked"} if any(v.is_bad for v in state.versions) else set())
                )
            )
            yield Row(
                entity_url(kind, name),
                name,
                (state.type, state.team, latest.version if latest else "", state.status),
                {"team": (state.team,), "type": (state.type,), "tag": tuple(str(t) for t in tags), "state": states},
            )
    elif kind == "Pipeline":
        for name, p in sorted(model.pipelines.items()):
            clusters = tuple(sorted({c for c, _ in site.pipeline_clusters[name]}))
            yield Row(
                entity_url(kind, name), name, (p.team, ", ".join(clusters)), {"team": (p.team,), "cluster": clusters}
            )
    elif kind == "Policy":
        for name, p in sorted(model.policies.items()):
            yield Row(
                entity_url(kind, name),
                name,
                (p.enforcement_level, str(len(p.bindings))),
                {"enforcement": (p.enforcement_level,)},
            )


COLUMNS = {
    "Team": ("Display name", "Members"),
    "Cluster": ("Role", "Team", "Labels"),
    "Workspace": ("Owner", "Cluster", "Template"),
    "Artifact": ("Type", "Team", "Latest", "Status"),
    "Pipeline": ("Team", "Clusters"),
    "Policy": ("Enforcement", "Bindings"),
}
TITLES = {
    "Team": "Teams",
    "Cluster": "Clusters",
    "Workspace": "Workspaces",
    "Artifact": "Artifacts",
    "Pipeline": "Pipelines",
    "Policy": "Policies",
}


def index_page(kind: str, site: SiteInputs) -> Page:
    url = INDEXES[kind]
    rows = list(_rows(kind, site))
    filters: dict[str, set[str]] = {}
    for row in rows:
        for key, values in row.filters.items():
            filters.setdefault(key, set()).update(v for v in values if v)
    body = render(
        "index.html",
        url,
        title=TITLES[kind],
        columns=COLUMNS[kind],
        rows=rows,
        filters={k: sorted(v) for k, v in sorted(filters.items()) if v},
    )
    return Page(url, TITLES[kind], body)

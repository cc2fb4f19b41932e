"""A page per entity: the values each template shows, gathered from the model, the registry and the status."""

from __future__ import annotations

from reconciler.build import Build
from reconciler.herald.compile import render_config
from reconciler.model.kinds import Cluster, Pipeline, Policy, Team, Workspace
from sitegen.pages.inputs import SiteInputs
from sitegen.pages.page import Page
from sitegen.pipeline_graph import graph, pipeline_svg
from sitegen.registry.snippets import install_snippets
from sitegen.render import render
from sitegen.urls import entity_url, terminal_url


def _link(kind: str, *names: str) -> tuple[str, str]:
    return entity_url(kind, *names), "/".join(names)


def team_page(team: Team, site: SiteInputs) -> Page:
    url = entity_url("Team", team.name)
    owned = site.owned.get(team.name, {})
    owns = {
        f"{kind}s": [_link(kind, *names) for names in owned.get(kind, [])]
        for kind in ("Cluster", "Workspace", "Artifact", "Pipeline")
    }
    members = [("user", m) for m in team.users] + [("group", m) for m in team.groups]
    body = render("team.html", url, team=team, members=members, owns=owns)
    return Page(url, f"Team {team.name}", body)


def _connection(cluster: Cluster) -> str:
    """How the reconciler reaches the cluster, never with what credentials."""
    connection = cluster.connection
    if connection.in_cluster:
        return "in-cluster service account"
    if connection.kubeconfig_secret_ref:
        ref = connection.kubeconfig_secret_ref
        return f"kubeconfig from Secret {ref.namespace + '/' if ref.namespace else ''}{ref.name} (key {ref.key})"
    if connection.context:
        return f"kubeconfig context {connection.context}"
    return "the current kubeconfig context"


def cluster_page(cluster: Cluster, site: SiteInputs) -> Page:
    url = entity_url("Cluster", cluster.name)
    on_it = site.on_cluster.get(cluster.name, {})
    workspaces = on_it.get("Workspace", [])
    pipelines = [(entity_url("Pipeline", name), f"{name} ({role})") for name, role in on_it.get("Pipeline", [])]
    status = site.status.clusters.get(cluster.name) if site.status else None
    body = render(
        "cluster.html",
        url,
        cluster=cluster,
        connection=_connection(cluster),
        workspaces=[_link("Workspace", *key) for key in workspaces],
        pipelines=pipelines,
        status=status,
        snapshot=site.status,
    )
    return Page(url, f"Cluster {cluster.name}", body)


def workspace_page(workspace: Workspace, site: SiteInputs) -> Page:
    url = entity_url("Workspace", workspace.team, workspace.name)
    template = site.model.workspace_templates.get(workspace.template or "")
    defaults = dict(template.template) if template else {}
    spec = {**defaults, **workspace.spec}
    body = render(
        "workspace.html",
        url,
        workspace=workspace,
        spec=spec,
        repositories=spec.get("repositories") or spec.get("repository") or [],
        resources=spec.get("resources") or {},
        terminal=terminal_url(workspace.team, workspace.name) if site.options.terminal_url else None,
    )
    return Page(url, f"Workspace {workspace.team}/{workspace.name}", body)


def terminal_page(workspace: Workspace, site: SiteInputs) -> Page:
    """The page the terminal view fills: the sidecar's URL and the workspace, as data attributes."""
    url = terminal_url(workspace.team, workspace.name)
    body = render(
        "terminal.html",
        url,
        workspace=workspace,
        terminal_url=site.options.terminal_url,
        back=entity_url("Workspace", workspace.team, workspace.name),
    )
    return Page(url, f"Terminal {workspace.team}/{workspace.name}", body)


def artifact_page(name: str, site: SiteInputs) -> Page:
    state = site.states[name]
    url = entity_url("Artifact", name)
    readme_path = state.artifact.doc.spec.get("readme")
    readme = site.read_text(readme_path) if isinstance(readme_path, str) else None
    origins = [(o.rule, o.value, o.scope, [(_source_url(s), s) for s in o.sources]) for o in state.policy.origins]
    body = render(
        "artifact.html",
        url,
        state=state,
        spec=state.artifact.doc.spec,
        origins=origins,
        readme=readme,
        snippets=install_snippets(state, state.latest, site.options.base_url or "") if state.latest else [],
    )
    return Page(url, f"Artifact {name}", body)


def _source_url(source: str) -> str | None:
    """The page of a rule's source: "Policy/name" links to the policy; an inline policy is the artifact itself."""
    kind, _, name = source.partition("/")
    return entity_url("Policy", name) if kind == "Policy" else None


def pipeline_page(pipeline: Pipeline, build: Build, site: SiteInputs) -> Page:
    url = entity_url("Pipeline", pipeline.name)
    config = render_config(build.pipeline_config(pipeline.name), [pipeline.name]).text
    nodes, edges = graph(pipeline)
    history = site.status.pipeline_versions.get(pipeline.name, ()) if site.status else None
    body = render(
        "pipeline.html",
        url,
        pipeline=pipeline,
        svg=pipeline_svg(nodes, edges, pipeline.name),
        components=nodes,
        config=config,
        clusters=[(entity_url("Cluster", c), f"{c} ({role})") for c, role in site.pipeline_clusters[pipeline.name]],
        history=history,
        snapshot=site.status,
    )
    return Page(url, f"Pipeline {pipeline.name}", body)


def policy_page(policy: Policy, site: SiteInputs) -> Page:
    url = entity_url("Policy", policy.name)
    bound = site.policy_artifacts.get(policy.name, [])
    body = render("policy.html", url, policy=policy, artifacts=[_link("Artifact", name) for name in bound])
    return Page(url, f"Policy {policy.name}", body)

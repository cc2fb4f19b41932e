"""What `reconcile` and `plan` do before they reach the clusters: settings from the arguments, the validated
commit and its build, the selected clusters, and where progress goes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from reconciler.build import Build, BuildSettings, build
from reconciler.cli.options import (
    UsageError,
    check_instance,
    cluster_settings,
    database_settings,
    source_settings,
    state_dir,
)
from reconciler.cli.progress import stderr_progress
from reconciler.cli.source import load_repository
from reconciler.herald.workloads import DEFAULT_SETTINGS
from reconciler.kube.cluster_reconcile import ClusterReport
from reconciler.kube.clusters import UnknownCluster, run_clusters, select_clusters
from reconciler.kube.connect import find_kubeconfig, in_cluster_available
from reconciler.model.kinds import Cluster
from reconciler.settings import ApplyOptions, Settings

NO_CLUSTER = "no kubeconfig (--kubeconfig, KUBECONFIG or ~/.kube/config) and not running in a cluster"


@dataclass(frozen=True, slots=True)
class ClusterRun:
    settings: Settings
    built: Build
    clusters: list[Cluster]  # the selected ones, management first


def prepare(args: argparse.Namespace) -> ClusterRun | None:
    """The build of a valid commit and the selected clusters; None (after printing why) when invalid."""
    instance = check_instance(args.instance)
    settings = Settings(
        source=source_settings(args),
        state_dir=state_dir(args),
        clusters=cluster_settings(args),
        database=database_settings(args),
    )
    validation = load_repository(settings.source, settings.state_dir)
    if validation.errors:
        for diagnostic in validation.diagnostics:
            print(diagnostic.format(), file=sys.stderr if args.format == "json" else sys.stdout)
        print(f"{len(validation.errors)} error(s): nothing applied", file=sys.stderr)
        return None
    try:
        clusters = select_clusters(validation.model, settings.clusters.names)
    except UnknownCluster as exc:
        raise UsageError(str(exc)) from None
    built = build(validation, BuildSettings(instance=instance, vector_image=DEFAULT_SETTINGS.image))
    return ClusterRun(settings, built, clusters)


def cluster_kubeconfig(run: ClusterRun) -> tuple[str | None, bool]:
    """The kubeconfig to use, and whether there is any cluster to reach (a kubeconfig, or running in one)."""
    kubeconfig = find_kubeconfig(run.settings.clusters.kubeconfig)
    return kubeconfig, kubeconfig is not None or in_cluster_available()


def run_selected(run: ClusterRun, kubeconfig: str | None, options: ApplyOptions) -> list[ClusterReport]:
    """Every selected cluster planned or reconciled with `options`, progress on stderr."""
    return run_clusters(
        run.built.model,
        run.built.manifests,
        run.clusters,
        run.settings.clusters,
        kubeconfig,
        options,
        stderr_progress(sys.stderr),
    )


def plan_status(reports: Sequence[ClusterReport]) -> int:
    """How `plan` and `reconcile --dry-run` exit, as `flux diff` does: 0 no changes, 1 changes, 2 an error."""
    if any(r.status != "ok" or (r.plan is not None and r.plan.errors) for r in reports):
        return 2
    return 1 if any(r.plan is not None and r.plan.has_changes for r in reports) else 0

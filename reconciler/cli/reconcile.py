"""`portal reconcile`: apply a commit's compiled objects to its clusters (server-side apply, inventory, safe
prune, drift per mode, health), then record the results.

Without a kubeconfig and outside a cluster there is nothing to apply to: the compiled manifests are exported to
a directory instead, so a fresh machine still shows the whole result.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.cli.compile import gather_manifests, manifest_producers, write_outputs
from reconciler.cli.options import UsageError, add_source_arguments, load_repository
from reconciler.cli.progress import stderr_progress
from reconciler.herald.workloads import DEFAULT_SETTINGS
from reconciler.kube.client import DEFAULT_REQUEST_TIMEOUT, KubeClient
from reconciler.kube.connect import ConnectError, connect, find_kubeconfig, in_cluster_available
from reconciler.kube.objects import key_of
from reconciler.kube.reconcile import ClusterReport, ReconcileOptions, reconcile_cluster
from reconciler.kube.report import report_json, report_lines
from reconciler.kube.servers import contested_objects, server_identity
from reconciler.model.kinds import Cluster, RepoModel
from reconciler.model.ownership import DEFAULT_INSTANCE
from reconciler.validate import Validation

DEFAULT_EXPORT = Path(".portal/export")
_LABEL_VALUE = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")


def add_cluster_arguments(parser: argparse.ArgumentParser) -> None:
    """What `reconcile` and `plan` share: where the repo and the clusters are, which clusters, whose objects."""
    add_source_arguments(parser)
    parser.add_argument(
        "--kubeconfig", metavar="FILE", help="kubeconfig with the clusters' contexts (default: KUBECONFIG)"
    )
    parser.add_argument(
        "--cluster", action="append", default=[], metavar="NAME", help="only this Cluster (repeatable; default: all)"
    )
    parser.add_argument("--instance", default=DEFAULT_INSTANCE, help="this installation's id (ownership label)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=DEFAULT_REQUEST_TIMEOUT,
        metavar="S",
        help="how long one request to a cluster may take (seconds)",
    )
    parser.add_argument(
        "--allow-kubeconfig-exec",
        action="store_true",
        help="let kubeconfigs read from Secrets run their exec and auth-provider plugins (commands on this host)",
    )
    parser.set_defaults(vector_image=DEFAULT_SETTINGS.image)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "reconcile",
        help="apply a commit to its clusters: server-side apply, inventory, prune, drift, health",
        description=(
            "Validate, compile and apply to every Cluster (or those named by --cluster) with server-side apply "
            "(field manager portal). Unchanged objects cost no write; drift is corrected, reported or ignored per "
            "the Cluster's drift mode; --prune deletes what we applied and no longer want. Without a kubeconfig "
            "and outside a cluster, the compiled manifests are written to --export. Exit status: 0 applied, "
            "1 errors in the documents or on a cluster, 2 usage error."
        ),
    )
    add_cluster_arguments(parser)
    parser.add_argument("--dry-run", action="store_true", help="plan against the clusters, write nothing")
    parser.add_argument("--prune", action="store_true", help="delete objects we applied that are no longer desired")
    parser.add_argument(
        "--allow-mass-prune",
        action="store_true",
        help="allow pruning Namespaces, CRDs, over half an inventory, or every live object of a kind",
    )
    parser.add_argument(
        "--wait",
        action="store_true",
        help="wait for workloads and Workspaces to become ready, saying on stderr what is still not ready",
    )
    parser.add_argument("--timeout", type=float, default=300.0, metavar="S", help="how long --wait waits (seconds)")
    parser.add_argument("--no-db", action="store_true", help="skip recording the results in PostgreSQL")
    parser.add_argument(
        "--export",
        type=Path,
        default=DEFAULT_EXPORT,
        metavar="DIR",
        help="where the manifests go when there is no kubeconfig (default: .portal/export)",
    )
    parser.add_argument("--concurrency", type=int, default=8, metavar="N", help="parallel writes per cluster")
    parser.set_defaults(func=run)


@dataclass(frozen=True, slots=True)
class DesiredState:
    validation: Validation
    per_cluster: Mapping[str, list[dict[str, Any]]]
    clusters: Sequence[Cluster]  # the selected ones, management first


def check_instance(instance: str) -> None:
    """The instance id is a label value on every object we apply: refuse one the API server would reject."""
    if not _LABEL_VALUE.fullmatch(instance):
        raise UsageError(
            f"--instance {instance!r}: up to 63 letters, digits, '-', '_' or '.', alphanumeric at both ends"
        )


def cluster_kubeconfig(args: argparse.Namespace) -> str | None:
    """The kubeconfig to use; one named with --kubeconfig must exist (a usage error otherwise)."""
    if args.kubeconfig and not Path(args.kubeconfig).is_file():
        raise UsageError(f"--kubeconfig {args.kubeconfig}: no such file")
    return find_kubeconfig(args.kubeconfig)


def desired_state(args: argparse.Namespace) -> DesiredState | None:
    """The validated commit and its objects per selected cluster; None (after printing why) when invalid."""
    check_instance(args.instance)
    validation = load_repository(args)
    if validation.errors:
        for diagnostic in validation.diagnostics:
            print(diagnostic.format(), file=sys.stderr if args.format == "json" else sys.stdout)
        print(f"{len(validation.errors)} error(s): nothing applied", file=sys.stderr)
        return None
    model = validation.model
    unknown = sorted(set(args.cluster) - set(model.clusters))
    if unknown:
        raise UsageError(f"no Cluster named {', '.join(unknown)} (known: {', '.join(sorted(model.clusters))})")
    selected = [c for name, c in sorted(model.clusters.items()) if not args.cluster or name in args.cluster]
    selected.sort(key=lambda c: c.role != "management")
    per_cluster = gather_manifests(model, args.instance, manifest_producers(args))
    return DesiredState(validation, per_cluster, selected)


def management_client(model: RepoModel, kubeconfig: str | None, timeout: float) -> Callable[[], KubeClient]:
    """The management cluster's client, made once and only when a kubeconfig Secret has to be read from it."""
    lock = threading.Lock()
    made: list[KubeClient] = []

    def get() -> KubeClient:
        with lock:
            if not made:
                management = model.management_cluster
                if management is None:
                    raise ConnectError("there is no management cluster to read its kubeconfig Secret from")
                made.append(connect(management, kubeconfig, timeout=timeout))
            return made[0]

    return get


def run_clusters(
    state: DesiredState, args: argparse.Namespace, kubeconfig: str | None, options: ReconcileOptions
) -> list[ClusterReport]:
    """Reconcile (or, with `options.dry_run`, plan) each selected cluster at once; one that cannot be reached is
    reported and the others carry on. An object wanted by two Cluster documents on one API server is applied by
    neither, and reported for both."""
    management = management_client(state.validation.model, kubeconfig, args.request_timeout)
    pool_size = getattr(args, "concurrency", 8)
    progress = stderr_progress(sys.stderr)

    def connected(cluster: Cluster) -> KubeClient | ConnectError:
        try:
            return connect(cluster, kubeconfig, management, pool_size, args.request_timeout, args.allow_kubeconfig_exec)
        except ConnectError as exc:
            return exc

    workers = max(1, min(8, len(state.clusters)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        clients = dict(zip((c.name for c in state.clusters), pool.map(connected, state.clusters), strict=True))
    contested = contested_objects(
        _servers(state, clients, kubeconfig),
        {name: [key_of(o) for o in objects] for name, objects in state.per_cluster.items()},
    )

    def one(cluster: Cluster) -> ClusterReport:
        client = clients[cluster.name]
        if isinstance(client, ConnectError):
            return ClusterReport(cluster.name, "unreachable", f"cannot connect: {client}")
        desired = state.per_cluster.get(cluster.name, [])
        return reconcile_cluster(
            cluster.name, client, desired, cluster.drift, options, progress, contested.get(cluster.name)
        )

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, state.clusters))


def _servers(
    state: DesiredState, clients: Mapping[str, KubeClient | ConnectError], kubeconfig: str | None
) -> dict[str, str]:
    """The API server of every Cluster document we can tell without a request: the selected ones as connected,
    and the others reached through a kubeconfig context (a Secret would have to be read)."""
    servers = {name: server_identity(c.server) for name, c in clients.items() if isinstance(c, KubeClient)}
    for name, cluster in state.validation.model.clusters.items():
        if name in clients or not cluster.connection.context:
            continue
        try:
            servers[name] = server_identity(connect(cluster, kubeconfig).server)
        except ConnectError:
            continue  # unselected and unusable: it applies nothing now
    return servers


def record_results(args: argparse.Namespace, validation: Validation, reports: Sequence[ClusterReport]) -> str | None:
    """The database step — the one place a reconcile touches PostgreSQL: sync the commit's metadata and this
    run's per-cluster results (reconcile_runs, cluster_status) through `reconciler.db.record_reconcile`.
    Skipped with --no-db. Returns a problem to report, or None."""
    if args.no_db:
        return None
    from reconciler.db import record_reconcile  # psycopg is imported only when the database is used

    problem = record_reconcile(args, validation, reports)
    return str(problem) if problem else None


def export(args: argparse.Namespace, state: DesiredState) -> int:
    commit = state.validation.source.commit or "uncommitted working tree"
    configs = write_outputs(state.validation.model, args.export, commit, args.instance, manifest_producers(args))
    objects = sum(len(v) for v in state.per_cluster.values())
    message = (
        f"no kubeconfig (--kubeconfig, KUBECONFIG or ~/.kube/config) and not running in a cluster: nothing was "
        f"applied; the {objects} compiled object(s) for {len(state.per_cluster)} cluster(s) and "
        f"{len(configs)} Vector config(s) were written to {args.export}/"
    )
    if args.format == "json":
        json.dump({"applied": False, "exported": str(args.export), "objects": objects}, sys.stdout)
        print()
    print(message, file=sys.stderr)
    return 0


def run(args: argparse.Namespace) -> int:
    if args.timeout <= 0 or args.concurrency < 1 or args.request_timeout <= 0:
        raise UsageError("--timeout, --request-timeout and --concurrency must be positive")
    state = desired_state(args)
    if state is None:
        return 1
    kubeconfig = cluster_kubeconfig(args)
    if kubeconfig is None and not in_cluster_available():
        code = export(args, state)
        # The commit's metadata is still worth syncing when no cluster is there to apply to.
        _report_problem(record_results(args, state.validation, ()))
        return code
    options = ReconcileOptions(
        instance=args.instance,
        dry_run=args.dry_run,
        prune=args.prune,
        allow_mass_prune=args.allow_mass_prune,
        wait=args.wait,
        timeout=args.timeout,
        concurrency=args.concurrency,
    )
    reports = run_clusters(state, args, kubeconfig, options)
    problem = None if args.dry_run else record_results(args, state.validation, reports)
    if args.format == "json":
        document = {
            "commit": state.validation.source.commit,
            "dryRun": args.dry_run,
            "clusters": [report_json(r) for r in reports],
            "failed": any(r.failed for r in reports),
        }
        json.dump(document, sys.stdout, indent=2)
        print()
    else:
        for report in reports:
            for line in report_lines(report):
                print(line)
    _report_problem(problem)
    return 1 if any(r.failed for r in reports) else 0


def _report_problem(problem: str | None) -> None:
    if problem:
        print(f"portal: {problem}", file=sys.stderr)

"""`portal reconcile`: apply a commit's compiled objects to its clusters (server-side apply, inventory, safe
prune, drift per mode, health), then record the results.

Without a kubeconfig and outside a cluster there is nothing to apply to: the compiled manifests are exported
instead, so a fresh machine still shows the whole result. That is a success only when asked for (`--export DIR`):
a CI job that lost its KUBECONFIG must not pass.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from reconciler.build.outputs import write_outputs
from reconciler.cli import COMMANDS
from reconciler.cli.cluster_run import NO_CLUSTER, ClusterRun, cluster_kubeconfig, plan_status, prepare, run_selected
from reconciler.cli.options import UsageError, add_cluster_arguments, add_concurrency_argument, add_database_argument
from reconciler.kube.cluster_reconcile import ClusterReport
from reconciler.kube.report import report_json, report_lines
from reconciler.settings import DEFAULT_WAIT_TIMEOUT, ApplyOptions


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "reconcile",
        help=COMMANDS["reconcile"],
        description=(
            "Validate, compile and apply to every Cluster (or those named by --cluster) with server-side apply "
            "(field manager portal). Unchanged objects cost no write; drift is corrected, reported or ignored per "
            "the Cluster's drift mode; --prune deletes what we applied and no longer want. Without a kubeconfig "
            "and outside a cluster nothing can be applied: the compiled manifests are exported (to --export DIR, "
            "exit 0, or else to the state dir's export folder, exit 1). Exit status: 0 applied, 1 errors in the "
            "documents or on a cluster, or no cluster to apply to, 2 usage error. With --dry-run, as plan: "
            "0 no changes, 1 changes, 2 error."
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
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_WAIT_TIMEOUT, metavar="S", help="how long --wait waits (seconds)"
    )
    parser.add_argument("--no-db", action="store_true", help="skip recording the results in PostgreSQL")
    add_database_argument(parser)
    parser.add_argument(
        "--export",
        type=Path,
        metavar="DIR",
        help="without a cluster to apply to, export the manifests here and exit 0 (default: the state dir's "
        "export folder, exit 1)",
    )
    add_concurrency_argument(parser)
    parser.set_defaults(func=run)


def record_results(run: ClusterRun, reports: Sequence[ClusterReport]) -> str | None:
    """The database step — the one place a reconcile touches PostgreSQL: sync the commit's metadata and this
    run's per-cluster results (reconcile_runs, cluster_status). Skipped with --no-db. Returns a problem to report,
    or None."""
    if not run.settings.database.enabled:
        return None
    from reconciler.db.record import record_reconcile  # psycopg is imported only when the database is used

    return record_reconcile(run.settings.database, run.settings.state_dir, run.built, reports)


def export(args: argparse.Namespace, run: ClusterRun) -> int:
    """No cluster to apply to: write the manifests where asked (exit 0), or else to the state dir (exit 1)."""
    target: Path = args.export or run.settings.state_dir.export
    try:
        configs = write_outputs(run.built, target)
    except OSError as exc:
        raise UsageError(f"cannot write to {target}: {exc.strerror or exc}") from exc
    manifests = run.built.manifests
    objects = sum(len(v) for v in manifests.values())
    message = (
        f"{NO_CLUSTER}: nothing was applied; the {objects} compiled object(s) for {len(manifests)} cluster(s) and "
        f"{len(configs)} Vector config(s) were written to {target}/"
    )
    if args.format == "json":
        json.dump({"applied": False, "exported": str(target), "objects": objects}, sys.stdout)
        print()
    print(message if args.export else f"portal: error: {message}", file=sys.stderr)
    return 0 if args.export else 1


def run(args: argparse.Namespace) -> int:
    if args.timeout <= 0:
        raise UsageError("--timeout must be positive")
    prepared = prepare(args)
    if prepared is None:
        return 2 if args.dry_run else 1
    kubeconfig, reachable = cluster_kubeconfig(prepared)
    if not reachable:
        if args.dry_run:
            raise UsageError(f"{NO_CLUSTER}: no cluster to compare with")
        code = export(args, prepared)
        # The commit's metadata is still worth syncing when no cluster is there to apply to.
        _report_problem(record_results(prepared, ()))
        return code
    options = ApplyOptions(
        instance=prepared.built.settings.instance,
        dry_run=args.dry_run,
        prune=args.prune,
        allow_mass_prune=args.allow_mass_prune,
        wait=args.wait,
        timeout=args.timeout,
        concurrency=prepared.settings.clusters.concurrency,
    )
    reports = run_selected(prepared, kubeconfig, options)
    problem = None if args.dry_run else record_results(prepared, reports)
    if args.format == "json":
        document = {
            "commit": prepared.built.validation.source.commit,
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
    if args.dry_run:
        return plan_status(reports)
    return 1 if any(r.failed for r in reports) else 0


def _report_problem(problem: str | None) -> None:
    if problem:
        print(f"portal: {problem}", file=sys.stderr)

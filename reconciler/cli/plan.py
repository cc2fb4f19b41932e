"""`portal plan`: what a reconcile would do on each cluster, from reads only (like `flux diff`).

Exit status: 0 no changes, 1 changes, 2 an error (invalid documents, a cluster that cannot be reached, usage).
"""

from __future__ import annotations

import argparse
import json
import sys

from reconciler.cli import COMMANDS
from reconciler.cli.cluster_run import NO_CLUSTER, cluster_kubeconfig, plan_status, prepare, run_selected
from reconciler.cli.options import UsageError, add_cluster_arguments
from reconciler.kube.report import plan_lines, report_json
from reconciler.settings import ApplyOptions


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "plan",
        help=COMMANDS["plan"],
        description=(
            "Compare a commit's compiled objects with the clusters (reads only) and print, per cluster, the "
            "objects to create, to update (field-level diff; Secret values redacted), drifted, and to prune. "
            "Exit status: 0 no changes, 1 changes, 2 error."
        ),
    )
    add_cluster_arguments(parser)
    parser.add_argument("--prune", action="store_true", help="plan the deletions as reconcile --prune would")
    parser.add_argument(
        "--allow-mass-prune", action="store_true", help="plan as if mass prune were allowed (Namespaces, CRDs too)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    prepared = prepare(args)
    if prepared is None:
        return 2
    kubeconfig, reachable = cluster_kubeconfig(prepared)
    if not reachable:
        raise UsageError(f"{NO_CLUSTER}: no cluster to compare with")
    options = ApplyOptions(
        instance=prepared.built.settings.instance,
        dry_run=True,
        prune=args.prune,
        allow_mass_prune=args.allow_mass_prune,
    )
    reports = run_selected(prepared, kubeconfig, options)
    changes = any(r.plan is not None and r.plan.has_changes for r in reports)
    if args.format == "json":
        document = {
            "commit": prepared.built.validation.source.commit,
            "clusters": [report_json(r) for r in reports],
            "hasChanges": changes,
        }
        json.dump(document, sys.stdout, indent=2)
        print()
    else:
        for report in reports:
            if report.plan is None:
                print(f"{report.cluster}: {report.error}")
            else:
                for line in plan_lines(report.cluster, report.plan):
                    print(line)
    return plan_status(reports)

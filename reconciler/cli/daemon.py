"""`portal daemon`: keep the clusters and the database at the branch's commit, continuously."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
from collections.abc import Mapping
from pathlib import Path

from reconciler.cli import COMMANDS
from reconciler.cli.cluster_run import NO_CLUSTER
from reconciler.cli.options import (
    UsageError,
    add_concurrency_argument,
    add_connection_arguments,
    add_database_argument,
    add_instance_argument,
    add_state_dir_argument,
    check_instance,
    cluster_settings,
)
from reconciler.daemon.coordination import Coordinator, SoloCoordinator

_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)s)?")
DEFAULT_INTERVAL = "60s"


def parse_duration(text: str) -> float:
    """Seconds in `90`, `60s`, `5m`, `1h30m` (as Flux's intervals are written)."""
    try:
        return float(text)
    except ValueError:
        pass
    match = _DURATION.fullmatch(text.strip())
    if not text.strip() or match is None:
        raise UsageError(f"{text!r} is not a duration (write 30s, 5m, 1h or a number of seconds)")
    hours, minutes, seconds = match.groups()
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds or 0)


def parse_address(option: str, text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise UsageError(f"{option} {text!r}: write HOST:PORT, as 127.0.0.1:8080")
    return host.strip("[]") or "0.0.0.0", int(port)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "daemon",
        help=COMMANDS["daemon"],
        description=(
            "Fetch the branch of --repo every --interval (and at once on a signed webhook); validate each new "
            "commit against the last applied one as its base, apply it to every Cluster with the steps of "
            "reconcile, prune what Git no longer has (unless --no-prune), and record the result in PostgreSQL. "
            "Between commits, drift is corrected, reported or ignored per each Cluster's drift mode. An invalid "
            "commit is recorded as failed and nothing of it is applied. With --watch, a working tree is "
            "reconciled on each change instead (no prune unless --prune). Webhook secrets: "
            "PORTAL_GITHUB_WEBHOOK_SECRET, PORTAL_GITLAB_WEBHOOK_TOKEN, PORTAL_WEBHOOK_SECRET (or *_FILE naming a "
            "file); git credentials: PORTAL_GIT_TOKEN (or PORTAL_GIT_TOKEN_FILE) for https, PORTAL_GIT_SSH_KEY "
            "and PORTAL_GIT_KNOWN_HOSTS for SSH. SIGTERM finishes the step in flight and exits 0; exit 2 on a "
            "usage error."
        ),
    )
    parser.add_argument("--repo", metavar="URL_OR_PATH", help="the repository to follow (a URL or a local path)")
    parser.add_argument("--branch", default="main", help="the branch to follow")
    parser.add_argument(
        "--interval", default=DEFAULT_INTERVAL, metavar="DURATION", help="how often to fetch and correct drift"
    )
    parser.add_argument(
        "--listen", default="127.0.0.1:8080", metavar="HOST:PORT", help="webhooks, /healthz and /readyz"
    )
    parser.add_argument("--metrics-listen", default="127.0.0.1:9090", metavar="HOST:PORT", help="/metrics")
    add_connection_arguments(parser, "default: $KUBECONFIG, else ~/.kube/config, else in-cluster")
    add_concurrency_argument(parser)
    add_state_dir_argument(parser)
    parser.add_argument("--watch", type=Path, metavar="PATH", help="reconcile this working tree on each change")
    prune = parser.add_mutually_exclusive_group()
    prune.add_argument("--no-prune", action="store_true", help="never delete (pruning is on by default with --repo)")
    prune.add_argument("--prune", action="store_true", help="with --watch: prune too (off by default there)")
    parser.add_argument(
        "--site-out",
        type=Path,
        metavar="DIR",
        help="build the catalog site here after each applied commit (as `portal site build --out`)",
    )
    parser.add_argument(
        "--terminal-url",
        metavar="URL",
        help="with --site-out: the terminal sidecar, so that workspace pages get an Open terminal link",
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="with --site-out: the absolute http(s) URL the site is served from (absolute links, sitemap.xml)",
    )
    parser.add_argument(
        "--no-tests",
        action="store_true",
        help="do not run a new commit's Pipeline spec.tests (by default a failing one makes the commit invalid, "
        "as in `validate`)",
    )
    parser.add_argument("--log-format", choices=("text", "json"), default="text", help="log lines as text or JSON")
    add_instance_argument(parser)
    parser.add_argument("--no-db", action="store_true", help="record nothing in PostgreSQL")
    add_database_argument(parser)
    _add_replica_arguments(parser)
    parser.set_defaults(func=run)


def _add_replica_arguments(parser: argparse.ArgumentParser) -> None:
    replicas = parser.add_argument_group(
        "replicas",
        "Several replicas share the work through coordination.k8s.io Leases on the cluster the daemon runs in: "
        "in-cluster config when available, else the current context of --kubeconfig. The Leases are in "
        "POD_NAMESPACE, else the pod's own namespace, else `default`.",
    )
    replicas.add_argument(
        "--leader-elect",
        action="store_true",
        help="take the Lease portal-<instance>-leader before writing; the other replicas stand by "
        "(implied by --shards N>1)",
    )
    replicas.add_argument(
        "--shards",
        type=int,
        default=1,
        metavar="N",
        help="split the clusters into N shards, each owned by one replica through its Lease (default: 1)",
    )
    replicas.add_argument(
        "--identity", metavar="NAME", help="this replica's name in the Leases (default: $POD_NAME, else host_pid)"
    )
    # The defaults are LeaseTiming's (client-go's), spelled out so that --help needs no Kubernetes client.
    for option, default, meaning in (
        ("--leader-elect-lease-duration", "15s", "how long an unrenewed Lease keeps its holder"),
        ("--leader-elect-renew-deadline", "10s", "how long the holder keeps writing without a renewal"),
        ("--leader-elect-retry-period", "2s", "how often replicas try to take or renew a Lease"),
    ):
        replicas.add_argument(option, default=default, metavar="DURATION", help=f"{meaning} (default: {default})")


def make_coordinator(args: argparse.Namespace, environ: Mapping[str, str] = os.environ) -> Coordinator:
    """Who this replica is among several: alone by default; with --leader-elect or --shards N>1, one of the
    replicas electing over Leases on the cluster the daemon runs in."""
    if args.shards < 1:
        raise UsageError(f"--shards {args.shards}: give a number of shards of 1 or more")
    if not args.leader_elect and args.shards == 1:
        return SoloCoordinator()
    from reconciler.daemon.identity import lease_namespace, replica_identity
    from reconciler.daemon.lease import LeaseTiming
    from reconciler.daemon.replicas import HomeClusterError, coordinator_for, home_cluster_client
    from reconciler.kube.connect import find_kubeconfig

    try:
        timing = LeaseTiming(
            lease_duration=parse_duration(args.leader_elect_lease_duration),
            renew_deadline=parse_duration(args.leader_elect_renew_deadline),
            retry_period=parse_duration(args.leader_elect_retry_period),
        )
    except ValueError as exc:
        raise UsageError(f"--leader-elect-*: {exc}") from None
    try:
        client = home_cluster_client(find_kubeconfig(args.kubeconfig, environ), environ)
    except HomeClusterError as exc:
        raise UsageError(str(exc)) from None
    identity = replica_identity(args.identity, environ)
    namespace = lease_namespace(environ)
    return coordinator_for(client, namespace, identity, args.shards, instance=args.instance, timing=timing)


def run(args: argparse.Namespace) -> int:
    from reconciler.cli.site_writer import check_site_out, daemon_site_builder, site_options
    from reconciler.daemon.assemble import DaemonOptions, SetupError, assemble
    from reconciler.daemon.service import ListenError

    if bool(args.repo) == bool(args.watch):
        raise UsageError("give either --repo URL_OR_PATH (follow a branch) or --watch PATH (a working tree)")
    if args.prune and not args.watch:
        raise UsageError("--prune is for --watch; with --repo pruning is on unless --no-prune")
    interval = parse_duration(args.interval)
    if interval <= 0:
        raise UsageError("--interval must be positive")
    clusters = cluster_settings(args)
    if args.watch is not None and not args.watch.is_dir():
        raise UsageError(f"--watch {args.watch}: not a directory")
    site_builder = None
    if args.site_out is not None:
        check_site_out(args.site_out)
        site_builder = daemon_site_builder(site_options(args.terminal_url, args.base_url))
    elif args.terminal_url or args.base_url:
        raise UsageError("--terminal-url and --base-url are options of the site: give --site-out too")
    options = DaemonOptions(
        repo=args.repo,
        branch=args.branch,
        watch=args.watch,
        interval=interval,
        listen=parse_address("--listen", args.listen),
        metrics_listen=parse_address("--metrics-listen", args.metrics_listen),
        clusters=clusters,
        state_dir=args.state_dir,
        prune=bool(args.watch and args.prune) or bool(args.repo and not args.no_prune),
        site_out=args.site_out,
        log_format=args.log_format,
        instance=check_instance(args.instance),
        database_url=args.database_url,
        record=not args.no_db,
        run_tests=not args.no_tests,
    )
    try:
        daemon = assemble(
            options,
            make_coordinator(args),
            os.environ,
            no_cluster=NO_CLUSTER,
            site_builder=site_builder,
        )
        daemon.cycle.coordinator.start()
        try:
            asyncio.run(daemon.serve())
        finally:
            daemon.cycle.coordinator.stop()
    except (SetupError, ListenError) as exc:
        raise UsageError(str(exc)) from None
    return 0

"""The daemon put together from its options: source, settings, cycle, webhooks, metrics, log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from reconciler.daemon.coordination import Coordinator
from reconciler.daemon.cycle import Cycle
from reconciler.daemon.log import LogFormat, daemon_logger
from reconciler.daemon.metrics import DaemonMetrics
from reconciler.daemon.secrets import SecretError
from reconciler.daemon.service import Daemon, Listeners
from reconciler.daemon.site_hook import SiteBuilder
from reconciler.daemon.source import BranchSource, CredentialsError, GitCredentials, Source, WorkingTreeSource
from reconciler.daemon.webhooks import Webhooks, WebhookSecrets
from reconciler.kube.connect import find_kubeconfig, in_cluster_available
from reconciler.settings import ApplyOptions, ClusterSettings, DatabaseSettings, Settings, SourceSettings
from reconciler.state_dir import StateDirError, resolve_state_dir


class SetupError(Exception):
    """The daemon cannot start as asked: a usage error."""


@dataclass(frozen=True, slots=True)
class DaemonOptions:
    repo: str | None
    branch: str
    watch: Path | None
    interval: float
    listen: tuple[str, int] | None
    metrics_listen: tuple[str, int] | None
    instance: str
    # Its kubeconfig None: $KUBECONFIG, else ~/.kube/config, else in-cluster.
    clusters: ClusterSettings = field(default_factory=ClusterSettings)
    state_dir: Path | None = None
    prune: bool = True
    site_out: Path | None = None  # with site_builder: the site of each applied commit is built here
    log_format: LogFormat = "text"
    database_url: str | None = None
    record: bool = True
    run_tests: bool = True  # a new commit's Pipeline tests are part of its judgement, as in `validate`


def assemble(
    options: DaemonOptions,
    coordinator: Coordinator,
    environ: Mapping[str, str],
    no_cluster: str,
    log_stream: Any = None,
    site_builder: SiteBuilder | None = None,
) -> Daemon:
    site = (site_builder, options.site_out) if site_builder is not None and options.site_out is not None else None
    try:
        state = resolve_state_dir(
            options.state_dir, options.repo, str(options.watch) if options.watch else None, environ
        )
        kubeconfig = find_kubeconfig(options.clusters.kubeconfig)
        if kubeconfig is None and not in_cluster_available():
            raise SetupError(no_cluster)
        source: Source
        if options.watch is not None:
            source = WorkingTreeSource(options.watch, state)
        else:
            assert options.repo is not None
            source = BranchSource(options.repo, options.branch, state, GitCredentials.from_environ(environ))
        secrets = WebhookSecrets.from_environ(environ)
    except (StateDirError, CredentialsError, SecretError) as exc:
        raise SetupError(str(exc)) from None
    settings = Settings(
        source=SourceSettings(path=str(options.watch) if options.watch else None, repo=options.repo),
        state_dir=state,
        clusters=replace(options.clusters, kubeconfig=kubeconfig),
        database=DatabaseSettings(url=options.database_url, enabled=options.record),
    )
    apply_options = ApplyOptions(
        instance=options.instance, prune=options.prune, concurrency=options.clusters.concurrency
    )
    metrics = DaemonMetrics()
    log = daemon_logger(options.log_format, log_stream)
    cycle = Cycle(source, settings, apply_options, coordinator, metrics, log, site, run_tests=options.run_tests)
    daemon = Daemon(
        cycle,
        options.interval,
        Listeners(options.listen, options.metrics_listen),
        None,
        metrics,
        log,
        watch=options.watch,
    )
    if options.repo is not None:
        daemon.webhooks = Webhooks(secrets, options.branch, daemon.wake, metrics.count_webhook)
    return daemon

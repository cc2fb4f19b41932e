"""Typed settings: what the CLI (and later the PR check, the daemon and the site) hands to the engine's steps.

The CLI builds them from its arguments; no step below the CLI sees command-line arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.state_dir import StateDir

DEFAULT_REQUEST_TIMEOUT = 30.0
DEFAULT_CONCURRENCY = 8
DEFAULT_WAIT_TIMEOUT = 300.0


@dataclass(frozen=True, slots=True)
class SourceSettings:
    """Where the documents are read from: a working tree `path`, or the commit `ref` of `repo`."""

    path: str | None = None
    repo: str | None = None
    ref: str | None = None

    @property
    def location(self) -> str:
        return self.repo or self.path or "."


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    """How clusters are reached and which of them."""

    kubeconfig: str | None = None
    names: tuple[str, ...] = ()  # only these Cluster documents; empty: all of them
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    allow_kubeconfig_exec: bool = False
    concurrency: int = DEFAULT_CONCURRENCY  # parallel writes per cluster


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    """The metadata store: `url`, else $PORTAL_DATABASE_URL, else the state dir's embedded server."""

    url: str | None = None
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class ApplyOptions:
    """How objects are applied to each cluster (with `dry_run`, only planned)."""

    instance: str  # this installation's id, the ownership label of every object
    dry_run: bool = False
    prune: bool = False
    allow_mass_prune: bool = False
    wait: bool = False
    timeout: float = DEFAULT_WAIT_TIMEOUT  # how long `wait` waits, in seconds
    concurrency: int = DEFAULT_CONCURRENCY  # parallel writes per cluster


@dataclass(frozen=True, slots=True)
class Settings:
    source: SourceSettings
    state_dir: StateDir
    clusters: ClusterSettings = field(default_factory=ClusterSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)

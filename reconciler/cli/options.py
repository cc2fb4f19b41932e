"""The arguments commands share, and the typed settings they become. Light on purpose: `portal --help` imports it.

No engine step sees `argparse`: each command turns its arguments into settings here and passes those down.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from reconciler.db import DATABASE_URL_VARIABLE
from reconciler.settings import (
    DEFAULT_CONCURRENCY,
    DEFAULT_REQUEST_TIMEOUT,
    ClusterSettings,
    DatabaseSettings,
    SourceSettings,
)
from reconciler.state_dir import STATE_DIR_VARIABLE, StateDir, StateDirError, resolve_state_dir

_LABEL_VALUE = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")


class UsageError(Exception):
    """Bad arguments or an unusable environment: reported on stderr, exit status 2."""


class DefaultsHelpFormatter(argparse.HelpFormatter):
    """Every option's help ends with its default, unless the help already names it or there is none to show."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        shown = default not in (None, False, [], argparse.SUPPRESS) and action.option_strings
        if shown and "default" not in text:
            text += " (default: %(default)s)"
        return text


class PortalParser(argparse.ArgumentParser):
    """A parser whose unknown options are reported with the usage of the (sub)command they were given to."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", DefaultsHelpFormatter)
        super().__init__(*args, **kwargs)

    def parse_known_args(  # type: ignore[override]
        self, args: list[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras and self._subparsers is None:  # a command's own parser: nothing after it may take them
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras


def add_state_dir_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help=(
            f"where caches, git mirrors, exports and the embedded database live (default: ${STATE_DIR_VARIABLE}, "
            "else $XDG_STATE_HOME/portal/<repo>-<hash>, else ~/.local/state/portal/<repo>-<hash>, keyed by the "
            "repository worked on)"
        ),
    )


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", metavar="PATH", help="a working tree to read (default: .)")
    parser.add_argument(
        "--repo",
        metavar="PATH_OR_URL",
        help="read a git commit instead: a local repo or a URL (fetched with connect and read timeouts)",
    )
    parser.add_argument("--ref", metavar="REF", help="the commit to read with --repo (default: HEAD)")
    add_state_dir_argument(parser)


def add_database_argument(parser: argparse.ArgumentParser, help_text: str | None = None) -> None:
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help=help_text
        or f"a PostgreSQL URL (default: ${DATABASE_URL_VARIABLE}, else the embedded server in the state dir)",
    )


def add_instance_argument(parser: argparse.ArgumentParser) -> None:
    from reconciler.model.ownership import DEFAULT_INSTANCE

    parser.add_argument("--instance", default=DEFAULT_INSTANCE, help="this installation's id (ownership label)")


def add_cluster_arguments(parser: argparse.ArgumentParser) -> None:
    """What `reconcile` and `plan` share: where the repo and the clusters are, which clusters, whose objects."""
    add_source_arguments(parser)
    add_connection_arguments(parser, "default: $KUBECONFIG, else ~/.kube/config")
    add_instance_argument(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def add_connection_arguments(parser: argparse.ArgumentParser, kubeconfig_default: str) -> None:
    """How clusters are reached and which of them: what `cluster_settings` reads (with `add_concurrency_argument`
    for the commands that write)."""
    parser.add_argument(
        "--kubeconfig", metavar="FILE", help=f"kubeconfig with the clusters' contexts ({kubeconfig_default})"
    )
    parser.add_argument(
        "--cluster", action="append", default=[], metavar="NAME", help="only this Cluster (repeatable; default: all)"
    )
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


def add_concurrency_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--concurrency", type=int, default=DEFAULT_CONCURRENCY, metavar="N", help="parallel writes per cluster"
    )


def source_settings(args: argparse.Namespace) -> SourceSettings:
    if args.repo and args.path:
        raise UsageError("give either PATH or --repo, not both")
    if args.ref and not args.repo:
        raise UsageError("--ref needs --repo")
    return SourceSettings(path=args.path, repo=args.repo, ref=args.ref)


def state_dir(args: argparse.Namespace) -> StateDir:
    """--state-dir, else $PORTAL_STATE_DIR, else the per-user default for the repository the command works on."""
    try:
        return resolve_state_dir(args.state_dir, getattr(args, "repo", None), getattr(args, "path", None))
    except StateDirError as exc:
        raise UsageError(str(exc)) from None


def check_instance(instance: str) -> str:
    """The instance id is a label value on every object we apply: refuse one the API server would reject."""
    if not _LABEL_VALUE.fullmatch(instance):
        raise UsageError(
            f"--instance {instance!r}: up to 63 letters, digits, '-', '_' or '.', alphanumeric at both ends"
        )
    return instance


def cluster_settings(args: argparse.Namespace) -> ClusterSettings:
    concurrency = getattr(args, "concurrency", DEFAULT_CONCURRENCY)
    if args.request_timeout <= 0 or concurrency < 1:
        raise UsageError("--request-timeout and --concurrency must be positive")
    if args.kubeconfig and not Path(args.kubeconfig).is_file():
        raise UsageError(f"--kubeconfig {args.kubeconfig}: no such file")
    return ClusterSettings(
        kubeconfig=args.kubeconfig,
        names=tuple(args.cluster),
        request_timeout=args.request_timeout,
        allow_kubeconfig_exec=args.allow_kubeconfig_exec,
        concurrency=concurrency,
    )


def database_settings(args: argparse.Namespace) -> DatabaseSettings:
    return DatabaseSettings(url=getattr(args, "database_url", None), enabled=not getattr(args, "no_db", False))

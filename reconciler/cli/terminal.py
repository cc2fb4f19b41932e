"""`portal terminal serve` (the live-terminal sidecar) and `portal terminal token` (a one-time signed token)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import math
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from reconciler.cli import COMMANDS
from reconciler.cli.options import (
    UsageError,
    add_database_argument,
    add_source_arguments,
    source_settings,
    state_dir,
)

if TYPE_CHECKING:
    from reconciler.model.kinds import RepoModel
    from sitegen.terminal.app import Sidecar

DEFAULT_LISTEN = "127.0.0.1:8081"
DEFAULT_REFRESH_SECONDS = 60.0
PROXY_SECRET_VARIABLE = "PORTAL_TERMINAL_PROXY_SECRET"
TEMPLATE_HELP = (
    "the program each session runs, as a JSON list of arguments (never a shell string), with the placeholders "
    "{pod}, {namespace}, {container}, {context} and {kubeconfig}; the pod is looked up only when {pod} is used "
    '(default: ["kubectl", "--kubeconfig", "{kubeconfig}", "--context", "{context}", "exec", "-it", "-n", '
    '"{namespace}", "{pod}", "-c", "{container}", "--", "/bin/bash"])'
)


def register(subparsers: argparse._SubParsersAction) -> None:
    from sitegen.terminal.limits import Limits
    from sitegen.terminal.tokens import KEY_FILE_VARIABLE, KEY_VARIABLE

    parser = subparsers.add_parser(
        "terminal",
        help=COMMANDS["terminal"],
        description="The live-terminal sidecar: an authenticated, authorised browser shell into a workspace.",
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    limits = Limits()
    serve = actions.add_parser(
        "serve",
        help="serve the terminal WebSocket, Terraform's module downloads (and, with --site, the built site)",
        description=(
            "Serve GET /ws/terminal/workspace/<team>/<workspace> as a WebSocket (subprotocol portal.terminal.v1), "
            "/healthz, /metrics and Terraform's GET /v1/modules/<ns>/<name>/<system>/<version>/download (204 with "
            "X-Terraform-Get for approved, non-yanked versions). Identity comes from a trusted proxy's header or a "
            f"token made by `portal terminal token` (key from ${KEY_VARIABLE} or ${KEY_FILE_VARIABLE}); the "
            "workspace's owner and its team's admins and operators may connect. The repo is re-read every "
            "--refresh-interval and on SIGHUP; sessions of users who lost access end."
        ),
    )
    add_source_arguments(serve)
    serve.add_argument("--listen", default=DEFAULT_LISTEN, metavar="HOST:PORT", help="address to listen on")
    serve.add_argument(
        "--allowed-origin",
        action="append",
        default=[],
        metavar="URL",
        required=True,
        help="an Origin browsers may connect from, e.g. https://portal.example.com (repeatable; others get 403)",
    )
    serve.add_argument(
        "--kubeconfig", metavar="FILE", help="kubeconfig with the clusters' contexts (default: $KUBECONFIG)"
    )
    serve.add_argument("--exec-template", metavar="JSON", help=TEMPLATE_HELP)
    serve.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="CIDR",
        help=(
            "a reverse proxy whose identity header is believed (repeatable); from any other peer the header is "
            f"ignored. A CIDR other than loopback also requires the shared secret of ${PROXY_SECRET_VARIABLE}"
        ),
    )
    serve.add_argument(
        "--identity-header", default="X-Forwarded-Email", metavar="NAME", help="the header holding the user's email"
    )
    serve.add_argument(
        "--proxy-secret-header",
        default="X-Portal-Proxy-Secret",
        metavar="NAME",
        help=f"the header carrying ${PROXY_SECRET_VARIABLE} from the proxy, required when that variable is set",
    )
    serve.add_argument("--site", type=Path, metavar="DIR", help="also serve this built site, with security headers")
    add_database_argument(
        serve,
        "PostgreSQL URL recording spent token ids, so replicas share them (default: $PORTAL_DATABASE_URL, "
        "else in memory only)",
    )
    serve.add_argument(
        "--refresh-interval",
        type=float,
        default=DEFAULT_REFRESH_SECONDS,
        metavar="S",
        help="re-read the repo every S seconds",
    )
    serve.add_argument(
        "--idle-timeout", type=float, default=limits.idle_timeout, metavar="S", help="end a session idle this long"
    )
    serve.add_argument(
        "--max-session", type=float, default=limits.max_session, metavar="S", help="end a session this old"
    )
    serve.add_argument(
        "--max-sessions-per-user", type=int, default=limits.sessions_per_user, metavar="N", help="sessions per user"
    )
    serve.add_argument("--max-sessions", type=int, default=limits.sessions_total, metavar="N", help="sessions in all")
    serve.add_argument(
        "--max-frame-bytes", type=int, default=limits.max_frame_bytes, metavar="N", help="largest client frame"
    )
    serve.add_argument(
        "--refusal-rate",
        type=float,
        default=limits.refusals_per_second,
        metavar="N",
        help="pace refusals per requester (a user, or an address nobody signed in from): past --refusal-burst, "
        "answer them at N per second, the burst refilling at that rate; 0 answers every refusal at once",
    )
    serve.add_argument(
        "--refusal-burst", type=int, default=limits.refusal_burst, metavar="N", help="refusals answered at once"
    )
    serve.set_defaults(func=run_serve)

    token = actions.add_parser(
        "token",
        help="print a one-time token for one user and workspace",
        description=(
            f"Print a signed one-time token (key from ${KEY_VARIABLE} or ${KEY_FILE_VARIABLE}) that lets USER open "
            "the terminal of one workspace once, until it expires. Browsers offer it as the subprotocol "
            "bearer.<token>; it never goes in a URL."
        ),
    )
    token.add_argument("--user", required=True, metavar="EMAIL", help="whom the token identifies")
    token.add_argument("--workspace", required=True, metavar="TEAM/NAME", help="the only workspace it opens")
    token.add_argument("--ttl", default="5m", metavar="DURATION", help="how long it is valid: 90s, 5m, 1h")
    token.set_defaults(func=run_token)


def _key(required: bool) -> bytes | None:
    from sitegen.terminal.tokens import SigningKeyError, signing_key

    try:
        return signing_key()
    except SigningKeyError as exc:
        if required or "no token signing key" not in str(exc):
            raise UsageError(str(exc)) from None
        return None


def run_token(args: argparse.Namespace) -> int:
    from sitegen.terminal.tokens import issue, parse_ttl

    team, slash, name = args.workspace.partition("/")
    if not slash or not team or not name or "/" in name:
        raise UsageError(f"--workspace {args.workspace!r}: expected TEAM/NAME")
    if "@" not in args.user:
        raise UsageError(f"--user {args.user!r}: expected an email")
    try:
        ttl = parse_ttl(args.ttl)
    except ValueError as exc:
        raise UsageError(f"--ttl {exc}") from None
    print(issue(_key(required=True) or b"", args.user, args.workspace, ttl))
    return 0


def _listen_address(text: str) -> tuple[str, int]:
    host, colon, port = text.rpartition(":")
    host = host.strip("[]")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--listen {text!r}: expected HOST:PORT, e.g. {DEFAULT_LISTEN}")
    return host, int(port)


def _origins(texts: list[str]) -> frozenset[str]:
    origins = set()
    for text in texts:
        parts = urlsplit(text.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query or "@" in text:
            raise UsageError(f"--allowed-origin {text!r}: expected scheme://host[:port], e.g. https://portal.example")
        origins.add(f"{parts.scheme}://{parts.netloc}".lower())
    return frozenset(origins)


def _positive(args: argparse.Namespace, *names: str) -> None:
    for name in names:
        if not 0 < getattr(args, name) < math.inf:  # nan and inf parse as floats too
            raise UsageError(f"--{name.replace('_', '-')} must be positive")


def run_serve(args: argparse.Namespace) -> int:
    from reconciler.cli.source import load_repository
    from reconciler.db.connection import configured_url
    from reconciler.db.errors import DatabaseUnavailable
    from reconciler.kube.connect import find_kubeconfig
    from reconciler.model.diagnostics import Severity
    from sitegen.terminal.app import RepoState, ServerConfig, Sidecar
    from sitegen.terminal.backend import DEFAULT_TEMPLATE, TemplateError, parse_template
    from sitegen.terminal.identity import ProxyTrust, only_loopback, parse_networks
    from sitegen.terminal.limits import Limits
    from sitegen.terminal.pods import kube_pod_finder
    from sitegen.terminal.spent import DatabaseSpent, MemorySpent, SpentStore

    source = source_settings(args)
    state = state_dir(args)
    host, port = _listen_address(args.listen)
    origins = _origins(args.allowed_origin)
    _positive(args, "refresh_interval", "idle_timeout", "max_session", "max_sessions_per_user", "max_sessions")
    _positive(args, "max_frame_bytes", "refusal_burst")
    if not 0 <= args.refusal_rate < math.inf:
        raise UsageError("--refusal-rate must be 0 or more")
    try:
        template = parse_template(args.exec_template) if args.exec_template else DEFAULT_TEMPLATE
        networks = parse_networks(args.trusted_proxy)
    except (TemplateError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    secret = os.environ.get(PROXY_SECRET_VARIABLE) or None
    if networks and not only_loopback(networks) and secret is None:
        raise UsageError(f"--trusted-proxy beyond loopback needs the shared secret in ${PROXY_SECRET_VARIABLE}")
    key = _key(required=False)
    if not networks and key is None:
        raise UsageError("nobody could sign in: give --trusted-proxy, or a token signing key, or both")
    if args.site is not None and not args.site.is_dir():
        raise UsageError(f"--site {args.site}: not a directory")
    kubeconfig = find_kubeconfig(args.kubeconfig)
    if args.kubeconfig and not Path(args.kubeconfig).is_file():
        raise UsageError(f"--kubeconfig {args.kubeconfig}: no such file")

    validation = load_repository(source, state)
    errors = sum(1 for d in validation.diagnostics if d.severity is Severity.ERROR)
    if errors:
        print(
            f"portal: warning: {errors} error(s) in {validation.source.description}; serving it as read",
            file=sys.stderr,
        )
    config = ServerConfig(
        allowed_origins=origins,
        template=template,
        trust=ProxyTrust(networks, args.identity_header, args.proxy_secret_header, secret),
        token_key=key,
        limits=Limits(
            sessions_per_user=args.max_sessions_per_user,
            sessions_total=args.max_sessions,
            max_frame_bytes=args.max_frame_bytes,
            idle_timeout=args.idle_timeout,
            max_session=args.max_session,
            refusals_per_second=args.refusal_rate,
            refusal_burst=args.refusal_burst,
        ),
        kubeconfig=kubeconfig,
        site=args.site,
    )
    url = configured_url(args.database_url)
    try:
        spent: SpentStore = DatabaseSpent(url) if url else MemorySpent()
    except DatabaseUnavailable as exc:
        raise UsageError(str(exc)) from None
    sidecar = Sidecar(
        config,
        RepoState(validation.model, validation.source.commit or validation.source.description),
        spent=spent,
        find_pod=kube_pod_finder(kubeconfig, timeout=10.0),
    )

    def reload() -> tuple[RepoModel, str]:
        fresh = load_repository(source, state)
        return fresh.model, fresh.source.commit or fresh.source.description

    asyncio.run(_serve(sidecar, host, port, reload, args.refresh_interval))
    return 0


async def _serve(
    sidecar: Sidecar, host: str, port: int, reload: Callable[[], tuple[RepoModel, str]], interval: float
) -> None:
    from aiohttp import web

    from sitegen.terminal.app import build_app

    runner = web.AppRunner(build_app(sidecar), handle_signals=False, shutdown_timeout=5.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        raise UsageError(f"--listen {host}:{port}: {exc.strerror}") from None
    print(f"portal terminal: serving {sidecar.repo.commit} on http://{_shown(host)}:{port}", file=sys.stderr)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    wake = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, wake.set)

    async def refresh() -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), interval)
            wake.clear()
            try:
                model, commit = await asyncio.to_thread(reload)  # read off the loop, swapped in on it
            except Exception as exc:  # the repo cannot be read now: keep serving, and re-reading, the last commit
                print(f"portal terminal: warning: keeping {sidecar.repo.commit}: {exc}", file=sys.stderr)
                continue
            sidecar.replace_model(model, commit)

    refresher = asyncio.create_task(refresh())
    try:
        await stop.wait()
    finally:
        refresher.cancel()
        await runner.cleanup()


def _shown(host: str) -> str:
    try:
        return f"[{host}]" if ipaddress.ip_address(host).version == 6 else host
    except ValueError:
        return host

"""The daemon's pure parts: secrets, signatures, durations, backoff, and the command's usage errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.cli.daemon import parse_duration
from reconciler.cli.options import UsageError
from reconciler.daemon.backoff import ClusterBackoff
from reconciler.daemon.lease import LeaseTiming
from reconciler.daemon.secrets import SecretError, read_secret
from reconciler.daemon.signatures import generic_signature_valid, github_signature_valid, gitlab_token_valid
from tests.daemon.conftest import signature


def test_the_variable_wins_over_the_file_and_a_trailing_newline_is_ignored(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("from-file\n")
    assert read_secret("S", {"S_FILE": str(secret)}) == "from-file"
    assert read_secret("S", {"S": "from-variable", "S_FILE": str(secret)}) == "from-variable"
    assert read_secret("S", {}) is None
    assert read_secret("S", {"S": ""}) is None
    with pytest.raises(SecretError, match="S_FILE"):
        read_secret("S", {"S_FILE": str(tmp_path / "missing")})


def test_signatures() -> None:
    body = b'{"ref": "refs/heads/main"}'
    good = signature("s3cret", body)
    assert github_signature_valid("s3cret", body, good)
    assert generic_signature_valid("s3cret", body, good)
    assert generic_signature_valid("s3cret", body, good.removeprefix("sha256="))
    for bad in (None, "", good.upper(), good[:-1], signature("other", body), good.replace("sha256", "sha1")):
        assert not github_signature_valid("s3cret", body, bad)
    assert not github_signature_valid("s3cret", body + b" ", good)
    assert gitlab_token_valid("token", "token")
    assert not gitlab_token_valid("token", None)
    assert not gitlab_token_valid("token", "token ")


def test_durations() -> None:
    assert [parse_duration(t) for t in ("90", "60s", "5m", "1h30m", "0.5s", "1m30s")] == [90, 60, 300, 5400, 0.5, 90]
    for bad in ("", "soon", "5x", "m"):
        with pytest.raises(UsageError, match="not a duration"):
            parse_duration(bad)


def test_backoff_doubles_up_to_its_ceiling_and_resets_on_success() -> None:
    now = [0.0]
    backoff = ClusterBackoff(initial=5, ceiling=20, clock=lambda: now[0])
    assert [backoff.failed("a") for _ in range(4)] == [5, 10, 20, 20]
    assert not backoff.due("a") and backoff.due("b")
    now[0] = 20
    assert backoff.due("a") and backoff.next_retry_in() == 0
    backoff.succeeded("a")
    assert backoff.next_retry_in() is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give either --repo"),
        (["--repo", ".", "--watch", "."], "give either --repo"),
        (["--repo", ".", "--interval", "soon"], "not a duration"),
        (["--repo", ".", "--interval", "0"], "must be positive"),
        (["--repo", ".", "--listen", "8080"], "write HOST:PORT"),
        (["--repo", ".", "--kubeconfig", "/nonexistent"], "no such file"),
        (["--repo", ".", "--prune"], "--prune is for --watch"),
    ],
)
def test_usage_errors(portal, args: list[str], message: str) -> None:
    result = portal("daemon", *args)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--terminal-url", "https://term.acme.dev"], "--terminal-url and --base-url are options of the site"),
        (["--site-out", "SITE", "--base-url", "/portal/"], "--base-url: a sitemap needs an absolute http(s) base URL"),
        (["--site-out", "SITE", "--terminal-url", "javascript:alert(1)"], "--terminal-url must be an http(s)"),
    ],
)
def test_bad_site_options_are_usage_errors(portal, tmp_path: Path, args: list[str], message: str) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n")
    args = [str(tmp_path / "site") if arg == "SITE" else arg for arg in args]
    result = portal("daemon", "--repo", ".", "--kubeconfig", kubeconfig, *args)
    assert result.code == 2
    assert message in result.err and "Traceback" not in result.err
    assert not (tmp_path / "site").exists()


def test_a_site_out_holding_something_else_is_a_usage_error_and_left_as_it_is(portal, tmp_path: Path) -> None:
    """A site build empties its folder: --site-out at a repository would delete it."""
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n")
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.md").write_text("keep me")
    result = portal("daemon", "--repo", ".", "--kubeconfig", kubeconfig, "--site-out", precious)
    assert result.code == 2
    assert "is not empty and holds no site built by `portal site build`" in result.err
    assert "Traceback" not in result.err
    assert (precious / "notes.md").read_text() == "keep me"


def test_an_unreadable_secret_file_is_a_usage_error(portal, tmp_path: Path, monkeypatch) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n")
    monkeypatch.setenv("PORTAL_WEBHOOK_SECRET_FILE", str(tmp_path / "missing"))
    result = portal("daemon", "--repo", ".", "--kubeconfig", kubeconfig)
    assert result.code == 2
    assert "PORTAL_WEBHOOK_SECRET_FILE" in result.err and "Traceback" not in result.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--shards", "0"], "--shards 0: give a number of shards of 1 or more"),
        (["--leader-elect", "--leader-elect-renew-deadline", "20s"], "renew deadline < lease duration"),
        (["--leader-elect", "--leader-elect-retry-period", "soon"], "not a duration"),
    ],
)
def test_replica_usage_errors(portal, tmp_path: Path, args: list[str], message: str) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n")
    result = portal("daemon", "--repo", ".", "--kubeconfig", kubeconfig, *args)
    assert result.code == 2
    assert message in result.err and "Traceback" not in result.err


@pytest.mark.parametrize("election", [["--leader-elect"], ["--shards", "2"]])
def test_leases_without_a_cluster_to_hold_them_are_refused(
    portal, tmp_path: Path, monkeypatch, election: list[str]
) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.kube/config
    result = portal("daemon", "--repo", ".", *election)
    assert result.code == 2
    assert "neither in-cluster config nor a kubeconfig" in result.err and "Traceback" not in result.err


def test_a_kubeconfig_without_a_current_context_cannot_hold_the_leases(portal, tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n")
    result = portal("daemon", "--repo", ".", "--kubeconfig", kubeconfig, "--leader-elect")
    assert result.code == 2
    assert f"the current context of kubeconfig {kubeconfig}" in result.err and "Traceback" not in result.err


def test_the_lease_timing_defaults_in_help_are_client_gos(portal) -> None:
    text = " ".join(portal("daemon", "--help").out.split())
    defaults = LeaseTiming()
    assert f"Lease keeps its holder (default: {defaults.lease_duration:g}s)" in text
    assert f"without a renewal (default: {defaults.renew_deadline:g}s)" in text
    assert f"take or renew a Lease (default: {defaults.retry_period:g}s)" in text


def test_a_daemon_that_records_nothing_and_watches_nothing_loads_neither_driver_nor_watcher(tmp_path: Path) -> None:
    """Memory is the daemon's budget: psycopg only when it records (not --no-db), watchfiles only with --watch."""
    probe = (
        "import sys\n"
        "import reconciler.cli.daemon, reconciler.daemon.assemble, reconciler.daemon.service\n"
        "from reconciler.daemon.metrics import DaemonMetrics\n"
        "from reconciler.kube.cluster_reconcile import ClusterReport\n"
        "DaemonMetrics().cluster_reports([ClusterReport('c', 'ok')])  # what every cycle that applied counts\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('psycopg', 'watchfiles')))\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, check=True)
    assert run.stdout.strip() == "[]", run.stdout

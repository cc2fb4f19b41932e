"""Fetching over SSH: with a key, from a server whose host key is in the configured known_hosts — and only then."""

from __future__ import annotations

from pathlib import Path

import asyncssh
import pytest

from reconciler.daemon.source import BranchSource, GitCredentials
from reconciler.load.sources import SourceError
from reconciler.state_dir import StateDir
from tests.daemon.sshd import SshServer, ssh_server
from tests.gitrepo import commit


@pytest.fixture
def client_key(tmp_path: Path) -> tuple[asyncssh.SSHKey, Path]:
    key = asyncssh.generate_private_key("ssh-ed25519")
    path = tmp_path / "id_ed25519"
    path.write_bytes(key.export_private_key("openssh"))
    path.chmod(0o600)
    return key, path


@pytest.fixture
def server(client_key: tuple[asyncssh.SSHKey, Path]):
    with ssh_server(client_key[0]) as running:
        yield running


def _source(tmp_path: Path, server: SshServer, key: Path, known_hosts: str | None) -> tuple[BranchSource, str]:
    repo = tmp_path / "platform"
    head = commit(repo, {"teams/a.yaml": "kind: Team\n"})
    hosts = None
    if known_hosts is not None:
        hosts = tmp_path / "known_hosts"
        hosts.write_text(known_hosts)
    import pygit2

    branch = pygit2.Repository(str(repo)).head.shorthand
    credentials = GitCredentials(ssh_key=key, known_hosts=hosts)
    return BranchSource(server.url(repo / ".git"), branch, StateDir(tmp_path / "state"), credentials), head


def test_a_known_host_is_fetched_from_with_the_key(tmp_path: Path, server: SshServer, client_key) -> None:
    source, head = _source(tmp_path, server, client_key[1], server.known_hosts_line())
    assert source.fetch() == head
    assert [f.path for f in source.read(head).files] == ["teams/a.yaml"]


@pytest.mark.parametrize("known", ["other-key", "empty", "none"])
def test_an_unknown_host_key_is_refused(tmp_path: Path, server: SshServer, client_key, known: str) -> None:
    """A server showing a key that known_hosts does not list (a man in the middle) gets nothing, not even tried."""
    lines = {
        "other-key": server.known_hosts_line(asyncssh.generate_private_key("ssh-ed25519")),
        "empty": "",
        "none": None,
    }[known]
    source, _ = _source(tmp_path, server, client_key[1], lines)
    with pytest.raises(SourceError, match=r"unknown remote ssh hostkey \(is the server's key in \$PORTAL_GIT_KNOWN"):
        source.fetch()
    assert not (tmp_path / "state" / "git").exists() or not any((tmp_path / "state" / "git").iterdir())

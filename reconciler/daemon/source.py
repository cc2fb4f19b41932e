"""Where the daemon reads its commits: a branch of a repository, fetched with pygit2 into the state dir's mirror.

Credentials come from the environment: `PORTAL_GIT_TOKEN` (or `PORTAL_GIT_TOKEN_FILE`) for https, and for SSH
`PORTAL_GIT_SSH_KEY` (a private key file) with `PORTAL_GIT_KNOWN_HOSTS` (a known_hosts file; the host key the
server shows must be in it — an unknown one is refused, never trusted on first use).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from reconciler.daemon.secrets import read_secret
from reconciler.load.cache import KnownBlobsFile
from reconciler.load.sources import RepoSource, SourceError, git_commit, head_commit, working_tree
from reconciler.passwords import shown_url
from reconciler.state_dir import StateDir

if TYPE_CHECKING:
    import pygit2

TOKEN_VARIABLE = "PORTAL_GIT_TOKEN"
SSH_KEY_VARIABLE = "PORTAL_GIT_SSH_KEY"
KNOWN_HOSTS_VARIABLE = "PORTAL_GIT_KNOWN_HOSTS"
TOKEN_USER = "x-access-token"  # GitHub's name for a token's user; GitLab and Gitea ignore the name


class CredentialsError(Exception):
    """Credentials that cannot be used: a usage error."""


@dataclass(frozen=True, slots=True)
class GitCredentials:
    token: str | None = None
    ssh_key: Path | None = None
    known_hosts: Path | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> GitCredentials:
        key, hosts = environ.get(SSH_KEY_VARIABLE), environ.get(KNOWN_HOSTS_VARIABLE)
        if key and not Path(key).is_file():
            raise CredentialsError(f"${SSH_KEY_VARIABLE} {key}: no such file")
        if hosts and not Path(hosts).is_file():
            raise CredentialsError(f"${KNOWN_HOSTS_VARIABLE} {hosts}: no such file")
        return cls(read_secret(TOKEN_VARIABLE, environ), Path(key) if key else None, Path(hosts) if hosts else None)


def is_ssh_url(location: str) -> bool:
    return location.startswith("ssh://") or ("@" in location and ":" in location and "://" not in location)


def host_key_known(valid: bool) -> bool:
    """Whether to go on with a server whose key libgit2 checked against known_hosts (`valid`). pygit2's default
    lets any SSH host key through; we accept only a known one."""
    return valid


def remote_callbacks(credentials: GitCredentials, location: str, state_dir: StateDir) -> pygit2.RemoteCallbacks:
    """Callbacks that answer the server's credential request and check its SSH host key against known_hosts."""
    import pygit2

    if is_ssh_url(location):
        # libgit2 reads known_hosts from $HOME/.ssh: give it a home of its own holding only the file we trust.
        home = state_dir.root / "ssh-home"
        (home / ".ssh").mkdir(parents=True, exist_ok=True)
        target = home / ".ssh" / "known_hosts"
        if credentials.known_hosts is not None:
            shutil.copyfile(credentials.known_hosts, target)
        else:
            target.write_text("")
        pygit2.settings.homedir = str(home)

    class Callbacks(pygit2.RemoteCallbacks):
        asked = 0

        def credentials(
            self, url: str, username_from_url: str | None, allowed_types: pygit2.enums.CredentialType
        ) -> pygit2.Keypair | pygit2.UserPass:
            # libgit2 asks again after each refusal: answering with the same credentials would loop.
            self.asked += 1
            if self.asked > 1:
                raise pygit2.GitError(f"{shown_url(url)}: the server refused the configured credentials")
            if allowed_types & pygit2.enums.CredentialType.SSH_KEY and credentials.ssh_key is not None:
                return pygit2.Keypair(username_from_url or "git", None, str(credentials.ssh_key), "")
            if allowed_types & pygit2.enums.CredentialType.USERPASS_PLAINTEXT and credentials.token:
                return pygit2.UserPass(TOKEN_USER, credentials.token)
            raise pygit2.GitError(f"{shown_url(url)}: the server asks for credentials and none are configured")

        def certificate_check(self, certificate: None, valid: bool, host: bytes) -> bool:
            return host_key_known(valid)

    return Callbacks()


class Source(Protocol):
    @property
    def has_history(self) -> bool:
        """Whether revisions are commits, so that a new one is judged against the last applied as its base."""
        ...

    def fetch(self) -> str:
        """The current revision's id; cheap when nothing changed."""
        ...

    def read(self, revision: str) -> RepoSource:
        """The documents of `revision`, as returned by the last `fetch`."""
        ...


@dataclass
class BranchSource:
    """The branch `branch` of the repository at `location` (a path or a URL)."""

    location: str
    branch: str
    state_dir: StateDir
    credentials: GitCredentials

    @property
    def ref(self) -> str:
        return f"refs/heads/{self.branch}"

    @property
    def has_history(self) -> bool:
        return True

    def _callbacks(self) -> pygit2.RemoteCallbacks:
        return remote_callbacks(self.credentials, self.location, self.state_dir)

    def fetch(self) -> str:
        """Fetch, and return the id of the branch's commit; its tree is not read."""
        try:
            return head_commit(self.location, self.ref, self.state_dir.root, self._callbacks())
        except SourceError as exc:
            if "hostkey" in str(exc):
                raise SourceError(f"{exc} (is the server's key in ${KNOWN_HOSTS_VARIABLE}?)") from None
            raise

    def read(self, commit: str) -> RepoSource:
        """The documents of `commit`, already fetched."""
        return git_commit(self.location, commit, self.state_dir.root, self._callbacks(), fetch=False)


@dataclass
class WorkingTreeSource:
    """A working tree on disk (`--watch`): its revision is a digest of its document files' blob ids."""

    root: Path
    state_dir: StateDir
    _tree: RepoSource | None = field(default=None, repr=False)

    @property
    def has_history(self) -> bool:
        return False

    def fetch(self) -> str:
        known = KnownBlobsFile(self.state_dir.root, self.root)
        self._tree = working_tree(self.root, known.known)
        known.save()
        digest = hashlib.sha256()
        for f in self._tree.files:
            digest.update(f"{f.path}\0{f.blob_id}\n".encode())
        return "tree:" + digest.hexdigest()[:16]

    def read(self, revision: str) -> RepoSource:
        assert self._tree is not None, "read before fetch"
        return self._tree
